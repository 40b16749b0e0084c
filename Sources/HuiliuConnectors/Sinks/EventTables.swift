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
    /// `x-y.v1` and `X.Y.v1` would otherwise all be `x.y.v1`'s.
    static func name(prefix: String, type: String, maximumLength: Int = .max) -> String {
        var plain = true
        let body = String(type.unicodeScalars.map { scalar -> Character in
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) { return Character(scalar) }
            if scalar.isASCII && scalar.properties.isAlphabetic { plain = false; return Character(scalar) }
            if scalar != "." { plain = false }
            return "_"
        }).lowercased()
        let name = prefix + body
        if plain && name.utf8.count <= maximumLength { return name }
        let digest = "_" + String(Digest.sha256.hex(type).prefix(8))
        return String(name.prefix(max(0, maximumLength - digest.count))) + digest
    }
}
