import HuiliuCore

extension DecimalNumber {
    /// The value rounded to `digits` fractional digits by GB/T 8170-2008 §3.3: a dropped part
    /// of exactly one half rounds to the even neighbour (四舍六入五成双), anything else to nearest.
    func roundedHalfEven(fractionDigits digits: Int) -> DecimalNumber {
        let drop = -exponent - digits
        guard drop > 0 else { return self }
        guard drop <= 18 else { return DecimalNumber(significand: 0, exponent: -digits) }
        var divisor = 1
        for _ in 0..<drop { divisor *= 10 }
        let magnitude = significand.magnitude
        var quotient = Int(magnitude / UInt(divisor))
        let twice = 2 * (magnitude % UInt(divisor))
        if twice > UInt(divisor) || (twice == UInt(divisor) && quotient % 2 == 1) { quotient += 1 }
        return DecimalNumber(significand: significand < 0 ? -quotient : quotient, exponent: -digits)
    }

    /// The value times `10^power`, exactly.
    func timesPowerOfTen(_ power: Int) -> DecimalNumber {
        DecimalNumber(significand: significand, exponent: exponent + power)
    }

    /// The number of fractional digits the value is written with.
    var fractionDigits: Int { max(0, -exponent) }

    /// `a - b`, exact when both fit in 64 bits at a common scale.
    static func difference(_ a: DecimalNumber, _ b: DecimalNumber) -> DecimalNumber? {
        let scale = max(a.fractionDigits, b.fractionDigits)
        guard let x = a.scaled(toFractionDigits: scale), let y = b.scaled(toFractionDigits: scale) else { return nil }
        let (d, overflow) = x.subtractingReportingOverflow(y)
        return overflow ? nil : DecimalNumber(significand: d, exponent: -scale)
    }

    /// `a / b` rounded half-even to `digits` fractional digits; `nil` when `b` is zero or the
    /// scaled operands do not fit.
    static func quotient(_ a: DecimalNumber, _ b: DecimalNumber, fractionDigits digits: Int) -> DecimalNumber? {
        let scale = max(a.fractionDigits, b.fractionDigits)
        guard let x = a.scaled(toFractionDigits: scale + digits), let y = b.scaled(toFractionDigits: scale),
              y != 0 else { return nil }
        // x / y carries `digits` fractional digits; one more digit decides the rounding.
        let (x10, overflow) = x.multipliedReportingOverflow(by: 10)
        guard !overflow else { return nil }
        let raw = DecimalNumber(significand: x10 / y, exponent: -(digits + 1))
        let exactTenth = x10 % y == 0
        var rounded = raw.roundedHalfEven(fractionDigits: digits)
        // A remainder past the extra digit means the true value is above a half: round up.
        if !exactTenth, raw.significand.magnitude % 10 == 5 {
            let away = raw.significand < 0 ? -1 : 1
            rounded = DecimalNumber(significand: raw.significand / 10 + away, exponent: -digits)
        }
        return rounded
    }
}
