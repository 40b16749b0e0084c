import HuiliuCore

/// The JSON Schema draft a schema resource is written in, from its `$schema`.
///
/// Drafts differ where it matters for validation: draft-07 ignores keywords next to `$ref`,
/// has tuple-form `items` with `additionalItems`, combined `dependencies`, and `$id: "#name"`
/// anchors. Draft 2019-09 is treated as 2020-12 except for tuple-form `items`.
public enum Dialect: Sendable, Hashable {
    case draft2020_12
    case draft2019_09
    case draft7
    case draft6

    /// The dialect a `$schema` URI names, or `nil` for one Huiliu does not know.
    public init?(metaSchema uri: String) {
        if uri.contains("draft/2020-12") {
            self = .draft2020_12
        } else if uri.contains("draft/2019-09") {
            self = .draft2019_09
        } else if uri.contains("draft-07") {
            self = .draft7
        } else if uri.contains("draft-06") {
            self = .draft6
        } else {
            return nil
        }
    }

    /// The dialect of `schema`: its own `$schema`, else `inherited`.
    static func of(_ schema: Value, inherited: Dialect) -> Dialect {
        guard case .string(let uri) = schema["$schema"] else { return inherited }
        return Dialect(metaSchema: uri) ?? inherited
    }

    /// Draft-07 and earlier: `$ref` overrides its siblings.
    var refOverridesSiblings: Bool { self == .draft7 || self == .draft6 }

    /// Before 2020-12, an array-valued `items` is the tuple form.
    var hasTupleItems: Bool { self != .draft2020_12 }

    /// Before 2019-09, `$id: "#name"` declares an anchor.
    var idDeclaresAnchors: Bool { self == .draft7 || self == .draft6 }
}
