import HuiliuCore

extension Evaluator {
    /// `const`, `enum`, `$ref` and the applicators that combine whole subschemas.
    mutating func checkGeneral(_ node: Node, _ value: Value) -> Bool {
        var ok = true
        for check in node.general {
            switch check {
            case .constant(let expected):
                if !SchemaEquality.equal(value, expected) {
                    guard collecting else { return false }
                    report(node, "const", expected: Self.render(expected), actual: value)
                    ok = false
                }
            case .enumeration(let values, let index):
                let found = index.map { $0.position(of: value, in: values) != nil }
                    ?? values.contains { SchemaEquality.equal($0, value) }
                if !found {
                    guard collecting else { return false }
                    report(node, "enum", expected: "one of " + Self.render(.array(values)), actual: value)
                    ok = false
                }
            case .ref(let target):
                if !evaluate(target, value) {
                    guard collecting else { return false }
                    ok = false
                }
            case .allOf(let targets):
                for target in targets where !evaluate(target, value) {
                    guard collecting else { return false }
                    ok = false
                }
            case .anyOf(let targets):
                var matched = false
                for target in targets where silently(target, value) {
                    matched = true
                    // A pass finding personal data goes through every branch that applies.
                    if !locating { break }
                }
                if !matched {
                    guard collecting else { return false }
                    report(node, "anyOf", expected: "a value matching at least one of \(targets.count) schemas", actual: value)
                    ok = false
                }
            case .oneOf(let targets):
                var count = 0
                for target in targets where silently(target, value) {
                    count += 1
                    if count > 1 && !collecting { return false }
                }
                if count != 1 {
                    guard collecting else { return false }
                    var matched: [String] = []
                    for (k, target) in targets.enumerated() where silently(target, value) { matched.append("#\(k)") }
                    let which = matched.isEmpty ? "none" : matched.joined(separator: ", ")
                    report(node, "oneOf", expected: "a value matching exactly one of \(targets.count) schemas",
                           actualText: shown(value, node) + " (matched \(which))", quotesValue: true)
                    ok = false
                }
            case .not(let target):
                if silently(target, value) {
                    guard collecting else { return false }
                    report(node, "not", expected: "a value that does not match the 'not' schema", actual: value)
                    ok = false
                }
            case .conditional(let condition, let then, let otherwise):
                let branch = silently(condition, value) ? then : otherwise
                if let branch, !evaluate(branch, value) {
                    guard collecting else { return false }
                    ok = false
                }
            }
        }
        return ok
    }
}
