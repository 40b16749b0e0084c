extension Expression {
    /// The member names the expression reads from the value it is given (`config` and `page`
    /// in `join('-', [config.region, page.number])`), in order of appearance, without those
    /// read from elements it projects or filters; lint checks them against what a context has.
    public var rootFields: [String] {
        rootPaths.reduce(into: []) { names, path in if let first = path.first, !names.contains(first) { names.append(first) } }
    }

    /// The member paths the expression reads from the value it is given (`["headers", "x-total"]`
    /// in `to_number(headers."x-total")`), in order of appearance.
    public var rootPaths: [[String]] {
        var paths: [[String]] = []
        root.collectRootPaths(into: &paths)
        return paths
    }
}

extension Node {
    /// Appends the member paths this node reads from its input.
    func collectRootPaths(into paths: inout [[String]]) {
        switch self {
        case .field(let key): paths.append([key.name])
        case .fieldPath(let keys): paths.append(keys.map(\.name))
        case .subexpression(let left, _), .projection(let left, _), .valueProjection(let left, _),
             .filterProjection(let left, _, _), .flatten(let left), .pipe(let left, _):
            left.collectRootPaths(into: &paths)
        case .multiSelectList(let items): for item in items { item.collectRootPaths(into: &paths) }
        case .multiSelectHash(_, let values): for value in values { value.collectRootPaths(into: &paths) }
        case .or(let left, let right), .and(let left, let right), .comparison(_, let left, let right):
            left.collectRootPaths(into: &paths)
            right.collectRootPaths(into: &paths)
        case .not(let operand): operand.collectRootPaths(into: &paths)
        case .call(let call): for argument in call.arguments { argument.collectRootPaths(into: &paths) }
        case .current, .index, .slice, .literal, .reference: break
        }
    }
}
