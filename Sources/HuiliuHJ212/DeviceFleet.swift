import Foundation
public import HuiliuEnvironment
public import NIOCore
public import NIOPosix

/// `huiliu hj212 emulate`: a fleet of emulated monitoring devices, one TCP connection each,
/// sending real-time, minute and hour frames from ``DeviceEmulator`` at a set total rate and
/// waiting for their acknowledgements.
///
/// ```swift
/// var options = DeviceFleet.Options(host: "127.0.0.1", port: 9212)
/// options.devices = 100
/// options.framesPerSecond = 1000
/// let report = try await DeviceFleet(options: options).run()
/// print(report)
/// ```
public struct DeviceFleet: Sendable {
    /// What to send, where, and how fast.
    public struct Options: Sendable {
        /// The listener's host.
        public var host: String
        /// The listener's port.
        public var port: Int
        /// Devices, one connection each. The default is 12, the fleet `config/hj212/stations.yaml` registers.
        public var devices = 12
        /// Frames per second across the fleet; 0 sends each device's next frame as soon as the
        /// last is acknowledged. The default is 100.
        public var framesPerSecond: Double = 100
        /// How long to send. The default is 10 seconds.
        public var duration: Duration = .seconds(10)
        /// Share of frames broken on purpose. The default is 0.
        public var corruptionRate = 0.0
        /// Editions, dealt to devices in turn. The default is all three.
        public var editions: [HJ212.Edition] = HJ212.Edition.allCases
        /// Seed for values, faults and device ids. The default is 1.
        public var seed: UInt64 = 1
        /// The password devices send. The default is `123456`.
        public var password = "123456"
        /// Every 2017/2025 device asks for acknowledgements (otherwise every other one). The default is false.
        public var allRequestAnswers = false
        /// How long a device waits for an acknowledgement before moving on. The default is 5 seconds.
        public var ackTimeout: Duration = .seconds(5)
        /// Write `MN QN` of every acknowledged frame here, one per line (for crash tests). The default is none.
        public var acknowledgedLog: String?
        /// The `DataTime` of the first frames; each device's clock then advances one second per
        /// frame, so every frame of a device has its own `QN`. The default is the current time.
        public var startTime: HJ212.Timestamp?
        /// Each device first uploads its hour data for this many hours before the start, back to
        /// back, as a data logger catches up after an outage (补发), however long that takes;
        /// the duration bounds the live data after it. The default is none.
        public var catchUpHours = 0

        /// Options aimed at `host:port`.
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    /// The schedule the device drivers share.
    struct Plan: Sendable {
        var baseTime: HJ212.Timestamp
        var sendInterval: TimeAmount
        var stopAt: NIODeadline
        var ackTimeout: TimeAmount
        var recordsAcknowledged: Bool
        var catchUpHours = 0

        /// What a device sends as its `k`-th frame: first the catch-up hours, oldest first, then
        /// live data one second of device time apart.
        func frame(_ k: Int) -> (interval: DataInterval, time: HJ212.Timestamp) {
            guard k >= catchUpHours else { return (.hour, baseTime.adding(seconds: -3600 * (catchUpHours - k))) }
            let live = k - catchUpHours
            return (DeviceFleet.interval(ofFrame: live), baseTime.adding(seconds: live))
        }
    }

    /// The options.
    public let options: Options
    /// The fleet's devices.
    public let emulator: DeviceEmulator

    /// A fleet; device ids follow from the seed, editions and device count.
    public init(options: Options) {
        self.options = options
        var configuration = DeviceEmulator.Configuration(
            deviceCount: options.devices, seed: options.seed, corruptionRate: options.corruptionRate,
            editions: options.editions, password: options.password)
        configuration.allRequestAnswers = options.allRequestAnswers
        emulator = DeviceEmulator(configuration: configuration)
    }

    /// The device clock at `date`: China Standard Time, whole seconds.
    static func startTime(at date: Date) -> HJ212.Timestamp {
        HJ212.Timestamp(secondsSince1970: Int(date.timeIntervalSince1970))
    }

    /// The interval of a device's `k`-th frame: mostly real-time, every 10th a minute
    /// (10-minute) frame, every 60th an hour frame.
    static func interval(ofFrame k: Int) -> DataInterval {
        if k % 60 == 59 { return .hour }
        if k % 10 == 9 { return .minute }
        return .realtime
    }

