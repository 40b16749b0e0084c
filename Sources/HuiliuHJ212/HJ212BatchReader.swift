import Foundation
import HuiliuCore
import HuiliuEnvironment
import HuiliuKit
import HuiliuStore
import Logging

/// Reads the buffer in sequence order, one batch at a time; with an in-process listener it
/// keeps reading while frames arrive, until the listener's time is up.
struct HJ212BatchReader: BatchReader {
    let source: HJ212Source
    let stations: StationRegistry
    let buffer: FrameBuffer
    var position: Int
    var listener: HJ212Listener?
    var listenerTask: Task<Void, any Error>?
    var deadline: ContinuousClock.Instant?

    init(source: HJ212Source, stations: StationRegistry, after checkpoint: Checkpoint?) throws {
        self.source = source
        self.stations = stations
        // Without a listener of its own, the source reads the daemon's buffer: it must exist,
        // or the source would read an empty file of its own while the listener writes elsewhere.
        if source.listenAddress == nil, !FileManager.default.fileExists(atPath: source.bufferPath) {
            throw StoreError("""
                no HJ 212 buffer at \(source.bufferPath): the listener (listeners.hj212 in config/huiliu.yaml, run by huiliu serve, \
                or 'listen' here) makes it when it starts; the source's 'buffer' and the listener's must name the same file
                """)
        }
        buffer = try FrameBuffer(path: source.bufferPath)
        position = try BufferPosition.resume(checkpoint, buffer: buffer.id, lastGiven: buffer.lastSequenceGiven(), path: source.bufferPath,
                                             what: "HJ 212 buffer")
    }

    /// Deletes frames every pipeline reading the buffer has delivered, older than the longest
    /// of their retentions. A failure costs only disk space until the next run, so it is logged
    /// rather than thrown.
    func prune() {
        do {
            let deleted = try buffer.prune(pipeline: source.pipeline, deliveredThrough: position,
                                           retention: source.retentionPeriod.wholeMilliseconds,
                                           now: source.clock())
            if deleted > 0 {
                source.logger.info("deleted delivered HJ 212 frames past their retention", metadata: [
                    "frames": "\(deleted)", "retention_seconds": "\(source.retentionPeriod.components.seconds)",
                ])
            }
        } catch {
            source.logger.warning("cannot delete old frames from the HJ 212 buffer", metadata: ["error": "\(error)"])
        }
    }

    /// Starts a listener for the source's `duration` and waits until it is bound.
    mutating func startListener(settings: HJ212ListenerSettings) async throws {
        let listener = try HJ212Listener(settings: settings, stations: stations, logger: source.logger)
        // The engine pulls batches; the listener must run meanwhile, so it gets a task of its
        // own, owned by this reader and awaited in `close()`.
        let task = Task { try await listener.run() }
        let address = try await listener.waitUntilBound()
        source.logger.notice("HJ 212 listener running for this run", metadata: [
            "address": "\(HJ212Listener.describe(address))", "duration": "\(source.duration)",
        ])
        self.listener = listener
        listenerTask = task
        deadline = .now + source.duration
    }

    mutating func next() async throws -> RecordBatch? {
        while true {
            let frames = try buffer.frames(after: position, limit: max(1, source.batchSize / 6))
            if !frames.isEmpty { return batch(of: frames) }
            guard let deadline, let listener else { return nil }
            if ContinuousClock.now >= deadline {
                try await stopListener(listener)
                continue
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    mutating func close() async {
        if let listener { try? await stopListener(listener) }
    }

    private mutating func stopListener(_ listener: HJ212Listener) async throws {
        listener.shutdown()
        let task = listenerTask
        self.listener = nil
        listenerTask = nil
        deadline = nil
        try await task?.value
    }

    /// Where a frame's records come from: its station and upload, at its place in the buffer.
    static func origin(of frame: StoredFrame) -> RecordOrigin {
        RecordOrigin("\(frame.mn)/\(frame.qn ?? frame.dataTime ?? "-")", position: frame.sequence)
    }

    /// An assessment's record.
    static func record(_ assessment: Assessed, _ frame: StoredFrame) -> Record {
        var record = Record(data: assessment.data, origin: origin(of: frame), key: assessment.key, type: HJ212Source.assessmentType)
        record.time = assessment.time
        record.dataschema = HJ212Source.assessmentSchema
        record.extensions = extensions(of: frame.station)
        return record
    }

    /// The envelope's `region` and `owner`, from the station's entry in the registry, as other
    /// connectors give them: an analyst filtering by region finds the stations' data too.
    static func extensions(of station: StationRegistry.Station?) -> Object {
        var extensions = Object()
        if let region = station?.region { extensions["region"] = .string(region) }
        if let agency = station?.agency { extensions["owner"] = .string(agency) }
        return extensions
    }

    private mutating func batch(of frames: [StoredFrame]) -> RecordBatch {
        var records: [Record] = []
        var rejects: [RecordBatch.Rejected] = []
        records.reserveCapacity(frames.count * 7)
        var revisions = Revisions()
        for frame in frames {
            let origin = Self.origin(of: frame)
            let extensions = Self.extensions(of: frame.station)
            let measurements: [EnvironmentMeasurement]
            do {
                measurements = try frame.measurements()
            } catch {
                rejects.append(.init(origin: origin, reason: "\(error)", raw: .string(frame.raw)))
                continue
            }
            for measurement in measurements {
                var record = Record(data: measurement.data, origin: origin, key: measurement.key, type: HJ212Source.measurementType)
                record.time = measurement.time
                record.dataschema = HJ212Source.measurementSchema
                record.extensions = extensions
                records.append(record)
            }
            if source.assesses {
                for assessment in assess(frame, measurements, revisions: &revisions) {
                    records.append(Self.record(assessment, frame))
                }
            }
        }
        for (frame, assessment) in revise(revisions) {
            records.append(Self.record(assessment, frame))
        }
        position = frames.last!.sequence
        return RecordBatch(records: records, rejects: rejects,
                           checkpoint: BufferPosition.checkpoint(position, buffer: buffer.id))
    }
}
