import Foundation
public import HuiliuCore

/// A W3C Trace Context position (`traceparent`): the trace a piece of work belongs to and the
/// span that is doing it. Huiliu derives a run's trace from the run id (or continues one it was
/// given), gives each batch a span of its own, stamps events with it (CloudEvents distributed
/// tracing, `trace: true`), and sends it on with every webhook request, so a platform that
/// receives events can find the run, and the batch, that delivered them.
public struct TraceContext: Sendable, Equatable, CustomStringConvertible {
    /// 32 lower-case hex digits, not all zero.
    public var traceID: String
    /// 16 lower-case hex digits, not all zero.
    public var spanID: String
    /// Whether the caller records this trace (the `sampled` flag).
    public var sampled: Bool

    /// The context where work runs now: set by the runner around a batch's delivery, read by
    /// sinks that send requests.
    @TaskLocal public static var current: TraceContext?

    /// A context with these parts; `nil` unless they are what W3C Trace Context allows.
    public init?(traceID: String, spanID: String, sampled: Bool = true) {
        guard Self.isHex(traceID, count: 32), Self.isHex(spanID, count: 16) else { return nil }
        self.traceID = traceID
        self.spanID = spanID
        self.sampled = sampled
    }

    /// The context a `traceparent` header holds (`00-<trace id>-<span id>-<flags>`); `nil` for
    /// one that W3C Trace Context says to ignore. Versions after `00` are read for the parts
    /// `00` defines, as the standard asks.
    public init?(traceparent: String) {
        let parts = traceparent.trimmingCharacters(in: CharacterSet(charactersIn: " \t")).split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 4, Self.isHex(parts[0], count: 2), parts[0] != "ff", parts[0] != "00" || parts.count == 4,
              Self.isHex(parts[3], count: 2), let flags = UInt8(parts[3], radix: 16) else { return nil }
        self.init(traceID: parts[1], spanID: parts[2], sampled: flags & 1 == 1)
    }

    /// The `traceparent` text.
    public var traceparent: String { "00-\(traceID)-\(spanID)-\(sampled ? "01" : "00")" }

    public var description: String { traceparent }

    /// The trace of a run that nobody else started: derived from the run id, so anyone who
    /// has the run id (`huiliu runs`) can find its trace, and the other way round. Not flagged
    /// sampled: Huiliu records no spans, so a receiver that samples by its parent should not
    /// record one for it (a trace it continues keeps the caller's flag).
    public static func run(_ runID: String) -> TraceContext {
        derived(Array("huiliu run \(runID)".utf8), sampled: false)
    }

    /// The trace of run `runID`: the one the caller is in (``current``, a TRACEPARENT it was
    /// started with), continued, or else one of its own (``run(_:)``).
    public static func of(run runID: String) -> TraceContext {
        current.map { $0.child("run \(runID)") } ?? run(runID)
    }

    /// The span of a run's batch `number` (counting from 1): the same wherever it is asked for,
    /// when the batch's events are stamped and when they are delivered.
    public func batch(_ number: Int) -> TraceContext {
        child("batch \(number)")
    }

    /// A span within this one (same trace), named by `label`: the same label gives the same
    /// span, so a batch retried within its run keeps it.
    public func child(_ label: String) -> TraceContext {
        var child = Self.derived(Array("\(traceID)-\(spanID)-\(label)".utf8), sampled: sampled)
        child.traceID = traceID
        return child
    }

    private static func derived(_ seed: [UInt8], sampled: Bool) -> TraceContext {
        var digest = Digest.sha256.hash(seed)
        // All-zero ids are invalid; a digest that starts with 16 (or 8) zero bytes is only theoretical.
        if digest[0..<16].allSatisfy({ $0 == 0 }) { digest[0] = 1 }
        if digest[16..<24].allSatisfy({ $0 == 0 }) { digest[16] = 1 }
        let hex = Digest.hexString(digest)
        return TraceContext(traceID: String(hex.prefix(32)), spanID: String(hex.dropFirst(32).prefix(16)), sampled: sampled)!
    }

    private static func isHex(_ text: String, count: Int) -> Bool {
        text.utf8.count == count && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
            && text.utf8.contains { $0 != 0x30 } || (count == 2 && text == "00")
    }
}

