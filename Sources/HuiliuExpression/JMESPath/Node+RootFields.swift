extension Expression {
    /// The member names the expression reads from the value it is given (`config` and `page`
    /// in `join('-', [config.region, page.number])`), in order of appearance, without those
    /// read from elements it projects or filters; lint checks them against what a context has.
    public var rootFields: [String] {
        var names: [String] = []
        root.collectRootFields(into: &names)
        return names
    }
}

extension Node {
    /// Appends the names of the members this node reads from its input.
    func collectRootFields(into names: inout [String]) {
        func add(_ name: String) { if !names.contains(name) { names.append(name) } }
        switch self {
        case .field(let key): add(key.name)
        case .fieldPath(let keys): if let first = keys.first { add(first.name) }
        case .subexpression(let left, _), .projection(let left, _), .valueProjection(let left, _),
             .filterProjection(let left, _, _), .flatten(let left), .pipe(let left, _):
            left.collectRootFields(into: &names)
        case .multiSelectList(let items): for item in items { item.collectRootFields(into: &names) }
        case .multiSelectHash(_, let values): for value in values { value.collectRootFields(into: &names) }
        case .or(let left, let right), .and(let left, let right), .comparison(_, let left, let right):
            left.collectRootFields(into: &names)
            right.collectRootFields(into: &names)
        case .not(let operand): operand.collectRootFields(into: &names)
        case .call(let call): for argument in call.arguments { argument.collectRootFields(into: &names) }
        case .current, .index, .slice, .literal, .reference: break
        }
    }
}
