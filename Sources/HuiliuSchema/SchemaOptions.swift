/// How a ``SchemaSet`` compiles schemas.
public struct SchemaOptions: Sendable, Hashable {
    /// Whether `format` is checked (`date-time`, `date`, `time`, `uri`, `uri-reference`, `iri`,
    /// `iri-reference`, `uuid`, `ipv4`, `ipv6`, `hostname`, `email`, `regex`) or only recorded
    /// as an annotation, which is the draft 2020-12 default. Unknown formats are never checked.
    /// The default is `true`: Huiliu's schemas rely on `date-time` being enforced.
    public var assertsFormat: Bool

    /// Options with the defaults.
    public init(assertsFormat: Bool = true) {
        self.assertsFormat = assertsFormat
    }
}
