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

    /// Every problem of a configuration, in the order of its fields: all are reported at once.
    public struct Problems: Error, Sendable {
        /// The problems.
        public var all: [Problem]
    }

    let policies: [(path: [String], policy: Policy)]

    /// The masks `fields` describes: field paths (dotted; a list's items are reached through the
    /// list's field) and `id_number`, `phone`, `name`, `all` or `{keep_start, keep_end, with}`.
    public init(_ fields: Object) throws(Problems) {
        var policies: [([String], Policy)] = []
        var problems: [Problem] = []
        for (path, value) in fields {
            func problem(_ message: String) { problems.append(Problem(path: path, message: message)) }
            let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            if path.contains("[") || parts.contains("") {
                problem("'\(path)' is not a field path: dotted names, where a list's items are reached through the list's field (children.phone masks every child's phone)")
            }
            switch value {
            case .string(let name):
                guard let policy = Policy.named[name] else {
                    problem("unknown masking '\(name)' for '\(path)'; one of id_number, phone, name, all, or {keep_start, keep_end}")
                    continue
                }
                policies.append((parts, policy))
            case .object(let options):
                let before = problems.count
                func count(_ name: String) -> Int {
                    guard let value = options[name] else { return 0 }
                    // `${env:KEEP}` fills in text: whole-number text counts as the number.
                    if case .string(let text) = value, let number = Int(text), number >= 0 { return number }
                    guard case .integer(let number) = value, number >= 0 else {
                        problem("'\(path)': \(name) must be a whole number ≥ 0, got \(value.jsonText)")
                        return 0
                    }
                    return number
                }
                for unknown in options.keys where !["keep_start", "keep_end", "with"].contains(unknown) {
                    problem("'\(path)': unknown option '\(unknown)'; keep_start, keep_end or with")
                }
                var with = "*"
                if let given = options["with"] {
                    if let text = given.stringValue, !text.isEmpty { with = text } else {
                        problem("'\(path)': with must be a character, got \(given.jsonText)")
                    }
                }
                let policy = Policy(keepStart: count("keep_start"), keepEnd: count("keep_end"), with: with)
                if problems.count == before { policies.append((parts, policy)) }
            default:
                problem("'\(path)' needs a masking: id_number, phone, name, all, or {keep_start, keep_end}")
            }
        }
        guard problems.isEmpty else { throw Problems(all: problems) }
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
