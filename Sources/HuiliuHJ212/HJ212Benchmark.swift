import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HuiliuEnvironment
public import Logging
import NIOCore
import NIOPosix

/// `huiliu bench hj212`: the codec alone, then the whole listener on loopback — decode,
/// verify, normalize, group-commit to a temporary buffer, acknowledge — driven by an emulated
/// fleet in the same process, on event loop threads of its own.
///
/// The fleet shares the machine with the listener, so its own CPU use lowers the listener's
/// figure; on a two-core machine that is a real cost. The report therefore also gives the CPU
/// time each side spent per frame: the fleet's is measured on its threads, the listener's is
/// the rest of the process.
public enum HJ212Benchmark {
    /// What to run.
    public struct Options: Sendable {
        /// Concurrent devices. The default is 1000.
        public var devices = 1000
        /// How long the fleet sends. The default is 10 seconds.
        public var duration: Duration = .seconds(10)
        /// Total frames per second to offer; 0 lets every device send its next frame as soon as
        /// the last is acknowledged (the listener's maximum). The default is 0.
        public var framesPerSecond: Double = 0
        /// Frames the codec-alone measurement decodes. The default is 300,000.
        public var codecFrames = 300_000
        /// Where the temporary buffer goes; the default is a new directory under /tmp, removed afterwards.
        public var directory: String?
        /// Event loop threads the fleet runs on, apart from the listener's. The default is 2.
        public var fleetThreads = 2
        /// Event loop threads of the listener; `nil` uses NIO's shared group (one per core). The default is `nil`.
        public var listenerThreads: Int?

        /// The defaults.
        public init() {}
    }

    /// The figures.
    public struct Report: Sendable, CustomStringConvertible {
        /// Frames per second the codec decodes and verifies, on one core.
        public var codecFramesPerSecond: Double
        /// Frames per second decoded, verified and normalized into `environment.measurement` records, on one core.
        public var normalizeFramesPerSecond: Double
        /// Frames per second the listener stored durably and acknowledged.
        public var listenerFramesPerSecond: Double
        /// Listener-side frame received → acknowledgement written, median.
        public var ackP50: Duration
        /// Listener-side frame received → acknowledgement written, 99th percentile.
        public var ackP99: Duration
        /// Device-side send → acknowledgement received, 99th percentile.
        public var deviceP99: Duration
        /// What the fleet saw.
        public var fleet: FleetReport
        /// Frames the buffer holds afterwards.
        public var stored: Int
        /// Group commits and their mean size.
        public var groups: Int
        /// Time the commit thread spent in transactions (insert and sync).
        public var commitBusy: Duration
        /// CPU time of the listener (the process less the fleet's threads) per stored frame.
        public var listenerCPUPerFrame: Duration
        /// CPU time of the fleet's threads per stored frame.
        public var fleetCPUPerFrame: Duration
        /// The load the fleet offered, frames per second; 0 when it sent as fast as it was acknowledged.
        public var offeredFramesPerSecond: Double = 0

        public var description: String {
            """
            codec alone:        \(Self.rate(codecFramesPerSecond)) frames/s (decode + length + CRC + parse, one core)
            codec + normalize:  \(Self.rate(normalizeFramesPerSecond)) frames/s (… + environment.measurement records, one core)
            listener:           \(Self.rate(listenerFramesPerSecond)) frames/s stored durably and acknowledged \
            (offered \(offeredFramesPerSecond > 0 ? String(format: "%.0f frames/s, sent %.0f", offeredFramesPerSecond, fleet.framesPerSecond) : "as fast as acknowledged"), \(fleet.devices) devices, \(stored) frames in \(groups) group commits, mean \(groups > 0 ? stored / groups : 0) per commit, \
            commit thread busy \(FleetReport.milliseconds(commitBusy)) ms)
            ack latency:        p50 \(FleetReport.milliseconds(ackP50)) ms, p99 \(FleetReport.milliseconds(ackP99)) ms (listener: frame received → 9014 written)
            device round trip:  p99 \(FleetReport.milliseconds(deviceP99)) ms (device: frame written → 9014 read)
            CPU per frame:      listener \(Self.micros(listenerCPUPerFrame)) µs (\(Self.rate(Self.perCore(listenerCPUPerFrame)).trimmingCharacters(in: .whitespaces)) frames/s per core), \
            fleet \(Self.micros(fleetCPUPerFrame)) µs
            fleet:              \(fleet.sent) sent, \(fleet.acknowledged) acknowledged, \(fleet.timedOut) timed out, \(fleet.failedConnections) failed connections
            """
        }

        static func rate(_ value: Double) -> String {
            String(format: "%9.0f", value)
        }

        static func micros(_ duration: Duration) -> String {
            String(format: "%.1f", Double(duration.nanoseconds) / 1000)
        }

        static func perCore(_ duration: Duration) -> Double {
            duration > .zero ? 1e9 / Double(duration.nanoseconds) : 0
        }
    }

