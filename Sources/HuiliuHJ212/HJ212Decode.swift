public import HuiliuCore
public import HuiliuEnvironment

/// `huiliu hj212 decode`: what a field engineer sees of a capture, one JSON line per frame.
public enum HJ212Decode {
    /// What to print: `output` lines go to standard output, `diagnostics` to standard error.
    public struct Lines: Sendable, Equatable {
        /// One JSON object per line.
        public var output: [String] = []
        /// Rejections and frames without values, when normalizing.
        public var diagnostics: [String] = []
        /// Frames rejected (whitespace between frames aside), and split uploads left incomplete.
        public var rejected = 0
    }

    /// Decodes every frame in `bytes`.
    ///
    /// Without `normalize`, each frame or rejection is one line (``HJ212/decodeReport(_:configuration:)``:
    /// edition, header, measurements, CRC verdict, deviations — or the reason and offset).
    /// With `normalize`, each measurement is one `environment.measurement.v1` CloudEvents
    /// envelope (source `/hj212/<MN>`, deterministic id); split uploads are reassembled first,
    /// and rejections and frames without values go to ``Lines/diagnostics``.
    /// - Parameters:
    ///   - bytes: raw frames, as captured.
    ///   - normalize: print envelopes instead of frame reports.
    ///   - stations: unit overrides, agency and region for normalization.
    ///   - verifyCRC: `false` shows frames whose CRC is wrong instead of rejecting them.
    public static func lines(_ bytes: [UInt8], normalize: Bool, stations: StationRegistry = StationRegistry(),
                             verifyCRC: Bool = true) -> Lines {
        var configuration = HJ212.FrameDecoder.Configuration()
        configuration.verifiesCRC = verifyCRC
        guard normalize else {
            let report = HJ212.decodeReport(bytes, configuration: configuration)
            return Lines(output: report.map(\.jsonText), rejected: report.count { $0["error"] != nil })
        }
        var lines = Lines()
        var packets: [String: [HJ212.Frame]] = [:]
        for (offset, result) in HJ212.FrameDecoder(configuration: configuration).decodeAll(bytes) {
            switch result {
            case .failure(let error):
                if error.code == .garbage, bytes[offset...].prefix(while: { $0 != UInt8(ascii: "#") }).allSatisfy({ [9, 10, 13, 32].contains($0) }) {
                    continue
                }
                lines.diagnostics.append(error.reportValue(input: bytes, base: offset).jsonText)
                lines.rejected += 1
            case .success(let frame):
                if let pnum = frame.pnum, pnum > 1 {
                    let id = "\(frame.mn) \(frame.cn) \(frame.qn ?? "-")"
                    packets[id, default: []].append(frame)
                    guard Set(packets[id]!.compactMap(\.pno)).count == pnum else { continue }
                    let parts = packets.removeValue(forKey: id)!
                    append(PacketAssembly.merge(parts), stations: stations, to: &lines)
                } else {
                    append([frame], stations: stations, to: &lines)
                }
            }
        }
        lines.rejected += packets.count
        for (id, parts) in packets.sorted(by: { $0.key < $1.key }) {
            lines.diagnostics.append(Value.object([
                "error": .string("split upload incomplete: \(parts.count) of \(parts.first?.pnum ?? 0) packets"),
                "upload": .string(id),
            ]).jsonText)
        }
        return lines
    }

    /// The CloudEvents envelope of one measurement.
    /// With the station's region and agency as its `region` and `owner`, as a pipeline gives them.
    public static func envelope(_ measurement: EnvironmentMeasurement, mn: String, station: StationRegistry.Station? = nil) -> Envelope {
        let source = "/hj212/\(mn)"
        var envelope = Envelope(id: Envelope.deterministicID(source: source, type: HJ212Source.measurementType, key: measurement.key),
                                source: source, type: HJ212Source.measurementType, subject: measurement.key, time: measurement.time,
                                datacontenttype: "application/json", dataschema: HJ212Source.measurementSchema,
                                data: measurement.data)
        envelope.extensions = HJ212BatchReader.extensions(of: station)
        return envelope
    }

    private static func append(_ frames: [HJ212.Frame], stations: StationRegistry, to lines: inout Lines) {
        for frame in frames {
            do {
                let station = stations[frame.mn]
                let normalized = try EnvironmentMeasurement.normalize(frame, station: station)
                for measurement in normalized.measurements {
                    lines.output.append(envelope(measurement, mn: frame.mn, station: station).json.jsonText)
                }
                for skipped in normalized.skipped {
                    lines.diagnostics.append(Value.object([
                        "skipped": .string(skipped.code), "reason": .string(skipped.reason), "mn": .string(frame.mn),
                        "qn": frame.qn.map { .string($0) } ?? .null,
                    ]).jsonText)
                }
            } catch {
                // The listener refuses such an upload (it is not acknowledged), so it counts as rejected here too.
                if error == .missingDataTime { lines.rejected += 1 }
                lines.diagnostics.append(Value.object([
                    "error": .string(error.message), "mn": .string(frame.mn), "cn": .string(frame.cn),
                    "qn": frame.qn.map { .string($0) } ?? .null,
                ]).jsonText)
            }
        }
    }
}
