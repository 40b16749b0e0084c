import HuiliuCore
import HuiliuRegex

/// JSON Schema equality for `const`, `enum` and `uniqueItems`.
///
/// Like `Value ==` (numbers by value, `1 == 1.0`, objects regardless of member order) except
/// that strings compare by code points: Swift's `==` treats `"é"` and `"e\u{301}"` as equal
/// (canonical equivalence), JSON Schema does not.
enum SchemaEquality {
    static func equal(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)):
            return sameCodePoints(x, y)
        case (.array(let x), .array(let y)):
            guard x.count == y.count else { return false }
            for k in x.indices where !equal(x[k], y[k]) { return false }
            return true
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for (key, value) in x {
                guard let other = member(y, key), equal(value, other) else { return false }
            }
            return true
        default:
            return a == b
        }
    }

    /// Byte equality of the UTF-8 forms: code-point equality without normalisation.
    static func sameCodePoints(_ x: String, _ y: String) -> Bool {
        guard x.utf8.count == y.utf8.count else { return false }
        return withUTF8(x) { a in withUTF8(y) { b in a.elementsEqual(b) } }
    }

    /// The member whose key has exactly the code points of `key` (`Object` lookups use `==`).
    private static func member(_ object: Object, _ key: String) -> Value? {
        for (k, v) in object where sameCodePoints(k, key) { return v }
        return nil
    }
}

/// Values bucketed by their (coarser) hash, for fast `enum` and `uniqueItems` on many values.
struct ValueIndex: Sendable {
    private var buckets: [Value: [Int]] = [:]

    init(_ values: [Value]) {
        for (k, value) in values.enumerated() { buckets[value, default: []].append(k) }
    }

    /// The position of an item in `values` equal to `value`, if any.
    func position(of value: Value, in values: [Value]) -> Int? {
        guard let candidates = buckets[value] else { return nil }
        return candidates.first { SchemaEquality.equal(values[$0], value) }
    }
}
