import HuiliuCore

/// Runs compiled nodes against an instance.
///
/// One walk serves both uses. With `collecting` off it stops at the first failure and builds
/// nothing: no path, no strings, no copies of the instance. With it on it keeps the instance
/// path and records a ``ValidationError`` for every failure, up to a limit. Branches whose
/// failures are expected (`anyOf`, `oneOf`, `not`, `if`, `contains`) always run silently.
struct Evaluator {
    /// One step of the instance location.
    enum PathToken {
        case key(String)
        case index(Int)
    }

    let nodes: [Node]
    private(set) var collecting: Bool
    private(set) var errors: [ValidationError] = []
    private let limit: Int
    private var exhausted = false
    private var path: [PathToken] = []
    private var depth = 0
    /// Subschemas marked `x-pii` being evaluated: while above zero, failures do not quote values.
    private var personalDepth = 0
    /// Instance locations an `x-pii` subschema applied to, found by a ``locating`` pass: a failure
    /// there, or below, found by another subschema (an `allOf` branch, a sibling `$ref`'s
    /// properties) is not quoted either.
    private(set) var personalLocations: Set<String> = []
    /// A pass that only finds where personal data is: nothing is reported, so nothing stops it
    /// early, and branches that otherwise run silently keep the instance path too.
    let locating: Bool
    /// The errors whose `actual` quotes the instance's value (not "nothing", "3 items" …).
    private var quotingValues: Set<Int> = []

    /// Nested evaluations deeper than this mean a `$ref` loop that consumes no input.
    static let maximumDepth = 1_000

    init(nodes: [Node], collecting: Bool, limit: Int = .max, locating: Bool = false) {
        self.nodes = nodes
        self.collecting = collecting || locating
        self.limit = limit
        self.locating = locating
    }

    mutating func evaluate(_ index: Int, _ value: Value) -> Bool {
        // `nodes` outlives the evaluation, so the node need not be retained for every value checked.
        unowned(unsafe) let node = nodes[index]
        if node.rejectsAll {
            if collecting { report(node, "", expected: "no value here (the schema is false)", actual: value) }
            return false
        }
        depth += 1
        // Only collected failures quote values, so the fast check need not count.
        let personal = collecting && node.personal
        if personal {
            personalDepth += 1
            if locating { personalLocations.insert(path.reduce(into: "") { $0 += Self.pointerStep($1) }) }
        }
        defer {
            depth -= 1
            if personal { personalDepth -= 1 }
        }
        guard depth < Self.maximumDepth else {
            if collecting { report(node, "$ref", expected: "schema nesting below \(Self.maximumDepth) levels", actual: value) }
            return false
        }
        var ok = true
        if let types = node.types, !Self.matches(types, value) {
            guard collecting else { return false }
            report(node, "type", expected: types.description, actual: value)
            ok = false
        }
        if !node.general.isEmpty && !checkGeneral(node, value) {
            guard collecting else { return false }
            ok = false
        }
        switch value {
        case .string(let text):
            if !node.string.isEmpty && !checkString(node, text, value) { ok = false }
        case .integer, .decimal, .double:
            if !node.number.isEmpty && !checkNumber(node, value) { ok = false }
        case .array(let items):
            if !node.array.isEmpty && !checkArray(node, items, value) { ok = false }
        case .object(let object):
            if !node.object.isEmpty && !checkObject(node, object, value) { ok = false }
        case .null, .bool:
            break
        }
        return ok
    }

    static func matches(_ types: TypeSet, _ value: Value) -> Bool {
        switch value {
        case .null: return types.contains(.null)
        case .bool: return types.contains(.boolean)
        case .string: return types.contains(.string)
        case .array: return types.contains(.array)
        case .object: return types.contains(.object)
        case .integer: return types.contains(.number) || types.contains(.integer)
        case .decimal, .double:
            return types.contains(.number) || (types.contains(.integer) && NumberMath.isIntegral(value))
        }
    }

    /// Evaluates `index` without recording anything: for branches that are allowed to fail.
    mutating func silently(_ index: Int, _ value: Value) -> Bool {
        if locating { return evaluate(index, value) }
        let saved = collecting
        collecting = false
        defer { collecting = saved && !exhausted }
        return evaluate(index, value)
    }

    /// Evaluates `index` against a member or item, with the instance path extended while collecting.
    @inline(__always)
    mutating func evaluate(_ index: Int, _ value: Value, at token: @autoclosure () -> PathToken) -> Bool {
        let pushed = collecting
        if pushed { path.append(token()) }
        defer { if pushed { path.removeLast() } }
        return evaluate(index, value)
    }

    /// Records a failure of `keyword` in `node`; `member` extends the instance location.
    mutating func report(_ node: Node, _ keyword: String, expected: String, actual: Value, member: PathToken? = nil) {
        report(node, keyword, expected: expected, actualText: shown(actual, node), member: member, quotesValue: true)
    }

    /// `value` for a message about `node`: its short JSON text, or only its kind and size when it
    /// is or may hold personal data (`x-pii` at or below `node`, or above it), which dead-letter
    /// reasons must not repeat — those are readable by more people than the records.
    func shown(_ value: Value, _ node: Node) -> String {
        guard personalDepth > 0 || node.containsPersonal else { return Self.render(value) }
        switch value {
        case .string(let text): return "a string of \(text.unicodeScalars.count) characters (personal data, not shown)"
        default: return "\(value.typeName) (personal data, not shown)"
        }
    }

    mutating func report(_ node: Node, _ keyword: String, expected: String, actualText: String, member: PathToken? = nil,
                         quotesValue: Bool = false) {
        guard collecting, !locating else { return }
        if quotesValue { quotingValues.insert(errors.count) }
        var pointer = ""
        for token in path { pointer += Self.pointerStep(token) }
        if let member { pointer += Self.pointerStep(member) }
        let location = keyword.isEmpty ? node.location : node.location + "/" + JSONPointer.escape(keyword)
        errors.append(ValidationError(instanceLocation: pointer, keyword: keyword.isEmpty ? "false" : keyword,
                                      expected: expected, actual: actualText, schemaLocation: location))
        if errors.count >= limit {
            exhausted = true
            collecting = false
        }
    }

    /// The failures, with the values at or below `personalLocations` (a ``locating`` pass's) left out.
    func finishedErrors(personalAt personalLocations: Set<String>) -> [ValidationError] {
        guard !personalLocations.isEmpty else { return errors }
        return errors.indices.map { index in
            let error = errors[index]
            guard quotingValues.contains(index), !error.actual.hasSuffix("(personal data, not shown)"),
                  personalLocations.contains(where: { error.instanceLocation == $0 || error.instanceLocation.hasPrefix($0 + "/") }) else {
                return error
            }
            var redacted = error
            redacted.actual = "a value (personal data, not shown)"
            return redacted
        }
    }

    private static func pointerStep(_ token: PathToken) -> String {
        switch token {
        case .key(let key): return "/" + JSONPointer.escape(key)
        case .index(let i): return "/" + String(i)
        }
    }

    /// Short JSON text for messages: at most 80 characters.
    static func render(_ value: Value) -> String {
        let text = value.jsonText
        guard text.count > 80 else { return text }
        return String(text.prefix(77)) + "…"
    }
}
