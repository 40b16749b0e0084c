import HuiliuCore
import HuiliuKit

/// Table names for event types, shared by the database sinks.
enum EventTables {
    /// A table prefix must be a plain identifier start: it goes into SQL as written.
    static func checkPrefix(_ prefix: String, in config: ParsedConfig) throws {
        let allowed = prefix.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
        guard allowed, let first = prefix.unicodeScalars.first, !("0"..."9").contains(first) else {
            throw config.error("table_prefix", "'table_prefix' may hold only lower-case letters, digits and underscores, not starting with a digit; got '\(prefix)'")
        }
    }

    /// The table for an event type: `budget.payment.v1` → `events_budget_payment_v1`. A type
    /// that does not read back from its table name that way (anything but lower-case letters,
    /// digits and dots, or longer than `maximumLength`, PostgreSQL's 63 bytes) gets the start
    /// of its SHA-256 instead of what was lost, so two types never share a table: `x_y.v1`,
    /// `x-y.v1` and `X.Y.v1` would otherwise all be `x.y.v1`'s. A type whose last part is eight
    /// hexadecimal digits, a letter among them, gets one as well, or it could name a digested
    /// type's table.
    static func name(prefix: String, type: String, maximumLength: Int = .max) -> String {
        var plain = true
        let body = String(type.unicodeScalars.map { scalar -> Character in
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) { return Character(scalar) }
            if scalar.isASCII && scalar.properties.isAlphabetic { plain = false; return Character(scalar) }
            if scalar != "." { plain = false }
            return "_"
        }).lowercased()
        let name = prefix + body
        // A plain type ending in what reads as a digest (`x.y.v1.0f641cc4`) is given one too:
        // plain, it would have the table of the type that digest was made for (`X.Y.v1`). Eight
        // digits alone (a date, `reading.20240601`) stay plain, so a table such a type already
        // has keeps its name; only a type made to match a digest of digits alone could meet one.
        let last = type.split(separator: ".", omittingEmptySubsequences: false).last ?? ""
        let digestLike = type.contains(".") && last.utf8.count == 8
            && last.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
            && last.utf8.contains { $0 >= 0x61 }
        if plain && !digestLike && name.utf8.count <= maximumLength { return name }
        let digest = "_" + String(Digest.sha256.hex(type).prefix(8))
        return String(name.prefix(max(0, maximumLength - digest.count))) + digest
    }
}
