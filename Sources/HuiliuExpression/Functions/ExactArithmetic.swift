import HuiliuCore

/// Arithmetic on JSON numbers that stays exact while the inputs are integers or
/// decimals and falls back to `Double` only on overflow or when a double is involved.
///
/// `sum` of money amounts read as `12.30` must give `24.60`, not `24.599999999999998`.
enum ExactArithmetic {
    /// A running total.
    struct Sum {
        private enum State {
            case integer(Int)
            case decimal(DecimalNumber)
            case double(Double)
        }
        private var state = State.integer(0)

        mutating func add(_ value: Value) {
            switch (state, value) {
            case (.integer(let a), .integer(let b)):
                let (s, overflow) = a.addingReportingOverflow(b)
                state = overflow ? .double(Double(a) + Double(b)) : .integer(s)
            case (.integer(let a), .decimal(let b)):
                state = Sum.add(DecimalNumber(significand: a, exponent: 0), b)
            case (.decimal(let a), .integer(let b)):
                state = Sum.add(a, DecimalNumber(significand: b, exponent: 0))
            case (.decimal(let a), .decimal(let b)):
                state = Sum.add(a, b)
            default:
                state = .double(total.doubleValue! + (value.doubleValue ?? .nan))
            }
        }

        private static func add(_ a: DecimalNumber, _ b: DecimalNumber) -> State {
            if let sum = a.adding(b) { return .decimal(sum) }
            return .double(a.doubleValue + b.doubleValue)
        }

        var total: Value {
            switch state {
            case .integer(let i): .integer(i)
            case .decimal(let d): .decimal(d)
            case .double(let d): .double(d)
            }
        }
    }

    /// `total / count`, exact when the quotient has a terminating decimal expansion
    /// that fits.
    static func divide(_ total: Value, by count: Int) -> Value {
        let decimal: DecimalNumber
        switch total {
        case .integer(let i):
            if i % count == 0 { return .integer(i / count) }
            decimal = DecimalNumber(significand: i, exponent: 0)
        case .decimal(let d):
            decimal = d
        default:
            return .double((total.doubleValue ?? .nan) / Double(count))
        }
        var significand = decimal.significand
        var exponent = decimal.exponent
        for _ in 0..<19 {
            if significand % count == 0 {
                return .decimal(DecimalNumber(significand: significand / count, exponent: exponent))
            }
            let (scaled, overflow) = significand.multipliedReportingOverflow(by: 10)
            if overflow { break }
            significand = scaled
            exponent -= 1
        }
        return .double(decimal.doubleValue / Double(count))
    }

    static func abs(_ value: Value) -> Value {
        switch value {
        case .integer(let i):
            return i == .min ? .double(-Double(i)) : .integer(Swift.abs(i))
        case .decimal(let d):
            if d.significand == .min { return .double(-d.doubleValue) }
            return .decimal(DecimalNumber(significand: Swift.abs(d.significand), exponent: d.exponent))
        case .double(let d):
            return .double(Swift.abs(d))
        default:
            return value
        }
    }

    /// Rounds toward +∞ (`up`) or −∞, giving an integer when it fits.
    static func round(_ value: Value, up: Bool) -> Value {
        switch value {
        case .integer:
            return value
        case .decimal(let d):
            if d.exponent >= 0 { return d.exactInt.map(Value.integer) ?? .double(d.doubleValue) }
            var divisor = 1
            for _ in 0..<(-d.exponent) {
                let (m, overflow) = divisor.multipliedReportingOverflow(by: 10)
                if overflow { return d.significand == 0 ? .integer(0) : .integer(up ? (d.significand > 0 ? 1 : 0) : (d.significand > 0 ? 0 : -1)) }
                divisor = m
            }
            var quotient = d.significand / divisor
            let remainder = d.significand % divisor
            if remainder > 0 && up { quotient += 1 }
            if remainder < 0 && !up { quotient -= 1 }
            return .integer(quotient)
        case .double(let d):
            let r = d.rounded(up ? .up : .down)
            if let i = Int(exactly: r) { return .integer(i) }
            return .double(r)
        default:
            return value
        }
    }

