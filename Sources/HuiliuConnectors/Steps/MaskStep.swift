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
            longer than what would be kept is masked whole. Numbers are masked as their text; missing fields and \
            nulls are left alone; objects and lists are replaced by a masked text.
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

    let policies: [(path: String, policy: Policy)]

    public init(config: ParsedConfig, context: ConnectorContext) throws {
        var policies: [(String, Policy)] = []
        for (path, value) in try config[Self.fields].objectValue ?? Object() {
            let field = "fields." + path
            switch value {
            case .string(let name):
                guard let policy = Policy.named[name] else {
                    throw config.error(field, "unknown masking '\(name)' for '\(path)'; one of id_number, phone, name, all, or {keep_start, keep_end}")
                }
                policies.append((path, policy))
            case .object(let options):
                let keepStart = options["keep_start"]?.intValue ?? 0, keepEnd = options["keep_end"]?.intValue ?? 0
                guard keepStart >= 0, keepEnd >= 0 else { throw config.error(field, "'\(path)': keep_start and keep_end must be whole numbers ≥ 0") }
                let unknown = options.keys.filter { !["keep_start", "keep_end", "with"].contains($0) }
                guard unknown.isEmpty else { throw config.error(field, "'\(path)': unknown option '\(unknown[0])'; keep_start, keep_end or with") }
                policies.append((path, Policy(keepStart: keepStart, keepEnd: keepEnd, with: options["with"]?.stringValue ?? "*")))
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
                guard let value = records[index].data.value(atPath: path), !value.isNull else { continue }
                let text = value.stringValue ?? value.jsonText
                records[index].data.setValue(.string(policy.apply(text)), atPath: path)
            }
        }
        return StepOutput(records: records)
    }
}
