extension Compiler {
    /// The compiled nodes, with pure `$ref` nodes removed from every path: a field written
    /// `{"$ref": "common.json#/$defs/date", "description": …}` validates straight against the
    /// definition instead of passing through a node that only forwards.
    var finishedNodes: [Node] {
        let built = nodes.map { $0! }
        var alias = Array(built.indices)
        for (k, node) in built.enumerated() {
            if let target = node.forwardTarget { alias[k] = target }
        }
        func resolve(_ index: Int) -> Int {
            var current = index
            var steps = 0
            // A cycle of pure references (`{"$ref": "#"}`) stays as it is; the evaluator's
            // depth limit reports it.
            while alias[current] != current && steps < built.count {
                current = alias[current]
                steps += 1
            }
            return steps < built.count ? current : index
        }
        return Self.markingPersonal(built.map { $0.remapped(resolve) })
    }

    /// `nodes` with ``Node/containsPersonal`` set on every node from which an `x-pii` one is
    /// reachable (through references too, so by fixpoint: references may form cycles).
    static func markingPersonal(_ nodes: [Node]) -> [Node] {
        let children: [[Int]] = nodes.map { node in
            var found: [Int] = []
            _ = node.remapped { found.append($0); return $0 }
            return found
        }
        var contains = nodes.map(\.personal)
        guard contains.contains(true) else { return nodes }
        var changed = true
        while changed {
            changed = false
            for index in nodes.indices where !contains[index] && children[index].contains(where: { contains[$0] }) {
                contains[index] = true
                changed = true
            }
        }
        return nodes.indices.map { contains[$0] ? nodes[$0].remapped({ $0 }, containsPersonal: true) : nodes[$0] }
    }
}

extension Node {
    /// The node this one merely forwards to, when its only keyword is `$ref`.
    var forwardTarget: Int? {
        guard !rejectsAll, !personal, types == nil, general.count == 1, string.isEmpty, number.isEmpty, array.isEmpty,
              object.isEmpty, case .ref(let target) = general[0] else { return nil }
        return target
    }

    func remapped(_ f: (Int) -> Int, containsPersonal: Bool? = nil) -> Node {
        Node(location: location, types: types, general: general.map { $0.remapped(f) }, string: string, number: number,
             array: array.map { $0.remapped(f) }, object: object.map { $0.remapped(f) }, rejectsAll: rejectsAll, personal: personal,
             containsPersonal: containsPersonal ?? self.containsPersonal)
    }
}

extension GeneralCheck {
    func remapped(_ f: (Int) -> Int) -> GeneralCheck {
        switch self {
        case .constant, .enumeration: return self
        case .ref(let target): return .ref(f(target))
        case .allOf(let targets): return .allOf(targets.map(f))
        case .anyOf(let targets): return .anyOf(targets.map(f))
        case .oneOf(let targets): return .oneOf(targets.map(f))
        case .not(let target): return .not(f(target))
        case .conditional(let condition, let then, let otherwise):
            return .conditional(if: f(condition), then: then.map(f), else: otherwise.map(f))
        }
    }
}

extension ArrayCheck {
    func remapped(_ f: (Int) -> Int) -> ArrayCheck {
        switch self {
        case .minItems, .maxItems, .uniqueItems: return self
        case .items(let prefix, let rest, let restRejectsAll, let restKeyword):
            return .items(prefix: prefix.map(f), rest: rest.map(f), restRejectsAll: restRejectsAll, restKeyword: restKeyword)
        case .contains(let target, let minimum, let maximum):
            return .contains(f(target), minimum: minimum, maximum: maximum)
        }
    }
}

extension ObjectCheck {
    func remapped(_ f: (Int) -> Int) -> ObjectCheck {
        switch self {
        case .minProperties, .maxProperties, .required, .dependentRequired: return self
        case .members(let rules):
            var draft = rules.draft
            draft.nodes = draft.nodes.map { $0 >= 0 ? f($0) : $0 }
            draft.patterns = draft.patterns.map { ($0.0, f($0.1)) }
            draft.additional = draft.additional.map(f)
            return .members(MemberRules(draft))
        case .propertyNames(let target): return .propertyNames(f(target))
        case .dependentSchemas(let dependencies): return .dependentSchemas(dependencies.map { ($0.0, f($0.1)) })
        }
    }
}

extension MemberRules {
    /// The rules as a draft again, to rebuild them with other node indices.
    var draft: Draft {
        Draft(names: names, nodes: nodes, slots: slots, patterns: patterns, additional: additional,
              additionalRejectsAll: additionalRejectsAll, isRequired: isRequired, required: required)
    }
}