    /// Parses a number from text the way `to_number` does: JSON number syntax with
    /// optional surrounding spaces; exact where the digits fit.
    static func parseNumber(_ text: String) -> Value? {
        // Trimmed as a substring: nothing is copied unless the digits need a double.
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        let utf8 = text.utf8
        guard let first = utf8.firstIndex(where: { !isSpace($0) }) else { return nil }
        let trimmed = text[first...utf8.lastIndex(where: { !isSpace($0) })!]
        guard trimmed.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E || $0 | 0x20 == 0x65 })
        else { return nil }
        if let d = DecimalNumber(trimmed) {
            return d.exponent == 0 ? .integer(d.significand) : .decimal(d)
        }
        if let d = Double(trimmed), d.isFinite { return .double(d) }
        return nil
    }
}

extension ExactArithmetic {
    /// `a − b`, exact for integers and decimals (a double only on overflow or when one is given).
    static func difference(_ a: Value, _ b: Value) -> Value {
        var sum = Sum()
        sum.add(a)
        switch b {
        case .integer(let i) where i != .min: sum.add(.integer(-i))
        case .decimal(let d) where d.significand != .min: sum.add(.decimal(DecimalNumber(significand: -d.significand, exponent: d.exponent)))
        default: sum.add(.double(-(b.doubleValue ?? .nan)))
        }
        return sum.total
    }

    /// `part ÷ whole` as a percentage in hundredths, rounded half away from zero, computed
    /// exactly for integers and decimals; `nil` when `whole` is zero.
    static func percent(_ part: Value, of whole: Value) -> Value? {
        func exact(_ value: Value) -> (significand: Int128, exponent: Int)? {
            switch value {
            case .integer(let i): (Int128(i), 0)
            case .decimal(let d) where (-18...18).contains(d.exponent): (Int128(d.significand), d.exponent)
            default: nil
            }
        }
        guard let p = exact(part), let w = exact(whole) else {
            guard let p = part.doubleValue, let w = whole.doubleValue, w != 0 else { return nil }
            return .double((p / w * 10_000).rounded(.toNearestOrAwayFromZero) / 100)
        }
        guard w.significand != 0 else { return nil }
        // 10,000 × part ÷ whole in hundredths, both brought to one exponent first.
        var numerator = p.significand * 10_000
        var denominator = w.significand
        let shift = p.exponent - w.exponent
        for _ in 0..<Swift.abs(shift) {
            let (scaled, overflow) = (shift > 0 ? numerator : denominator).multipliedReportingOverflow(by: 10)
            if overflow {
                guard let p = part.doubleValue, let w = whole.doubleValue else { return nil }
                return .double((p / w * 10_000).rounded(.toNearestOrAwayFromZero) / 100)
            }
            if shift > 0 { numerator = scaled } else { denominator = scaled }
        }
        if denominator < 0 { (numerator, denominator) = (-numerator, -denominator) }
        // Half away from zero: a remainder of at least half the divisor rounds the quotient outwards.
        var hundredths = numerator / denominator
        if (numerator % denominator).magnitude * 2 >= denominator.magnitude { hundredths += numerator >= 0 ? 1 : -1 }
        guard let fitted = Int(exactly: hundredths) else { return .double(Double(hundredths) / 100) }
        return .decimal(DecimalNumber(significand: fitted, exponent: -2))
    }
}

extension DecimalNumber {
    /// The exact sum, or `nil` if it does not fit in 64-bit digits.
    func adding(_ other: DecimalNumber) -> DecimalNumber? {
        let e = Swift.min(exponent, other.exponent)
        guard let a = scaled(toFractionDigits: -e), let b = other.scaled(toFractionDigits: -e) else { return nil }
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : DecimalNumber(significand: sum, exponent: e)
    }
}
