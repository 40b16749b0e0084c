public import HuiliuCore

/// A compiled JSON Schema validator: compile once, validate many records.
///
/// ``isValid(_:)`` is the fast path a pipeline calls per record; it stops at the first
/// failure and allocates nothing. ``validate(_:maximumErrors:)`` runs the fast path first
/// and only walks the instance again, collecting every problem, when it is invalid.
///
/// ```swift
/// let schema = try Schema(JSONReader.parse(#"{"type": "integer", "minimum": 0}"#))
/// schema.validate(-5).first?.description   // "(root): minimum: expected >= 0, got -5"
/// ```
public struct Schema: Sendable {
    private let nodes: [Node]
    private let root: Int

    /// The schema's location: the URI it was compiled from.
    public let uri: String

    /// Whether some subschema is marked `x-pii`.
    private let holdsPersonalData: Bool

    init(nodes: [Node], root: Int, uri: String) {
        self.nodes = nodes
        self.root = root
        self.uri = uri
        holdsPersonalData = nodes.contains(where: \.personal)
    }

    /// Compiles a standalone schema document (references may point only inside it).
    public init(_ document: Value, options: SchemaOptions = SchemaOptions()) throws(SchemaError) {
        var set = SchemaSet()
        let uri = try set.add(document)
        self = try set.schema(uri, options: options)
    }

    /// True if `value` is valid.
    public func isValid(_ value: Value) -> Bool {
        var evaluator = Evaluator(nodes: nodes, collecting: false)
        return evaluator.evaluate(root, value)
    }

    /// Every way `value` fails the schema, in instance order; empty when it is valid.
    /// - Parameters:
    ///   - value: the instance.
    ///   - maximumErrors: stop collecting after this many. The default is 100.
    public func validate(_ value: Value, maximumErrors: Int = 100) -> [ValidationError] {
        if isValid(value) { return [] }
        var evaluator = Evaluator(nodes: nodes, collecting: true, limit: max(1, maximumErrors))
        _ = evaluator.evaluate(root, value)
        guard holdsPersonalData else { return evaluator.errors }
        // Where personal data is, found without the error limit and inside silent branches.
        var locator = Evaluator(nodes: nodes, collecting: true, locating: true)
        _ = locator.evaluate(root, value)
        return evaluator.finishedErrors(personalAt: locator.personalLocations)
    }
}

extension SchemaSet {
    /// Compiles the schema at `uri`: a document's base URI, optionally with a fragment
    /// (`common.json#/$defs/money_fen`, `…#anchor`). Every reference reachable from it must
    /// resolve inside the set.
    public func schema(_ uri: String, options: SchemaOptions = SchemaOptions()) throws(SchemaError) -> Schema {
        guard resources[URIReference(uri).withoutFragment.description] != nil else {
            throw SchemaError(.unknownSchema, at: uri, "no document in the set has this URI")
        }
        var compiler = Compiler(set: self, options: options)
        let root = try compiler.compile(uri: uri)
        return Schema(nodes: compiler.finishedNodes, root: root, uri: uri)
    }
}
