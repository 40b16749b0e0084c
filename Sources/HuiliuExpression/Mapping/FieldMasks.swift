public import HuiliuCore

/// Which fields of a record to mask, and how: the `mask` step's configuration, and a sink's
/// `mask` option for the sinks that are not cleared for personal data.
///
/// ```yaml
/// payee.id_number: id_number     # 4211**********1997
/// payee.phone: phone             # 138****5678
/// payee.name: name               # 张**
/// account: { keep_start: 4, keep_end: 4, with: "#" }
/// ```
public struct FieldMasks: Sendable {
    /// How one field is masked.
    public struct Policy: Sendable, Equatable {
        var keepStart: Int
        var keepEnd: Int
        var with: String

        static let named: [String: Policy] = [
            "id_number": Policy(keepStart: 4, keepEnd: 4, with: "*"),
            "phone": Policy(keepStart: 3, keepEnd: 4, with: "*"),
            "name": Policy(keepStart: 1, keepEnd: 0, with: "*"),
            "all": Policy(keepStart: 0, keepEnd: 0, with: "*"),
        ]

        func apply(_ text: String) -> String {
            Masking.mask(text, keepStart: keepStart, keepEnd: keepEnd, with: with)
        }
    }

    /// A field the configuration gets wrong: its path and what is wrong.
    public struct Problem: Error, Sendable {
        /// The field path as written (`payee.phone`).
        public var path: String
        /// What is wrong.
        public var message: String
    }

    let policies: [(path: [String], policy: Policy)]

    /// The masks `fields` describes: field paths (dotted; a list's items are reached through the
    /// list's field) and `id_number`, `phone`, `name`, `all` or `{keep_start, keep_end, with}`.
    public init(_ fields: Object) throws(Problem) {
        var policies: [([String], Policy)] = []
        for (path, value) in fields {
            let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard !path.contains("["), !parts.contains("") else {
                throw Problem(path: path, message: "'\(path)' is not a field path: dotted names, where a list's items are reached through the list's field (children.phone masks every child's phone)")
            }
            switch value {
            case .string(let name):
                guard let policy = Policy.named[name] else {
                    throw Problem(path: path, message: "unknown masking '\(name)' for '\(path)'; one of id_number, phone, name, all, or {keep_start, keep_end}")
                }
                policies.append((parts, policy))
            case .object(let options):
                func count(_ name: String) throws(Problem) -> Int {
                    guard let value = options[name] else { return 0 }
                    guard case .integer(let number) = value, number >= 0 else {
                        throw Problem(path: path, message: "'\(path)': \(name) must be a whole number ≥ 0, got \(value.jsonText)")
                    }
                    return number
                }
                let unknown = options.keys.filter { !["keep_start", "keep_end", "with"].contains($0) }
                guard unknown.isEmpty else { throw Problem(path: path, message: "'\(path)': unknown option '\(unknown[0])'; keep_start, keep_end or with") }
                var with = "*"
                if let given = options["with"] {
                    guard let text = given.stringValue, !text.isEmpty else {
                        throw Problem(path: path, message: "'\(path)': with must be a character, got \(given.jsonText)")
                    }
                    with = text
                }
                policies.append((parts, Policy(keepStart: try count("keep_start"), keepEnd: try count("keep_end"), with: with)))
            default:
                throw Problem(path: path, message: "'\(path)' needs a masking: id_number, phone, name, all, or {keep_start, keep_end}")
            }
        }
        self.policies = policies
    }

    /// True when no field is masked.
    public var isEmpty: Bool { policies.isEmpty }

    /// `value` (a record's data) with every configured field masked. Numbers are masked as their
    /// text; missing fields and nulls are left alone; objects and lists at the end of a path are
    /// replaced by a masked text.
    public func apply(to value: Value) -> Value {
        guard value.objectValue != nil else { return value }
        var value = value
        for (path, policy) in policies {
            value = value.changing(at: path[...]) { field, _ in .string(policy.apply(field.stringValue ?? field.jsonText)) }
        }
        return value
    }
}
