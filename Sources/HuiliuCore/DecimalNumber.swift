/// An exact decimal number, `significand × 10^exponent`, as read from JSON or CSV text.
///
/// Money and measurements arrive as decimal text (`1234.50`); keeping them as a scaled
/// integer means `to_fen` and comparisons never see binary rounding. Trailing zeros are
/// kept, so `1234.50` is written back as `1234.50`.
public struct DecimalNumber: Sendable, Hashable, CustomStringConvertible {
    /// The digits as an integer.
    public var significand: Int
    /// The power of ten the digits are scaled by.
    public var exponent: Int

    /// A decimal `significand × 10^exponent`.
    public init(significand: Int, exponent: Int) {
        self.significand = significand
        self.exponent = exponent
    }

    /// Parses plain decimal text: optional sign, digits, optional fraction, optional exponent.
    /// Returns `nil` for anything else, or when the digits do not fit in 64 bits.
    public init?(_ text: some StringProtocol) {
        // Read in place where the text is contiguous: `to_number` and `to_fen` call this per record.
        let parsed = text.utf8.withContiguousStorageIfAvailable { DecimalNumber.parse(UnsafeRawBufferPointer($0)) }
            ?? Array(text.utf8).withUnsafeBytes { DecimalNumber.parse($0) }
        guard let parsed else { return nil }
        self = parsed
    }

    /// Parses a JSON-grammar number from bytes; `nil` if malformed or out of range.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> DecimalNumber? {
        var i = 0
        let n = bytes.count
        var negative = false
        if i < n, bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        else if i < n, bytes[i] == UInt8(ascii: "+") { i += 1 }
        var significand = 0
        var exponent = 0
        var digits = 0
        var overflow = false
        while i < n, bytes[i] &- 48 < 10 {
            let (m, o1) = significand.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int(bytes[i] &- 48))
            overflow = overflow || o1 || o2
            significand = a
            digits += 1
            i += 1
        }
        if i < n, bytes[i] == UInt8(ascii: ".") {
            i += 1
            while i < n, bytes[i] &- 48 < 10 {
                let (m, o1) = significand.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int(bytes[i] &- 48))
                overflow = overflow || o1 || o2
                significand = a
                exponent -= 1
                digits += 1
                i += 1
            }
        }
        guard digits > 0, !overflow else { return nil }
        if i < n, bytes[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            var expNegative = false
            if i < n, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
                expNegative = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            var e = 0
            var expDigits = 0
            while i < n, bytes[i] &- 48 < 10 {
                e = e * 10 + Int(bytes[i] &- 48)
                guard e < 100_000 else { return nil }
                expDigits += 1
                i += 1
            }
            guard expDigits > 0 else { return nil }
            exponent += expNegative ? -e : e
        }
        guard i == n else { return nil }
        return DecimalNumber(significand: negative ? -significand : significand, exponent: exponent)
    }

    /// The same number with no trailing zeros in its digits (`1.50` is 15e-1, `100` is 1e2, zero
    /// is 0e0): one form per value, for keys.
    public var normalized: DecimalNumber {
        guard significand != 0 else { return DecimalNumber(significand: 0, exponent: 0) }
        var result = self
        // At most 19 steps: the significand has no more digits.
        while result.significand % 10 == 0 {
            result.significand /= 10
            result.exponent += 1
        }
        return result
    }

    /// The same number without zeros after its last significant decimal (`1.50` is `1.5`,
    /// `100` stays `100`).
    public var trimmingFractionZeros: DecimalNumber {
        var result = self
        while result.exponent < 0 && result.significand != 0 && result.significand % 10 == 0 {
            result.significand /= 10
            result.exponent += 1
        }
        return result
    }

    /// The value as a binary float (may round).
    public var doubleValue: Double {
        // Parsing the canonical text gives the correctly rounded double, which
        // `Double(significand) * pow(10, exponent)` does not.
        Double(description) ?? .nan
    }

    /// The value as an integer when it is integral and fits.
    public var exactInt: Int? {
        if exponent >= 0 {
            var result = significand
            for _ in 0..<exponent {
                let (m, o) = result.multipliedReportingOverflow(by: 10)
                if o { return nil }
                result = m
            }
            return result
        }
        var result = significand
        for _ in 0..<(-exponent) {
            guard result % 10 == 0 else { return nil }
            result /= 10
        }
        return result
    }

    /// The value rescaled to `scale` fractional digits, if that loses nothing
    /// (`12.3` at scale 2 is 1230; `12.345` at scale 2 is `nil`).
    public func scaled(toFractionDigits scale: Int) -> Int? {
        let shift = exponent + scale
        var result = significand
        if shift >= 0 {
            for _ in 0..<shift {
                let (m, o) = result.multipliedReportingOverflow(by: 10)
                if o { return nil }
                result = m
            }
        } else {
            for _ in 0..<(-shift) {
                guard result % 10 == 0 else { return nil }
                result /= 10
            }
        }
        return result
    }

    /// Decimal text: plain notation for ordinary exponents, `1e30` style otherwise.
    public var description: String {
        let negative = significand < 0
        let digits = String(significand.magnitude)
        let sign = negative ? "-" : ""
        if exponent >= 0 {
            if exponent == 0 { return sign + digits }
            return sign + digits + "e" + String(exponent)
        }
        let fraction = -exponent
        if fraction > 40 { return sign + digits + "e" + String(exponent) }
        if digits.count > fraction {
            let split = digits.index(digits.endIndex, offsetBy: -fraction)
            return sign + digits[..<split] + "." + digits[split...]
        }
        return sign + "0." + String(repeating: "0", count: fraction - digits.count) + digits
    }

    /// Exact numeric comparison: -1, 0 or 1.
    ///
    /// Never through Double, which would take 922337203685477581 for 922337203685477580.7, or
    /// 1e400 for 1e500: by sign, then by the place of the leading digit, then by the digits
    /// aligned (at most 18 places apart once the leading digits line up, so 128 bits hold them).
    public static func compare(_ a: DecimalNumber, _ b: DecimalNumber) -> Int {
        if a.exponent == b.exponent { return a.significand < b.significand ? -1 : (a.significand > b.significand ? 1 : 0) }
        let sa = a.significand.signum(), sb = b.significand.signum()
        if sa != sb { return sa < sb ? -1 : 1 }
        if sa == 0 { return 0 }
        let ma = a.significand.magnitude, mb = b.significand.magnitude
        func digits(_ m: UInt) -> Int { var n = 0, m = m; while m > 0 { n += 1; m /= 10 }; return n }
        let la = digits(ma) + a.exponent, lb = digits(mb) + b.exponent
        let order: Int
        if la != lb {
            order = la < lb ? -1 : 1
        } else {
            var x = UInt128(ma), y = UInt128(mb)
            if a.exponent > b.exponent { for _ in 0..<(a.exponent - b.exponent) { x *= 10 } }
            if b.exponent > a.exponent { for _ in 0..<(b.exponent - a.exponent) { y *= 10 } }
            order = x < y ? -1 : (x > y ? 1 : 0)
        }
        return sa < 0 ? -order : order
    }
}
