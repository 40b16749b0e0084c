import HuiliuCore

extension Evaluator {
    mutating func checkArray(_ node: Node, _ items: [Value], _ value: Value) -> Bool {
        var ok = true
        for check in node.array {
            switch check {
            case .minItems(let n):
                if items.count < n {
                    guard collecting else { return false }
                    report(node, "minItems", expected: "at least \(n) items", actualText: "\(items.count) items")
                    ok = false
                }
            case .maxItems(let n):
                if items.count > n {
                    guard collecting else { return false }
                    report(node, "maxItems", expected: "at most \(n) items", actualText: "\(items.count) items")
                    ok = false
                }
            case .uniqueItems:
                if let (first, second) = Self.duplicate(in: items) {
                    guard collecting else { return false }
                    report(node, "uniqueItems", expected: "unique items",
                           actualText: "items \(first) and \(second) both equal to " + shown(items[second], node), quotesValue: true)
                    ok = false
                }
            case .items(let prefix, let rest, let restRejectsAll, let restKeyword):
                for (k, item) in items.enumerated() {
                    let target: Int
                    if k < prefix.count {
                        target = prefix[k]
                    } else if let rest {
                        if restRejectsAll {
                            guard collecting else { return false }
                            report(node, restKeyword, expected: "at most \(prefix.count) items",
                                   actualText: "\(items.count) items")
                            ok = false
                            break
                        }
                        target = rest
                    } else {
                        break
                    }
                    if !evaluate(target, item, at: .index(k)) {
                        guard collecting else { return false }
                        ok = false
                    }
                }
            case .contains(let target, let minimum, let maximum):
                var count = 0
                for item in items where silently(target, item) {
                    count += 1
                    if maximum == nil && count >= minimum { break }
                }
                if count < minimum || count > (maximum ?? .max) {
                    guard collecting else { return false }
                    let keyword = count < minimum ? (minimum == 1 ? "contains" : "minContains") : "maxContains"
                    let bound = count < minimum ? "at least \(minimum)" : "at most \(maximum!)"
                    report(node, keyword, expected: "\(bound) items matching the 'contains' schema",
                           actualText: "\(count) matching")
                    ok = false
                }
            }
        }
        return ok
    }

    /// The positions of the first two equal items, if any. JSON equality: `1 == 1.0`, `true != 1`.
    static func duplicate(in items: [Value]) -> (Int, Int)? {
        if items.count <= 16 {
            for i in items.indices {
                for j in (i + 1)..<items.count where SchemaEquality.equal(items[i], items[j]) { return (i, j) }
            }
            return nil
        }
        var seen: [Value: [Int]] = [:]
        for (k, item) in items.enumerated() {
            if let earlier = seen[item]?.first(where: { SchemaEquality.equal(items[$0], item) }) { return (earlier, k) }
            seen[item, default: []].append(k)
        }
        return nil
    }
}
