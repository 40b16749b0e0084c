import Foundation
import HuiliuCore

/// Turns PostgreSQL's text output into values by column type, as the `sql` source gives them.
enum PostgresText {
    /// Type OIDs from PostgreSQL's `pg_type` catalogue (fixed for built-in types).
    enum OID {
        static let bool: UInt32 = 16, bytea: UInt32 = 17, int8: UInt32 = 20, int2: UInt32 = 21, int4: UInt32 = 23
        static let oid: UInt32 = 26, json: UInt32 = 114, float4: UInt32 = 700, float8: UInt32 = 701
        static let numeric: UInt32 = 1700, timestamptz: UInt32 = 1184, jsonb: UInt32 = 3802
    }

    /// The value of `text`, printed by the server for a column of type `type`.
    static func value(_ text: String, type: UInt32) -> Value {
        switch type {
        case OID.bool:
            return .bool(text == "t")
        case OID.int2, OID.int4, OID.int8, OID.oid:
            return Int(text).map(Value.integer) ?? .string(text)
        case OID.numeric:
            // Exact: the JSON reader keeps `12.30` a decimal. NaN, the infinities and numbers
            // beyond a decimal's reach stay text rather than lose digits.
            switch try? JSONReader.parse(text) {
            case .integer(let n)?: return .integer(n)
            case .decimal(let d)?: return .decimal(d)
            default: return .string(text)
            }
        case OID.float4, OID.float8:
            // JSON has no NaN or infinities: PostgreSQL's text rather than a null.
            // (Value reads a `nil` literal as JSON null, so no `nil` in a closure here.)
            guard let number = Double(text), number.isFinite else { return .string(text) }
            return .double(number)
        case OID.json, OID.jsonb:
            return (try? JSONReader.parse(text)) ?? .string(text)
        case OID.bytea:
            return bytes(hex: text).map { .string(Data($0).base64EncodedString()) } ?? .string(text)
        case OID.timestamptz:
            return .string(rfc3339(text) ?? text)
        default:
            return .string(text)
        }
    }

    /// `bytea` in the hex output format (`\x0a1b`), as bytes.
    static func bytes(hex text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count >= 2, digits[0] == UInt8(ascii: "\\"), digits[1] == UInt8(ascii: "x"), digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2 - 1)
        var index = 2
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// A `timestamp with time zone` in ISO output (`2024-03-05 16:00:00.5+08`) as RFC 3339
    /// (`2024-03-05T16:00:00.5+08:00`); `nil` for what RFC 3339 cannot say: the infinities,
    /// years before 1 or after 9999, offsets with seconds.
    static func rfc3339(_ text: String) -> String? {
        var bytes = Array(text.utf8)
        // yyyy-MM-dd HH:mm:ss then an optional fraction, then ±HH[:mm].
        guard bytes.count >= 22, bytes[4] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: " "),
              bytes[..<4].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        guard let sign = bytes[19...].lastIndex(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") }) else { return nil }
        let offset = bytes[(sign + 1)...]
        switch offset.count {
        case 2: bytes += Array(":00".utf8)
        case 5 where offset[offset.startIndex + 2] == UInt8(ascii: ":"): break
        default: return nil
        }
        bytes[10] = UInt8(ascii: "T")
        return String(decoding: bytes, as: UTF8.self)
    }
}
