public import HuiliuCore

/// A set of schema documents that may refer to each other by `$id`, compiled on demand.
///
/// Add every document first, then ask for a ``Schema`` by URI. References resolve inside the
/// set only — nothing is fetched — so `budget.payment.json` can use
/// `common.json#/$defs/money_fen` once both are added.
///
/// ```swift
/// var set = SchemaSet()
/// try set.add(json: commonText)
/// try set.add(json: paymentText)
/// let payment = try set.schema("https://huiliu.dev/schema/v1/budget.payment.json")
/// let errors = payment.validate(record)
/// ```
public struct SchemaSet: Sendable {
    /// A place inside one document: the document's index and a JSON pointer as tokens.
    struct Location: Hashable, Sendable {
        var document: Int
        var pointer: [String]
    }

    struct Document: Sendable {
        var value: Value
        var base: URIReference
        var dialect: Dialect
    }

    private(set) var documents: [Document] = []
    /// Absolute URI without fragment → the schema resource's location.
    private(set) var resources: [String: Location] = [:]
    /// Absolute URI of a resource + `#` + anchor name → location.
    private(set) var anchors: [String: Location] = [:]

    /// The dialect assumed for documents without `$schema`. The default is draft 2020-12.
    public var defaultDialect: Dialect = .draft2020_12

    /// An empty set.
    public init() {}

    /// The base URI of every document, in the order they were added.
    public var documentURIs: [String] { documents.map { $0.base.description } }

    /// The document whose base URI is `uri`.
    public func document(_ uri: String) -> Value? {
        guard let location = resources[URIReference(uri).withoutFragment.description], location.pointer.isEmpty else {
            return nil
        }
        return documents[location.document].value
    }

    /// Adds a schema document. Its base URI is its `$id`, resolved against `uri` when given;
    /// a document with neither gets a private base of its own.
    /// - Parameters:
    ///   - document: the schema, an object or a Boolean.
    ///   - uri: where the document was retrieved from, if anywhere.
    /// - Returns: the document's base URI.
    @discardableResult
    public mutating func add(_ document: Value, uri: String? = nil) throws(SchemaError) -> String {
        let index = documents.count
        let retrieval = URIReference(uri ?? "https://huiliu.invalid/anonymous/\(index).json").withoutFragment
        let dialect = Dialect.of(document, inherited: defaultDialect)
        var base = retrieval
        if let id = Self.identifier(of: document, dialect: dialect) {
            base = URIReference(id).resolved(against: retrieval).withoutFragment
        }
        var indexed = self
        indexed.documents.append(Document(value: document, base: base, dialect: dialect))
        let root = Location(document: index, pointer: [])
        if uri != nil && retrieval != base {
            try indexed.register(retrieval.description, root, table: \.resources)
        }
        try indexed.index(document, at: root, base: base, dialect: dialect, isResourceRoot: true)
        self = indexed
        return base.description
    }

    /// Parses JSON text and adds it as a document (see ``add(_:uri:)``).
    @discardableResult
    public mutating func add(json text: String, uri: String? = nil) throws(SchemaError) -> String {
        let value: Value
        do {
            value = try JSONReader.parse(text)
        } catch {
            throw SchemaError(.invalidJSON, at: uri ?? "(schema text)", error.description)
        }
        return try add(value, uri: uri)
    }

    /// The `$id` that changes the base URI (not a draft-07 `#anchor` id).
    static func identifier(of schema: Value, dialect: Dialect) -> String? {
        guard case .string(let id) = schema["$id"] else { return nil }
        if dialect.idDeclaresAnchors && id.hasPrefix("#") { return nil }
        return id
    }

    private mutating func register(_ key: String, _ location: Location,
                                   table: WritableKeyPath<SchemaSet, [String: Location]>) throws(SchemaError) {
        if let existing = self[keyPath: table][key], existing != location {
            throw SchemaError(.duplicateIdentifier, at: key, "the identifier is declared twice")
        }
        self[keyPath: table][key] = location
    }

    /// Records every `$id` and anchor below `schema`, walking only keywords that hold subschemas.
    private mutating func index(_ schema: Value, at location: Location, base: URIReference, dialect: Dialect,
                                isResourceRoot: Bool) throws(SchemaError) {
        guard case .object(let object) = schema else {
            if isResourceRoot { try register(base.description, location, table: \.resources) }
            return
        }
        let dialect = Dialect.of(schema, inherited: dialect)
        var base = base
        if let id = Self.identifier(of: schema, dialect: dialect) {
            base = URIReference(id).resolved(against: base).withoutFragment
            try register(base.description, location, table: \.resources)
        } else if isResourceRoot {
            try register(base.description, location, table: \.resources)
        }
        let resource = base.description
        if case .string(let anchor) = object["$anchor"] {
            try register(resource + "#" + anchor, location, table: \.anchors)
        }
        if case .string(let anchor) = object["$dynamicAnchor"] {
            try register(resource + "#" + anchor, location, table: \.anchors)
        }
        if dialect.idDeclaresAnchors, case .string(let id) = object["$id"], id.hasPrefix("#") {
            try register(resource + id, location, table: \.anchors)
        }
        for (keyword, value) in object {
            var child = location
            child.pointer.append(keyword)
            switch SchemaKeywords.shape(of: keyword) {
            case .schema:
                try index(value, at: child, base: base, dialect: dialect, isResourceRoot: false)
            case .schemaArray:
                guard case .array(let items) = value else {
                    // `items` is a schema in 2020-12 and may be either form in older drafts.
                    try index(value, at: child, base: base, dialect: dialect, isResourceRoot: false)
                    continue
                }
                for (k, item) in items.enumerated() {
                    var element = child
                    element.pointer.append(String(k))
                    try index(item, at: element, base: base, dialect: dialect, isResourceRoot: false)
                }
            case .schemaMap:
                guard case .object(let members) = value else { continue }
                for (name, member) in members {
                    var entry = child
                    entry.pointer.append(name)
                    try index(member, at: entry, base: base, dialect: dialect, isResourceRoot: false)
                }
            case .other:
                continue
            }
        }
    }
}
