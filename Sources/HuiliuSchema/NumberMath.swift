import HuiliuCore

/// Exact number tests for `type: integer` and `multipleOf`.
///
/// `0.3` is a multiple of `0.1` here, as a person expects; with binary floats it is not.
/// Decimals stay exact as long as the scaled divisor fits in 64 bits; beyond that (a divisor
/// like `1e-30` against `1e30`) the test falls back to `Double` division.
enum NumberMath {
    /// The number as an exact decimal; doubles go through their shortest round-trip text.
    static func decimal(_ value: Value) -> DecimalNumber? {
        switch value {
        case .integer(let i): return DecimalNumber(significand: i, exponent: 0)
        case .decimal(let d): return d
        case .double(let d): return d.isFinite ? DecimalNumber(String(d)) : nil
        default: return nil
        }
    }

    /// True if the number has no fractional part (`1.0` and `1e3` are integers).
    static func isIntegral(_ value: Value) -> Bool {
        switch value {
        case .integer: return true
        case .decimal(let d):
            if d.exponent >= 0 || d.significand == 0 { return true }
            var s = d.significand
            for _ in 0..<(-d.exponent) {
                guard s % 10 == 0 else { return false }
                s /= 10
                if s == 0 { return true }
            }
            return true
        case .double(let d): return d.isFinite && d.rounded(.towardZero) == d
        default: return false
        }
    }

    /// True if `value` is an integral multiple of `divisor` (which is positive).
    static func isMultiple(_ value: Value, of divisor: DecimalNumber) -> Bool {
        if case .integer(let i) = value, divisor.exponent == 0 { return i % divisor.significand == 0 }
        guard let v = decimal(value) else { return false }
        if v.significand == 0 { return true }
        let e = min(v.exponent, divisor.exponent)
        // modulus = divisor.significand × 10^(divisor.exponent − e); must fit.
        var modulus = UInt64(divisor.significand)
        for _ in 0..<(divisor.exponent - e) {
            let (m, overflow) = modulus.multipliedReportingOverflow(by: 10)
            if overflow { return doubleFallback(v, divisor) }
            modulus = m
        }
        // (|v.significand| × 10^(v.exponent − e)) mod modulus, by square-and-multiply.
        let base = UInt64(v.significand.magnitude) % modulus
        let power = powMod(10, UInt64(v.exponent - e), modulus)
        return mulMod(base, power, modulus) == 0
    }

    private static func mulMod(_ a: UInt64, _ b: UInt64, _ m: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return m.dividingFullWidth((product.high, product.low)).remainder
    }

    private static func powMod(_ base: UInt64, _ exponent: UInt64, _ m: UInt64) -> UInt64 {
        var result: UInt64 = 1 % m
        var b = base % m
        var e = exponent
        while e > 0 {
            if e & 1 == 1 { result = mulMod(result, b, m) }
            b = mulMod(b, b, m)
            e >>= 1
        }
        return result
    }

    private static func doubleFallback(_ v: DecimalNumber, _ divisor: DecimalNumber) -> Bool {
        let quotient = v.doubleValue / divisor.doubleValue
        return quotient.isFinite && quotient.rounded(.towardZero) == quotient
    }
}
