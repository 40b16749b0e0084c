public import HuiliuCore
import HuiliuExpression
public import HuiliuKit

/// Masks personal data in place, keeping only the ends of each value.
///
/// ```yaml
/// - mask:
///     payee.id_number: id_number     # 4211**********1997
///     payee.phone: phone             # 138****5678
///     payee.name: name               # 张**
///     account: { keep_start: 4, keep_end: 4 }
/// ```
public struct MaskStep: StepConnector {
    static let fields = Field<Value>("fields", .map(.any), "Field paths (dotted for nesting) and how to mask each: `id_number`, `phone`, `name`, `all`, or `{keep_start, keep_end, with}`.",
                                     example: ["payee.id_number": "id_number", "payee.phone": "phone"])

    public static let spec = ComponentSpec(
        name: "mask", kind: .step, summary: "Masks personal data (ID numbers, phone numbers, names) in place, keeping only the ends.",
        details: """
            Citizen ID numbers and phone numbers are personal information: validate them, then mask them \
            before they leave (domain.md §4.2). `id_number` keeps the first and last 4 characters \
            (`4211**********1997`), `phone` the first 3 and last 4 (`138****5678`), `name` the first character \
            (`张**`), `all` nothing; an object gives `keep_start`, `keep_end` and the character `with`. A value no \
            longer than what would be kept is masked whole. A path through a list masks the field in each of its \
            items (`children.phone`). Numbers are masked as their text; missing fields and nulls are left alone; \
            objects and lists at the end of a path are replaced by a masked text.
            """,
        fields: [fields.spec], bodyField: "fields")

    /// How one field is masked.
    struct Policy: Sendable, Equatable {
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

    let policies: [(path: [String], policy: Policy)]

    public init(config: ParsedConfig, context: ConnectorContext) throws {
        var policies: [([String], Policy)] = []
        for (path, value) in try config[Self.fields].objectValue ?? Object() {
            let field = "fields." + path
            let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard !path.contains("["), !parts.contains("") else {
                throw config.error(field, "'\(path)' is not a field path: dotted names, where a list's items are reached through the list's field (children.phone masks every child's phone)")
            }
            switch value {
            case .string(let name):
                guard let policy = Policy.named[name] else {
                    throw config.error(field, "unknown masking '\(name)' for '\(path)'; one of id_number, phone, name, all, or {keep_start, keep_end}")
                }
                policies.append((parts, policy))
            case .object(let options):
                func count(_ name: String) throws -> Int {
                    guard let value = options[name] else { return 0 }
                    guard case .integer(let number) = value, number >= 0 else {
                        throw config.error(field, "'\(path)': \(name) must be a whole number ≥ 0, got \(value.jsonText)")
                    }
                    return number
                }
                let unknown = options.keys.filter { !["keep_start", "keep_end", "with"].contains($0) }
                guard unknown.isEmpty else { throw config.error(field, "'\(path)': unknown option '\(unknown[0])'; keep_start, keep_end or with") }
                var with = "*"
                if let given = options["with"] {
                    guard let text = given.stringValue, !text.isEmpty else { throw config.error(field, "'\(path)': with must be a character, got \(given.jsonText)") }
                    with = text
                }
                policies.append((parts, Policy(keepStart: try count("keep_start"), keepEnd: try count("keep_end"), with: with)))
            default:
                throw config.error(field, "'\(path)' needs a masking: id_number, phone, name, all, or {keep_start, keep_end}")
            }
        }
        guard !policies.isEmpty else { throw config.error("fields", "a mask step needs at least one field") }
        self.policies = policies
    }

    public func process(_ records: consuming [Record]) async throws -> StepOutput {
        for index in records.indices where records[index].data.objectValue != nil {
            for (path, policy) in policies {
                records[index].data = Self.masking(records[index].data, at: path[...], policy)
            }
        }
        return StepOutput(records: records)
    }

    /// `value` with the field at `path` masked, in every item of the lists along the way.
    static func masking(_ value: Value, at path: ArraySlice<String>, _ policy: Policy) -> Value {
        guard let name = path.first else {
            return value.isNull ? value : .string(policy.apply(value.stringValue ?? value.jsonText))
        }
        switch value {
        case .object(var object):
            guard let member = object[name] else { return value }
            object[name] = masking(member, at: path.dropFirst(), policy)
            return .object(object)
        case .array(let items):
            return .array(items.map { masking($0, at: path, policy) })
        default:
            return value
        }
    }
}
