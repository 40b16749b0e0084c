import HuiliuCore

/// Turns schema documents from a ``SchemaSet`` into ``Node``s, once, so validation never
/// looks at keyword names or resolves a reference again.
struct Compiler {
    /// What a subschema's keywords are read against: the base URI for `$ref`, where the
    /// enclosing resource starts (for error locations), and the draft.
    struct Scope {
        var base: URIReference
        var resourceStart: Int
        var dialect: Dialect
    }

    let set: SchemaSet
    let options: SchemaOptions
    private(set) var nodes: [Node?] = []
    private var cache: [SchemaSet.Location: Int] = [:]

    init(set: SchemaSet, options: SchemaOptions) {
        self.set = set
        self.options = options
    }

    /// Compiles the schema `uri` names (a resource, an anchor or a JSON-pointer fragment).
    mutating func compile(uri: String) throws(SchemaError) -> Int {
        try compileReference(uri, scope: nil, at: uri)
    }

    /// Resolves `reference` against `scope` and compiles its target.
    mutating func compileReference(_ reference: String, scope: Scope?, at keywordLocation: String) throws(SchemaError) -> Int {
        let target = scope.map { URIReference(reference).resolved(against: $0.base) } ?? URIReference(reference)
        let resource = target.withoutFragment.description
        guard var location = set.resources[resource] else {
            throw SchemaError(.unresolvedReference, at: keywordLocation, "no schema with URI \(resource) in the set")
        }
        let fragment = target.fragment ?? ""
        if fragment.hasPrefix("/") {
            guard let decoded = JSONPointer.percentDecoded(fragment), let tokens = JSONPointer.tokens(decoded) else {
                throw SchemaError(.unresolvedReference, at: keywordLocation, "malformed JSON pointer \(fragment)")
            }
            location.pointer += tokens
        } else if !fragment.isEmpty {
            guard let anchored = set.anchors[resource + "#" + fragment] else {
                throw SchemaError(.unresolvedReference, at: keywordLocation, "no anchor '\(fragment)' in \(resource)")
            }
            location = anchored
        }
        if let compiled = cache[location] { return compiled }
        let document = set.documents[location.document]
        guard let value = JSONPointer.resolve(location.pointer, in: document.value) else {
            throw SchemaError(.unresolvedReference, at: keywordLocation, "\(target) points at nothing")
        }
        return try compile(value, at: location, scope: enclosingScope(of: location))
    }

    /// The scope a location's own keywords are read in, found by walking down from its
    /// document's root and applying every `$id` passed on the way.
    private func enclosingScope(of location: SchemaSet.Location) -> Scope {
        let document = set.documents[location.document]
        var scope = Scope(base: document.base, resourceStart: 0, dialect: document.dialect)
        var value = document.value
        for (depth, token) in location.pointer.dropLast().enumerated() {
            guard let next = JSONPointer.resolve([token], in: value) else { break }
            value = next
            scope.dialect = Dialect.of(value, inherited: scope.dialect)
            if let id = SchemaSet.identifier(of: value, dialect: scope.dialect) {
                scope.base = URIReference(id).resolved(against: scope.base).withoutFragment
                scope.resourceStart = depth + 1
            }
        }
        return scope
    }

    /// Compiles the schema `value` found at `location`, within `scope`.
    mutating func compile(_ value: Value, at location: SchemaSet.Location, scope parent: Scope) throws(SchemaError) -> Int {
        if let compiled = cache[location] { return compiled }
        var scope = parent
        if !location.pointer.isEmpty {
            scope.dialect = Dialect.of(value, inherited: scope.dialect)
            if let id = SchemaSet.identifier(of: value, dialect: scope.dialect) {
                scope.base = URIReference(id).resolved(against: scope.base).withoutFragment
                scope.resourceStart = location.pointer.count
            }
        }
        let index = nodes.count
        nodes.append(nil)
        cache[location] = index
        var builder = NodeBuilder(location: Self.display(scope: scope, pointer: location.pointer))
        switch value {
        case .bool(let allowed):
            builder.rejectsAll = !allowed
        case .object(let object):
            try compileKeywords(object, at: location, scope: scope, into: &builder)
            builder.personal = object["x-pii"] == .bool(true)
        default:
            throw SchemaError(.invalidKeyword, at: builder.location, "a schema must be an object or a Boolean, not \(value.typeName)")
        }
        nodes[index] = builder.build()
        return index
    }

    /// A schema location for messages: `https://huiliu.dev/schema/v1/case.json#/properties/stage`,
    /// or just the fragment for a document added without a URI.
    static func display(scope: Scope, pointer: [String]) -> String {
        let fragment = JSONPointer.from(pointer[scope.resourceStart...])
        let base = scope.base.description
        if base.hasPrefix("https://huiliu.invalid/anonymous/") { return "#" + fragment }
        return base + "#" + fragment
    }

    /// Compiles the subschema under `keyword` (and `member`, for maps and arrays).
    mutating func child(_ value: Value, _ location: SchemaSet.Location, _ scope: Scope, _ tokens: String...) throws(SchemaError) -> Int {
        var childLocation = location
        childLocation.pointer += tokens
        return try compile(value, at: childLocation, scope: scope)
    }
}

/// Collects one node's checks while its keywords are read.
struct NodeBuilder {
    let location: String
    var types: TypeSet?
    var general: [GeneralCheck] = []
    var string: [StringCheck] = []
    var number: [NumberCheck] = []
    var array: [ArrayCheck] = []
    var object: [ObjectCheck] = []
    var rejectsAll = false
    var personal = false

    init(location: String) {
        self.location = location
    }

    func build() -> Node {
        Node(location: location, types: types, general: general, string: string, number: number, array: array,
             object: object, rejectsAll: rejectsAll, personal: personal)
    }

    func keywordLocation(_ keyword: String) -> String {
        location + "/" + JSONPointer.escape(keyword)
    }
}
