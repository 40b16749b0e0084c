import Foundation
public import HuiliuCore
import HuiliuEnvironment
public import HuiliuKit
import Logging

/// The `hj212` source: reads the listener's durable buffer in arrival order and yields
/// `environment.measurement.v1` records (and, with `assess: true`, `environment.assessment.v1`).
///
/// By default it drains what the daemon's listener (`huiliu serve`) has buffered since the
/// last checkpoint. With `listen`, `huiliu run` starts a listener of its own for `duration`
/// and yields frames while they arrive.
///
/// ```yaml
/// source:
///   hj212:
///     listen: 127.0.0.1:9212
///     duration: 60s
///     assess: true
/// ```
public struct HJ212Source: BufferReadingSource {
    static let buffer = Field<String?>("buffer", .path,
                                       "The listener's buffer; the default is the one `listeners.hj212.buffer` names, or `hj212-buffer.db` in the data directory.",
                                       example: "data/hj212-buffer.db")
    static let stations = Field<String?>("stations", .path,
                                         "The station registry, for water bodies in assessments and for `listen`; the default is `config/hj212/stations.yaml`.",
                                         example: "config/hj212/stations.yaml")
    static let listen = Field<String?>("listen", .string,
                                       "Run a listener in this process on HOST:PORT while the pipeline runs (for `huiliu run`).",
                                       example: "127.0.0.1:9212")
    static let duration = Field<Duration>("duration", .duration, "How long the in-process listener accepts frames.",
                                          default: "60s")
    static let assess = Field<Bool>("assess", .boolean,
                                    "Also emit `environment.assessment.v1`: the GB 3838 class of surface-water hour frames, the AQI of air hour frames (HJ 633-2012 with its 8-h O3 and 24-h PM moving averages), and with an air station's first hour of a day its 日报 for the day before, computed from that day's hours.",
                                    default: false)
    static let aqiStandard = Field<String>("aqi_standard", .oneOf(["auto", "HJ 633-2012", "HJ 633-2026"]),
                                           "The AQI edition; `auto` applies the one in force at each period start.",
                                           default: "auto", advanced: true)

    static let retention = Field<Duration>("retention", .duration, """
        How long delivered frames stay in the buffer (at least 2d): they recognise a device's retransmissions as \
        duplicates and give the AQI its earlier hours. Each run deletes the older ones that every pipeline reading the \
        buffer has delivered (the longest retention of them counts); a pipeline counts from when the daemon loads it (or \
        its first run) until it has not run for its own retention.
        """, default: "7d", advanced: true)

    public static let spec = ComponentSpec(
        name: "hj212", kind: .source,
        summary: "Reads HJ 212 monitoring frames from the listener's durable buffer as environment.measurement records.",
        details: """
            The HJ 212 listener commits every accepted upload to a local SQLite buffer before it acknowledges it. \
            This source reads that buffer after the last delivered sequence number, so a run resumes exactly where \
            the previous one stopped, and deletes the frames every pipeline reading the buffer has delivered that are \
            older than `retention`. \
            Each measurement becomes one `environment.measurement.v1` record keyed \
            station/parameter/interval/period_start, with origin `MN/QN`. Frames that carry no values (equipment \
            states) advance the checkpoint without records.
            """,
        fields: [buffer.spec, stations.spec, listen.spec, duration.spec, assess.spec, aqiStandard.spec, retention.spec])

    /// The measurement event type.
    public static let measurementType = EnvironmentMeasurement.type
    /// The assessment event type.
    public static let assessmentType = AirQualityAssessment.type
    /// The measurement schema.
    public static let measurementSchema = "https://huiliu.dev/schema/v1/environment.measurement.json"
    /// The assessment schema.
    public static let assessmentSchema = "https://huiliu.dev/schema/v1/environment.assessment.json"

    let bufferPath: String
    let stationsPath: String
    let listenAddress: String?
    let duration: Duration
    let assesses: Bool
    let aqiStandard: AQIStandard?
    let retentionPeriod: Duration
    let batchSize: Int
    let logger: Logger
    let resolver: ReferenceResolver
    /// The pipeline, as one of the buffer's readers: frames go only once every reader has them.
    let pipeline: String
    /// Now, in milliseconds since 1970: the context's clock.
    let clock: @Sendable () -> Int64

    public init(config: ParsedConfig, context: ConnectorContext) throws {
        bufferPath = try config[Self.buffer]
            ?? ListenerBuffers.path(of: "hj212", in: context, or: context.dataDirectory + "/hj212-buffer.db")
        stationsPath = try config[Self.stations] ?? context.configDirectory + "/hj212/stations.yaml"
        listenAddress = try config[Self.listen]
        duration = try config[Self.duration]
        assesses = try config[Self.assess]
        let standard = try config[Self.aqiStandard]
        aqiStandard = AQIStandard(rawValue: standard)
        retentionPeriod = try config[Self.retention]
        guard retentionPeriod >= .seconds(2 * 86_400) else {
            throw config.error("retention", "'retention' must be at least 2d: the daily AQI reads the day's hours back from the buffer")
        }
        batchSize = max(1, context.batchSize)
        logger = context.logger
        resolver = context.resolver
        pipeline = context.pipeline
        clock = context.clock
        if let listenAddress {
            var probe = HJ212ListenerSettings()
            do { try probe.setAddress(listenAddress) } catch {
                throw config.error("listen", "'listen' must be HOST:PORT, got '\(listenAddress)'")
            }
        }
    }

    public func registerAsReader() throws {
        guard FileManager.default.fileExists(atPath: bufferPath) else { return }
        try FrameBuffer(path: bufferPath).register(pipeline: pipeline, retention: retentionPeriod.wholeMilliseconds,
                                                   now: clock())
    }

    public func reader(after checkpoint: Checkpoint?) async throws -> any BatchReader {
        let needsStations = assesses || listenAddress != nil
        let stations = needsStations ? try loadStations() : StationRegistry()
        var reader = try HJ212BatchReader(source: self, stations: stations, after: checkpoint)
        // Also at the first run: the pipeline becomes one of the buffer's readers, whose
        // position other pipelines' pruning respects, from then on.
        reader.prune()
        if let listenAddress {
            var settings = HJ212ListenerSettings()
            try settings.setAddress(listenAddress)
            settings.bufferPath = bufferPath
            settings.stationsPath = stationsPath
            try await reader.startListener(settings: settings)
        }
        return reader
    }

    private func loadStations() throws -> StationRegistry {
        if listenAddress == nil, !FileManager.default.fileExists(atPath: stationsPath) {
            logger.info("no station registry; surface-water sections are assessed with their water body unknown (total phosphorus by its river class, the lower bound, and water_class_if_lake_reservoir where the lake limits give worse)", metadata: ["path": "\(stationsPath)"])
            return StationRegistry()
        }
        let registry = try StationsFile.load(path: stationsPath, resolver: resolver)
        for warning in registry.unitWarnings {
            logger.warning("a station's unit the assessments cannot convert: its item is left out of them", metadata: ["unit": "\(warning)"])
        }
        return registry
    }
}
