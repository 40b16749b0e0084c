/// Names of Huiliu's common schema, version 1: the files in `config/schema/`.
///
/// The module does no I/O; callers read the files and add them to a ``SchemaSet``. These
/// constants tie an event type (`budget.payment.v1`) to the schema URI that validates it.
public enum CommonSchema {
    /// The base URI of version 1; every file's `$id` is this plus its file name.
    public static let baseURI = "https://huiliu.dev/schema/v1/"

    /// The shared definitions file, which every entity refers to.
    public static let commonFile = "common.json"

    /// The entities, in documentation order.
    public static let entities = [
        "organization", "budget.execution", "budget.payment", "environment.measurement",
        "environment.assessment", "case", "supervision.item", "livelihood.project", "suggestion", "alert",
    ]

    /// Every file of the schema: the common definitions first, then one per entity.
    public static var fileNames: [String] { [commonFile] + entities.map { $0 + ".json" } }

    /// The schema URI for an entity (`budget.payment`) or event type (`budget.payment.v1`);
    /// `nil` for anything that is not a version-1 entity.
    public static func uri(for name: String) -> String? {
        var entity = Substring(name)
        if entity.hasSuffix(".v1") { entity = entity.dropLast(3) }
        guard entities.contains(String(entity)) else { return nil }
        return baseURI + entity + ".json"
    }
}