    /// Connects every device, sends for the duration, waits for outstanding acknowledgements
    /// and reports.
    public func run(eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> FleetReport {
        let perDevice = options.framesPerSecond > 0 ? Double(options.devices) / options.framesPerSecond : 0
        let base = options.startTime ?? Self.startTime(at: Date())
        let began = ContinuousClock.now
        let plan = Plan(baseTime: base, sendInterval: .nanoseconds(Int64(perDevice * 1e9)),
                        stopAt: .now() + .nanoseconds(options.duration.nanoseconds),
                        ackTimeout: .nanoseconds(options.ackTimeout.nanoseconds),
                        recordsAcknowledged: options.acknowledgedLog != nil, catchUpHours: max(0, options.catchUpHours))
        let emulator = self.emulator
        let host = options.host, port = options.port
        var report = FleetReport(devices: options.devices)
        try await withThrowingTaskGroup(of: DeviceDriver.Tally?.self) { group in
            for device in 0..<options.devices {
                group.addTask {
                    let loop = eventLoopGroup.next()
                    let done = loop.makePromise(of: DeviceDriver.Tally.self)
                    do {
                        _ = try await ClientBootstrap(group: loop)
                            .channelOption(.socketOption(.tcp_nodelay), value: 1)
                            .connectTimeout(.seconds(10))
                            .channelInitializer { channel in
                                channel.eventLoop.makeCompletedFuture {
                                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HJ212FrameCodec()))
                                    try channel.pipeline.syncOperations.addHandler(
                                        DeviceDriver(emulator: emulator, device: device, plan: plan, done: done))
                                }
                            }
                            .connect(host: host, port: port).get()
                    } catch {
                        done.fail(error)
                        return nil
                    }
                    return try? await done.futureResult.get()
                }
            }
            for try await tally in group {
                if let tally { report.add(tally) } else { report.failedConnections += 1 }
            }
        }
        report.elapsed = began.duration(to: .now)
        if let path = options.acknowledgedLog {
            let text = report.acknowledgedFrames.map { $0 + "\n" }.joined()
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return report
    }
}

/// What a fleet run did.
public struct FleetReport: Sendable, CustomStringConvertible {
    /// Devices asked for.
    public var devices: Int
    /// Devices that could not connect.
    public var failedConnections = 0
    /// Frames written.
    public var sent = 0
    /// Frames that asked for an acknowledgement (not counting broken ones).
    public var expectingAnswer = 0
    /// Acknowledgements received.
    public var acknowledged = 0
    /// Frames whose acknowledgement did not come in time.
    public var timedOut = 0
    /// Frames broken on purpose (the listener rejects them).
    public var corrupted = 0
    /// Devices whose connection the listener closed before they were done: an MN the station
    /// registry does not know, or a wrong password, is refused that way.
    public var closedByListener = 0
    /// From the first connection to the last device finishing.
    public var elapsed: Duration = .zero
    /// `MN QN` of every acknowledged frame, when an acknowledged log was asked for.
    public var acknowledgedFrames: [String] = []
    var latencies = LatencyHistogram()

    init(devices: Int) {
        self.devices = devices
    }

    mutating func add(_ tally: DeviceDriver.Tally) {
        sent += tally.sent
        expectingAnswer += tally.expectingAnswer
        acknowledged += tally.acknowledged
        timedOut += tally.timedOut
        corrupted += tally.corrupted
        if tally.closedByListener { closedByListener += 1 }
        latencies.merge(tally.latencies)
        acknowledgedFrames.append(contentsOf: tally.acknowledgedFrames)
    }

    /// Frames sent per second of elapsed time.
    public var framesPerSecond: Double {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds > 0 ? Double(sent) / seconds : 0
    }

    /// A percentile (0–100) of send-to-acknowledgement time as the device saw it.
    public func ackLatency(percentile: Double) -> Duration {
        .nanoseconds(latencies.percentile(percentile))
    }

    public var description: String {
        """
        devices: \(devices) (\(failedConnections) failed to connect\(closedByListener > 0 ? ", \(closedByListener) closed by the listener: MN not in its station registry, a wrong password, or the listener stopping?" : ""))
        frames sent: \(sent) (\(corrupted) corrupted on purpose, which the listener rejects)
        acknowledged: \(acknowledged) of \(expectingAnswer) that asked (\(timedOut) timed out)
        rate: \(String(format: "%.0f", framesPerSecond)) frames/s over \(String(format: "%.2f", Double(elapsed.nanoseconds) / 1e9)) s
        ack latency: p50 \(Self.milliseconds(ackLatency(percentile: 50))) ms, p99 \(Self.milliseconds(ackLatency(percentile: 99))) ms
        """
    }

    static func milliseconds(_ duration: Duration) -> String {
        String(format: "%.2f", Double(duration.nanoseconds) / 1e6)
    }
}
