import Foundation
public import Metrics
import Synchronization

/// The listener's counters, reported through swift-metrics and kept in-process for the
/// admin API, the benchmark and tests.
///
/// | metric | dimensions |
/// |---|---|
/// | `huiliu_hj212_frames_total` | `result`: stored, duplicate, packet, answered, ignored, refused, malformed, failed; `reason` for refused |
/// | `huiliu_hj212_connections_total` | — (accepted connections) |
/// | `huiliu_hj212_open_connections` | — (open connections, a meter) |
/// | `huiliu_hj212_ack_latency_seconds` | — (frame received → acknowledgement written) |
public final class ListenerMetrics: Sendable {
    /// What happened to a received frame.
    public enum Result: String, Sendable, CaseIterable {
        /// Committed to the buffer.
        case stored
        /// Already in the buffer (a retransmission); acknowledged again.
        case duplicate
        /// A packet of a split upload, kept until the rest arrives.
        case packet
        /// A notice or heartbeat, answered.
        case answered
        /// Nothing to do.
        case ignored
        /// Unknown `MN` or wrong password.
        case refused
        /// Not a valid frame.
        case malformed
        /// Valid, but the buffer could not store it.
        case failed
    }

    /// Counts kept in-process, by position in `Result.allCases` and `Refusal.allCases`: the
    /// listener counts every frame, so no string is hashed on the way.
    private struct Counts {
        var results = [Int](repeating: 0, count: Result.allCases.count)
        var refusals = [Int](repeating: 0, count: FrameAdmission.Refusal.allCases.count)
        var connections = 0
        var openConnections = 0
        var idleClosed = 0
    }

    /// One counter per result, then one per refusal reason, in `allCases` order.
    private let results: [Counter]
    private let refusals: [Counter]
    private let connectionsAccepted: Counter
    private let openConnections: Meter
    private let ackLatency: Timer
    private let counts = Mutex(Counts())
    private let latencies = Mutex<LatencyHistogram>(LatencyHistogram())

    /// Counters made by `factory` (the global metrics system by default).
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        // Refused frames are reported only with their reason.
        results = Result.allCases.map {
            Counter(label: "huiliu_hj212_frames_total", dimensions: [("result", $0.rawValue)],
                    factory: $0 == .refused ? NOOPMetricsHandler.instance : factory)
        }
        refusals = FrameAdmission.Refusal.allCases.map {
            Counter(label: "huiliu_hj212_frames_total", dimensions: [("result", "refused"), ("reason", $0.rawValue)], factory: factory)
        }
        connectionsAccepted = Counter(label: "huiliu_hj212_connections_total", factory: factory)
        openConnections = Meter(label: "huiliu_hj212_open_connections", factory: factory)
        ackLatency = Timer(label: "huiliu_hj212_ack_latency_seconds", factory: factory)
    }

    /// Counts one frame.
    public func count(_ result: Result, reason: FrameAdmission.Refusal? = nil) {
        let index = result.index
        let refusal = reason?.index
        if let refusal { refusals[refusal].increment() } else { results[index].increment() }
        counts.withLock { counts in
            counts.results[index] += 1
            if let refusal { counts.refusals[refusal] += 1 }
        }
    }

    func connectionOpened() {
        connectionsAccepted.increment()
        openConnections.increment()
        counts.withLock { $0.connections += 1; $0.openConnections += 1 }
    }

    func connectionClosed() {
        openConnections.decrement()
        counts.withLock { $0.openConnections -= 1 }
    }

    func acknowledged(after duration: Duration) {
        ackLatency.recordNanoseconds(duration.nanoseconds)
        latencies.withLock { $0.record(duration.nanoseconds) }
    }

    /// Counts so far: one entry per ``Result`` raw value, `refused.<reason>`, `connections`
    /// (accepted) and `open_connections`.
    public var snapshot: [String: Int] {
        let counts = counts.withLock { $0 }
        var snapshot: [String: Int] = [:]
        for (result, count) in zip(Result.allCases, counts.results) where count > 0 { snapshot[result.rawValue] = count }
        for (reason, count) in zip(FrameAdmission.Refusal.allCases, counts.refusals) where count > 0 {
            snapshot["refused." + reason.rawValue] = count
        }
        if counts.connections > 0 {
            snapshot["connections"] = counts.connections
            snapshot["open_connections"] = counts.openConnections
        }
        if counts.idleClosed > 0 { snapshot["idle_closed"] = counts.idleClosed }
        return snapshot
    }

    /// The given percentile (0–100) of received-to-acknowledged latency so far.
    public func ackLatency(percentile: Double) -> Duration {
        .nanoseconds(latencies.withLock { $0.percentile(percentile) })
    }

    /// Forgets recorded latencies (the benchmark resets after its warm-up).
    public func resetLatencies() {
        latencies.withLock { $0 = LatencyHistogram() }
    }
}

/// Latencies in logarithmic buckets (about 4 % wide) from 1 µs to about 100 s: constant memory
/// at any rate, percentiles within a bucket's width.
struct LatencyHistogram: Sendable {
    private var buckets = [Int](repeating: 0, count: 480)
    private(set) var total = 0

    private static let base = 1.04

    mutating func record(_ nanoseconds: Int64) {
        let micros = max(1.0, Double(nanoseconds) / 1000)
        let index = min(buckets.count - 1, Int(log(micros) / log(Self.base)))
        buckets[index] += 1
        total += 1
    }

    func percentile(_ p: Double) -> Int64 {
        guard total > 0 else { return 0 }
        let target = Int((Double(total) * p / 100).rounded(.up))
        var seen = 0
        for (index, count) in buckets.enumerated() {
            seen += count
            if seen >= max(target, 1) { return Int64(pow(Self.base, Double(index + 1)) * 1000) }
        }
        return Int64(pow(Self.base, Double(buckets.count)) * 1000)
    }
}

extension Duration {
    /// The duration in whole nanoseconds.
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}

extension ListenerMetrics {
    /// Counts a connection closed for being idle.
    func count(idleClosed: Void) {
        counts.withLock { $0.idleClosed += 1 }
    }
}

extension LatencyHistogram {
    /// Adds another histogram's counts.
    mutating func merge(_ other: LatencyHistogram) {
        for index in buckets.indices { buckets[index] += other.buckets[index] }
        total += other.total
    }
}

extension ListenerMetrics.Result {
    /// The position in `allCases`.
    var index: Int {
        switch self {
        case .stored: 0
        case .duplicate: 1
        case .packet: 2
        case .answered: 3
        case .ignored: 4
        case .refused: 5
        case .malformed: 6
        case .failed: 7
        }
    }
}

extension FrameAdmission.Refusal {
    /// The position in `allCases`.
    var index: Int {
        switch self {
        case .unknownStation: 0
        case .wrongPassword: 1
        case .missingDataTime: 2
        case .guessing: 3
        }
    }
}
