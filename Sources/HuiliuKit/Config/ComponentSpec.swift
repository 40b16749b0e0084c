/// Whether a component reads, transforms or writes records.
public enum ComponentKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case source
    case step
    case sink

    public var description: String { rawValue }
}

/// How mature a component is; extensible without breaking callers.
public struct ComponentStatus: Sendable, Hashable, CustomStringConvertible {
    private let name: String
    private init(_ name: String) { self.name = name }
    public var description: String { name }

    /// Relied on in production; changes are backward compatible.
    public static let stable = ComponentStatus("stable")
    /// Works, but its configuration may still change.
    public static let beta = ComponentStatus("beta")
    /// Being tried out.
    public static let experimental = ComponentStatus("experimental")
}

/// What a component is and how it is configured: the single declaration that parsing,
/// `huiliu lint`, `huiliu connector list` and `huiliu connector spec` all read.
///
/// ```swift
/// static let spec = ComponentSpec(
///     name: "jsonl", kind: .sink, summary: "Appends envelopes to a JSON Lines file.",
///     fields: [FieldSpec("path", .path, "File to append to.", example: "data/out.jsonl")])
/// ```
public struct ComponentSpec: Sendable, Equatable {
    /// The kind name used in pipeline files (`file`, `sqlite`, `map`).
    public var name: String
    /// Source, step or sink.
    public var kind: ComponentKind
    /// One line for listings.
    public var summary: String
    /// Longer explanation for the reference docs; may be empty.
    public var details: String
    /// Maturity.
    public var status: ComponentStatus
    /// The configuration fields.
    public var fields: [FieldSpec]
    /// The field a scalar configuration sets (`- map: budget.payment.v1`).
    public var shorthandField: String?
    /// The field that receives the whole configuration node (`- set: {region: "110105"}`).
    public var bodyField: String?

    /// A component specification.
    public init(name: String, kind: ComponentKind, summary: String, details: String = "",
                status: ComponentStatus = .stable, fields: [FieldSpec], shorthandField: String? = nil,
                bodyField: String? = nil) {
        self.name = name
        self.kind = kind
        self.summary = summary
        self.details = details
        self.status = status
        self.fields = fields
        self.shorthandField = shorthandField
        self.bodyField = bodyField
    }

    /// The field called `name`.
    public func field(_ name: String) -> FieldSpec? {
        fields.first { $0.name == name }
    }
}
