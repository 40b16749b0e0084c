/// JSON equality: numbers compare by value (`1`, `1.0` and `1.00` are equal) and object
/// members compare regardless of order, as RFC 8259 readers and JMESPath expect.
extension Value: Equatable {
    public static func == (lhs: Value, rhs: Value) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        case (.integer(let a), .integer(let b)): return a == b
        default:
            guard lhs.isNumber, rhs.isNumber else { return false }
            return Value.compareNumbers(lhs, rhs) == 0
        }
    }

    /// Compares two numeric values: -1, 0 or 1. Exact unless a double is involved.
    public static func compareNumbers(_ lhs: Value, _ rhs: Value) -> Int {
        switch (lhs, rhs) {
        case (.integer(let a), .integer(let b)): return a < b ? -1 : (a > b ? 1 : 0)
        case (.integer(let a), .decimal(let b)):
            return DecimalNumber.compare(DecimalNumber(significand: a, exponent: 0), b)
        case (.decimal(let a), .integer(let b)):
            return DecimalNumber.compare(a, DecimalNumber(significand: b, exponent: 0))
        case (.decimal(let a), .decimal(let b)): return DecimalNumber.compare(a, b)
        default:
            let a = lhs.doubleValue ?? .nan, b = rhs.doubleValue ?? .nan
            return a < b ? -1 : (a > b ? 1 : 0)
        }
    }
}

extension Value: Hashable {
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let b): hasher.combine(b)
        case .integer, .decimal, .double:
            // Equal numbers of different kinds must hash alike.
            hasher.combine(doubleValue ?? 0)
        case .string(let s): hasher.combine(s)
        case .array(let a): hasher.combine(a)
        case .object(let o):
            // Order-independent, to agree with ==.
            var sum = 0
            for (key, value) in o {
                var member = Hasher()
                member.combine(key)
                member.combine(value)
                sum = sum &+ member.finalize()
            }
            hasher.combine(o.count)
            hasher.combine(sum)
        }
    }
}

extension Object: Equatable {
    /// Same keys with equal values, in any order.
    public static func == (a: Object, b: Object) -> Bool {
        guard a.count == b.count else { return false }
        for (key, value) in a {
            guard let other = b[key], other == value else { return false }
        }
        return true
    }
}
