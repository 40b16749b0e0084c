/// How a record's natural key is written, the same for every source and step.
///
/// A key's text feeds the deterministic event id, so one record must get one text however
/// the upstream spells it: `7`, `7.0` and `7.00` are one number, and a key of two fields must
/// not read like another of two fields (`a/b` + `c` against `a` + `b/c`).
public enum RecordKey {
    /// `value` as one part of a key: a non-empty string as it is, a number in its shortest
    /// exact text (`2024.0` is `2024`, `1.50` is `1.5`, `10e18` and `1.0e19` are `1e19`);
    /// `nil` for anything else — a double included: JSON text becomes one only when its digits
    /// are too many to keep exactly (`1.0000000000000000001` is the double 1), and a key made
    /// from it would be another record's.
    public static func part(_ value: Value) -> String? {
        switch value {
        case .string(let s): return s.isEmpty ? nil : s
        case .integer(let n): return String(n)
        case .decimal(let number):
            let d = number.normalized
            if d.exponent >= 0 && d.exponent <= 18, let n = d.exactInt { return String(n) }
            return d.description
        default:
            return nil
        }
    }

    /// Parts joined by `/`. With several parts, `%` and `/` inside one are percent-encoded,
    /// so two different lists never make one key; a single part is kept as it is.
    public static func join(_ parts: [String]) -> String {
        guard parts.count > 1 else { return parts.first ?? "" }
        return parts.map(escape).joined(separator: "/")
    }

    /// The parts of `values`, joined; `nil` when one of them cannot be part of a key.
    public static func make(_ values: [Value]) -> String? {
        if values.count == 1 { return part(values[0]) }
        var parts: [String] = []
        parts.reserveCapacity(values.count)
        for value in values {
            guard let text = part(value) else { return nil }
            parts.append(text)
        }
        return join(parts)
    }

    static func escape(_ part: String) -> String {
        guard part.utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "/") }) else { return part }
        var escaped = ""
        escaped.reserveCapacity(part.utf8.count + 8)
        for scalar in part.unicodeScalars {
            switch scalar {
            case "%": escaped += "%25"
            case "/": escaped += "%2F"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
