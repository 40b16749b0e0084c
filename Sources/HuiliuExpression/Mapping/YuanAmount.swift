import HuiliuCore

/// Converts a yuan amount to an exact number of fen (分, 1/100 yuan).
///
/// Amounts cross the gateway as text or JSON numbers; both are read as decimals, never
/// through `Double`, and anything finer than a fen is refused rather than rounded:
/// a rounding that nobody asked for is a reconciliation error later.
enum YuanAmount {
    /// Fen for a JSON value: an integer or decimal number, or a string; never a double.
    static func fen(_ value: Value) throws(ExpressionError) -> Int {
        switch value {
        case .integer(let yuan):
            return try fen(DecimalNumber(significand: yuan, exponent: 0), original: String(yuan))
        case .decimal(let d):
            return try fen(d, original: d.description)
        case .double(let d):
            // A double reaches here only when exactness was already lost: a JSON number of more
            // than 18 significant digits, or arithmetic that overflowed. Its shortest text can
            // look fine (0.10000000000000000001 reads as 0.1), so it is refused, never rounded.
            throw .invalidValue("to_fen(): \(d) is a floating-point number, which cannot carry an amount exactly; send the amount as text, or as a JSON number of at most 18 significant digits")
        case .string(let s):
            return try fen(parse(s), original: s)
        default:
            throw .invalidType("to_fen() needs a string or number, found \(value.typeName)")
        }
    }

    private static func fen(_ amount: DecimalNumber, original: String) throws(ExpressionError) -> Int {
        if let fen = amount.scaled(toFractionDigits: 2) { return fen }
        // `scaled` fails for a sub-fen remainder or for overflow; say which.
        var rest = amount.significand
        for _ in 0..<max(0, -2 - amount.exponent) {
            if rest % 10 != 0 {
                throw .invalidValue("to_fen(): '\(original)' has more than two decimal places; round it explicitly upstream")
            }
            rest /= 10
        }
        throw .invalidValue("to_fen(): '\(original)' is too large")
    }

    /// Parses `-1,234.50`: optional sign, digits with optional thousands separators in
    /// groups of three, optional fraction; full-width forms too. Surrounding spaces are ignored, the ideographic
    /// space (U+3000) of a Chinese export too, as `trim` and `parse_time` ignore them.
    static func parse(_ text: String) throws(ExpressionError) -> DecimalNumber {
        var copy = text.trimmingWhitespace()
        // Full-width digits, signs, separators and point (`１，２３４．５０`), as forms typed on
        // Chinese systems hold them, read as their ASCII forms, as parse_time reads them.
        if !copy.utf8.allSatisfy({ $0 < 0x80 }) {
            var scalars = String.UnicodeScalarView()
            for scalar in copy.unicodeScalars {
                switch scalar.value {
                case 0xFF10...0xFF19, 0xFF0B, 0xFF0C, 0xFF0D, 0xFF0E: scalars.append(Unicode.Scalar(scalar.value - 0xFEE0)!)
                default: scalars.append(scalar)
                }
            }
            copy = String(scalars)
        }
        let parsed = copy.withUTF8 { parse(bytes: $0) }
        switch parsed {
        case .success(let amount): return amount
        case .failure(.tooLarge): throw .invalidValue("to_fen(): '\(text)' is too large")
        case .failure(.finerThanFen):
            throw .invalidValue("to_fen(): '\(text)' has more than two decimal places; round it explicitly upstream")
        case .failure(.notAnAmount): throw .invalidValue("to_fen(): '\(text)' is not an amount")
        }
    }

    enum ParseFailure: Error {
        case notAnAmount, tooLarge, finerThanFen
    }

    private static func parse(bytes: UnsafeBufferPointer<UInt8>) -> Result<DecimalNumber, ParseFailure> {
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        var i = 0
        var end = bytes.count
        while i < end && isSpace(bytes[i]) { i += 1 }
        while end > i && isSpace(bytes[end - 1]) { end -= 1 }
        var negative = false
        if i < end, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        var significand = 0
        var exponent = 0
        var digits = 0
        var overflow = false
        var groupLength = 0
        var sawSeparator = false
        let integerStart = i
        while i < end {
            let b = bytes[i]
            if b >= 48 && b <= 57 {
                let (m, o1) = significand.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int(b - 48))
                overflow = overflow || o1 || o2
                significand = a
                digits += 1
                groupLength += 1
            } else if b == UInt8(ascii: ",") {
                // 1,234,567: the first group has 1–3 digits, every later one exactly 3.
                guard groupLength >= 1, groupLength <= 3, !sawSeparator || groupLength == 3 else { return .failure(.notAnAmount) }
                // "0,123" is no grouped thousand: written so, it is a decimal comma (0.123),
                // which read as 123 yuan would be a thousandfold error.
                if !sawSeparator && bytes[integerStart] == UInt8(ascii: "0") { return .failure(.notAnAmount) }
                sawSeparator = true
                groupLength = 0
            } else {
                break
            }
            i += 1
        }
        if sawSeparator && groupLength != 3 { return .failure(.notAnAmount) }
        if i < end && bytes[i] == UInt8(ascii: ".") {
            i += 1
            let fractionStart = i
            while i < end, bytes[i] >= 48, bytes[i] <= 57 { i += 1 }
            // Trailing zeros add no value ("12.300" is 12.3), only overflow risk.
            var fractionEnd = i
            if fractionEnd > fractionStart { digits += 1 }
            while fractionEnd > fractionStart && bytes[fractionEnd - 1] == UInt8(ascii: "0") { fractionEnd -= 1 }
            if fractionEnd - fractionStart > 2 && i == end { return .failure(.finerThanFen) }
            for k in fractionStart..<fractionEnd {
                let (m, o1) = significand.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int(bytes[k] - 48))
                overflow = overflow || o1 || o2
                significand = a
                exponent -= 1
            }
        }
        guard digits > 0, i == end else { return .failure(.notAnAmount) }
        guard !overflow else { return .failure(.tooLarge) }
        return .success(DecimalNumber(significand: negative ? -significand : significand, exponent: exponent))
    }
}
