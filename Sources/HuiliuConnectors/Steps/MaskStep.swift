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

    let masks: FieldMasks

    public init(config: ParsedConfig, context: ConnectorContext) throws {
        let fields = try config[Self.fields].objectValue ?? Object()
        do throws(FieldMasks.Problems) {
            masks = try FieldMasks(fields)
        } catch {
            throw ConfigErrors(error.all.map { config.error("fields." + $0.path, $0.message) })
        }
        guard !masks.isEmpty else { throw config.error("fields", "a mask step needs at least one field") }
    }

    public func process(_ records: consuming [Record]) async throws -> StepOutput {
        for index in records.indices { records[index].data = masks.apply(to: records[index].data) }
        return StepOutput(records: records)
    }
}
