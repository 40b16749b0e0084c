/// One way an instance fails its schema: where, which rule, what was expected and found.
///
/// `description` reads `/amount_fen: minimum: expected >= 0, got -5`. For `required`,
/// `dependentRequired` and a refused additional property the instance location names the
/// member itself (`/payee/account`), which is what someone fixing a mapping looks for.
public struct ValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// JSON pointer to the offending part of the instance; empty for the whole instance.
    public var instanceLocation: String
    /// The keyword whose rule failed: `required`, `pattern`, `minimum`, … (`false` for a false schema).
    public var keyword: String
    /// The rule, in words: `>= 0`, `a string matching ^[0-9]{6}$`.
    public var expected: String
    /// What the instance had, as short JSON text (values longer than 80 characters are cut).
    public var actual: String
    /// Where the rule lives: the schema's URI with a JSON-pointer fragment to the keyword.
    public var schemaLocation: String

    /// An error naming all five parts.
    public init(instanceLocation: String, keyword: String, expected: String, actual: String, schemaLocation: String) {
        self.instanceLocation = instanceLocation
        self.keyword = keyword
        self.expected = expected
        self.actual = actual
        self.schemaLocation = schemaLocation
    }

    public var description: String {
        "\(instanceLocation.isEmpty ? "(root)" : instanceLocation): \(keyword): expected \(expected), got \(actual)"
    }

    /// The description without the instance's value, for logs that must not carry record payloads.
    public var redactedDescription: String {
        "\(instanceLocation.isEmpty ? "(root)" : instanceLocation): \(keyword): expected \(expected)"
    }
}
