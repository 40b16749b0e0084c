public import HuiliuCore
import HuiliuExpression
public import HuiliuKit
import Synchronization

/// Drops records whose key a record earlier in the same run already had.
///
/// ```yaml
/// - dedupe                        # exact repeats of a whole record
/// - dedupe: payment_id            # the first record with each payment_id
/// - dedupe: { key: "[mn, data_time]", window: 200000 }
/// ```
public struct DedupeStep: StepConnector {
    static let key = Field<String>("key", .expression, """
        JMESPath expression over the record whose value identifies it; records with a value an earlier record of \
        the run had are dropped. The default, `@`, is the whole record: only exact repeats go.
        """, default: "@", example: "payment_id")
    static let window = Field<Int>("window", .integer, """
        How many distinct keys are remembered; when more arrive, the oldest are forgotten, and a repeat of a \
        forgotten key passes. About 40 to 75 bytes each.
        """, default: 1_000_000, range: 1...100_000_000)

    public static let spec = ComponentSpec(
        name: "dedupe", kind: .step, summary: "Drops repeats of a record (or of its key) within a run; the first one passes.",
        details: """
            For upstreams that send a record twice in one sync: offset paging over data that shifts, files that \
            overlap. Keys are compared by their canonical JSON (object members sorted, numbers by value: `1` and \
            `1.0` are one key), remembered as 128-bit \
            SHA-256 prefixes. Batches reach this step in source order even when the pipeline transforms several \
            at once, so the first occurrence is always the one kept. Dropped records are not failures: they \
            count as read and not written. A record whose key is null, or a list or object with a null part \
            (`[mn, data_time]` on a record without `mn`), is never a repeat; one whose key cannot be evaluated \
            is dead-lettered with the reason. Memory lasts one run, and dead-letter replay skips the step (a \
            letter is not a repeat of another letter). Across runs, events whose mapped key is the same get the \
            same id, so upserting sinks (sqlite, postgres) keep one event per key.
            """,
        fields: [key.spec, window.spec], shorthandField: "key")

    let expression: HuiliuExpression.Expression
    let seen: SeenKeys

    public init(config: ParsedConfig, context: ConnectorContext) throws {
        expression = try config.expression(Self.key, context: context, what: "key expression")
        seen = SeenKeys(capacity: try config[Self.window])
    }

    /// Remembered keys are shared by every batch of the run: which record of two comes first
    /// must not depend on which batch a worker finished first.
    public var processesInOrder: Bool { true }

    public func process(_ records: consuming [Record]) async throws -> StepOutput {
        let failures = records.keep(rule: "dedupe", { (record) throws(ExpressionError) in
            let key = try expression.evaluate(record.data)
            return SeenKeys.lacksPart(key) || seen.insert(SeenKeys.Key(of: key))
        }, reason: { "dedupe key '\(expression.text)': \($0.message)" })
        return StepOutput(records: records, failures: failures)
    }
}

/// The keys a run has seen, the oldest forgotten first once `capacity` are held.
final class SeenKeys: Sendable {
    /// The first 128 bits of the SHA-256 of a key's canonical JSON: wide enough that two
    /// different keys colliding (which would drop a record) is out of the question.
    struct Key: Hashable, Sendable {
        var high: UInt64
        var low: UInt64

        init(of value: Value) {
            var writer = JSONWriter()
            Self.writeCanonical(value, into: &writer)
            let digest = writer.withBytes { Digest.sha256.hash($0) }
            high = digest[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
            low = digest[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
        }

        /// Compact JSON with object members in key order, so member order does not matter.
        static func writeCanonical(_ value: Value, into writer: inout JSONWriter) {
            switch value {
            case .object(let object):
                writer.append(UInt8(ascii: "{"))
                for (k, member) in object.sorted(by: { $0.key < $1.key }).enumerated() {
                    if k > 0 { writer.append(UInt8(ascii: ",")) }
                    writer.write(string: member.key)
                    writer.append(UInt8(ascii: ":"))
                    writeCanonical(member.value, into: &writer)
                }
                writer.append(UInt8(ascii: "}"))
            case .array(let items):
                writer.append(UInt8(ascii: "["))
                for (k, item) in items.enumerated() {
                    if k > 0 { writer.append(UInt8(ascii: ",")) }
                    writeCanonical(item, into: &writer)
                }
                writer.append(UInt8(ascii: "]"))
            case .integer(let n):
                writeNumber(DecimalNumber(significand: n, exponent: 0), into: &writer)
            case .decimal(let d):
                writeNumber(d, into: &writer)
            case .double(let d) where d.isFinite:
                if let decimal = DecimalNumber(d.description) { writeNumber(decimal, into: &writer) } else { writer.write(value) }
            case .double(let d) where !d.isFinite:
                // JSON writes these as null; a word followed by a NUL byte, which no JSON text
                // contains, keeps them apart from it and from the string of that word.
                writer.write(string: d.isNaN ? "NaN" : d < 0 ? "-Infinity" : "Infinity")
                writer.append(0)
            default:
                writer.write(value)
            }
        }
    }

    /// Whether `key` is null or holds a null in a list or object (at any depth): such a key
    /// identifies nothing, and treating it as one would make records that lack the fields it
    /// names repeats of each other.
    static func lacksPart(_ key: Value) -> Bool {
        switch key {
        case .null: return true
        case .array(let items): return items.contains(where: lacksPart)
        case .object(let object): return object.contains { lacksPart($0.value) }
        default: return false
        }
    }

    /// A number as `<digits>e<exponent>` with no trailing zeros in the digits, so `1`, `1.0`,
    /// `1.00` and `10e-1` are one key; unquoted, so no string is written the same.
    static func writeNumber(_ number: DecimalNumber, into writer: inout JSONWriter) {
        let normalized = number.normalized
        for byte in "\(normalized.significand)e\(normalized.exponent)".utf8 { writer.append(byte) }
    }

    private struct State {
        var members = Set<Key>()
        /// Keys in arrival order, a ring once full: `next` is the oldest.
        var order: [Key] = []
        var next = 0
    }

    private let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Remembers `key`; false if it was already remembered.
    func insert(_ key: Key) -> Bool {
        state.withLock { state in
            guard state.members.insert(key).inserted else { return false }
            if state.order.count < capacity {
                state.order.append(key)
            } else {
                state.members.remove(state.order[state.next])
                state.order[state.next] = key
                state.next = (state.next + 1) % capacity
            }
            return true
        }
    }
}