    /// Runs both measurements.
    public static func run(_ options: Options = Options(), logger: Logger = Logger(label: "hj212-bench")) async throws -> Report {
        let (codec, normalize) = measureCodec(frames: options.codecFrames)
        let directory = options.directory ?? NSTemporaryDirectory() + "huiliu-hj212-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { if options.directory == nil { try? FileManager.default.removeItem(atPath: directory) } }

        var fleetOptions = DeviceFleet.Options(host: "127.0.0.1", port: 0)
        fleetOptions.devices = options.devices
        fleetOptions.framesPerSecond = options.framesPerSecond
        fleetOptions.duration = options.duration
        // Every frame asks for an answer, as uploads from 2017/2025 data loggers usually do.
        fleetOptions.editions = [.hj2017, .hj2025]
        fleetOptions.allRequestAnswers = true
        let probe = DeviceFleet(options: fleetOptions)
        let stations = StationRegistry(stations: probe.emulator.devices.map {
            StationRegistry.Station(mn: $0.mn, edition: $0.edition, password: $0.password)
        })

        var settings = HJ212ListenerSettings()
        settings.host = "127.0.0.1"
        settings.port = 0
        settings.bufferPath = directory + "/hj212-buffer.db"
        var quiet = logger
        quiet.logLevel = .error
        let listenerGroup = options.listenerThreads.map { MultiThreadedEventLoopGroup(numberOfThreads: max(1, $0)) }
        defer { if let listenerGroup { listenerGroup.shutdownGracefully { _ in } } }
        let listener = try HJ212Listener(settings: settings, stations: stations, logger: quiet,
                                         eventLoopGroup: listenerGroup ?? MultiThreadedEventLoopGroup.singleton)
        let server = Task { try await listener.run() }
        let address = try await listener.waitUntilBound()
        fleetOptions.port = address.port ?? 0

        // Latencies from the first second, while connections are still opening, are dropped.
        let reset = Task {
            try await Task.sleep(for: .seconds(1))
            listener.metrics.resetLatencies()
        }
        let fleetGroup = MultiThreadedEventLoopGroup(numberOfThreads: max(1, options.fleetThreads))
        let fleetCPU = try await cpuTime(of: fleetGroup)
        let processCPU = cpuTime(CLOCK_PROCESS_CPUTIME_ID)
        let fleet: FleetReport
        do {
            fleet = try await DeviceFleet(options: fleetOptions).run(eventLoopGroup: fleetGroup)
        } catch {
            try? await fleetGroup.shutdownGracefully()
            listener.shutdown()
            _ = try? await server.value
            throw error
        }
        let fleetUsed = try await cpuTime(of: fleetGroup) - fleetCPU
        let processUsed = cpuTime(CLOCK_PROCESS_CPUTIME_ID) - processCPU
        try await fleetGroup.shutdownGracefully()
        _ = try? await reset.value
        listener.shutdown()
        try await server.value
        let counts = listener.metrics.snapshot
        let stored = (counts["stored"] ?? 0) + (counts["duplicate"] ?? 0)
        let seconds = Double(fleet.elapsed.nanoseconds) / 1e9
        return Report(codecFramesPerSecond: codec, normalizeFramesPerSecond: normalize,
                      listenerFramesPerSecond: seconds > 0 ? Double(stored) / seconds : 0,
                      ackP50: listener.metrics.ackLatency(percentile: 50), ackP99: listener.metrics.ackLatency(percentile: 99),
                      deviceP99: fleet.ackLatency(percentile: 99), fleet: fleet, stored: stored,
                      groups: listener.committer.groupStatistics.groups, commitBusy: listener.committer.groupStatistics.busy,
                      listenerCPUPerFrame: (processUsed - fleetUsed) / max(stored, 1), fleetCPUPerFrame: fleetUsed / max(stored, 1),
                      offeredFramesPerSecond: options.framesPerSecond)
    }

    /// CPU time of one clock: the calling thread's or the whole process's.
    static func cpuTime(_ clock: clockid_t) -> Duration {
        var now = timespec()
        clock_gettime(clock, &now)
        return .seconds(now.tv_sec) + .nanoseconds(now.tv_nsec)
    }

    /// CPU time the threads of `group` have used so far.
    static func cpuTime(of group: MultiThreadedEventLoopGroup) async throws -> Duration {
        var total = Duration.zero
        for loop in group.makeIterator() {
            total += try await loop.submit { cpuTime(CLOCK_THREAD_CPUTIME_ID) }.get()
        }
        return total
    }

    /// Frames per second for decoding alone and for decoding plus normalization, on one core.
    public static func measureCodec(frames count: Int) -> (codec: Double, normalize: Double) {
        let emulator = DeviceEmulator(configuration: .init(deviceCount: 64, seed: 7))
        let base = HJ212.Timestamp(year: 2026, month: 6, day: 1)!
        var stream = [UInt8]()
        var frameCount = 0
        for k in 0..<240 {
            for device in 0..<emulator.devices.count {
                stream.append(contentsOf: emulator.frame(device: device, interval: DeviceFleet.interval(ofFrame: k),
                                                         at: base.adding(seconds: k)).bytes)
                frameCount += 1
            }
        }
        let passes = max(1, count / frameCount)
        let decoder = HJ212.FrameDecoder()

        func time(_ body: (HJ212.Frame) -> Int) -> Double {
            var checksum = 0
            let start = ContinuousClock.now
            stream.withUnsafeBytes { all in
                for _ in 0..<passes {
                    var offset = 0
                    while offset < all.count {
                        switch decoder.decode(UnsafeRawBufferPointer(rebasing: all[offset...])) {
                        case .frame(let frame, let consumed):
                            checksum &+= body(frame)
                            offset += consumed
                        case .rejected(_, let consumed): offset += max(consumed, 1)
                        case .needMoreData: offset = all.count
                        }
                    }
                }
            }
            let elapsed = start.duration(to: .now)
            precondition(checksum != 0)
            return Double(passes * frameCount) / (Double(elapsed.nanoseconds) / 1e9)
        }
        let codec = time { $0.measurements.count }
        let normalize = time { FrameRecords.normalize([$0], station: nil).measurements.count }
        return (codec, normalize)
    }
}
