import HuiliuCore
import HuiliuRegex

extension Evaluator {
    mutating func checkObject(_ node: Node, _ object: Object, _ value: Value) -> Bool {
        var ok = true
        for check in node.object {
            switch check {
            case .minProperties(let n):
                if object.count < n {
                    guard collecting else { return false }
                    report(node, "minProperties", expected: "at least \(n) properties", actualText: "\(object.count) properties")
                    ok = false
                }
            case .maxProperties(let n):
                if object.count > n {
                    guard collecting else { return false }
                    report(node, "maxProperties", expected: "at most \(n) properties", actualText: "\(object.count) properties")
                    ok = false
                }
            case .required(let names):
                for name in names where object.position(of: name) == nil {
                    guard collecting else { return false }
                    report(node, "required", expected: "property \"\(name)\" to be present", actualText: "nothing",
                           member: .key(name))
                    ok = false
                }
            case .members(let rules):
                if !checkMembers(node, rules, object) {
                    guard collecting else { return false }
                    ok = false
                }
            case .propertyNames(let target):
                for (key, _) in object where !evaluate(target, .string(key), at: .key(key)) {
                    guard collecting else { return false }
                    ok = false
                }
            case .dependentRequired(let dependencies):
                for (trigger, names) in dependencies where object.position(of: trigger) != nil {
                    for name in names where object.position(of: name) == nil {
                        guard collecting else { return false }
                        report(node, "dependentRequired",
                               expected: "property \"\(name)\" to be present, since \"\(trigger)\" is",
                               actualText: "nothing", member: .key(name))
                        ok = false
                    }
                }
            case .dependentSchemas(let dependencies):
                for (trigger, target) in dependencies where object.position(of: trigger) != nil {
                    if !evaluate(target, value) {
                        guard collecting else { return false }
                        ok = false
                    }
                }
            }
        }
        return ok
    }

    /// `properties` (and the `required` among them) by looking each declared name up.
    private mutating func checkDeclaredMembers(_ node: Node, _ rules: MemberRules, _ object: Object) -> Bool {
        var ok = true
        for slot in rules.names.indices {
            let target = rules.nodes[slot]
            guard target >= 0 || rules.isRequired[slot] else { continue }
            let name = rules.names[slot]
            if let member = object[name] {
                if target >= 0 && !evaluate(target, member, at: .key(name)) {
                    guard collecting else { return false }
                    ok = false
                }
            } else if rules.isRequired[slot] {
                guard collecting else { return false }
                report(node, "required", expected: "property \"\(name)\" to be present", actualText: "nothing",
                       member: .key(name))
                ok = false
            }
        }
        return ok
    }

    /// `properties`, `patternProperties` and `additionalProperties`, in one pass over the members.
    private mutating func checkMembers(_ node: Node, _ rules: MemberRules, _ object: Object) -> Bool {
        if !rules.walksMembers { return checkDeclaredMembers(node, rules, object) }
        var ok = true
        var hint = 0
        var requiredSeen = 0
        // Members are read in place: iterating the object would retain every key and value.
        let stopped = object.withMembers { members -> Bool in
            for index in members.indices {
                var declared = false
                if let slot = rules.slot(of: members[index].key, hint: hint) {
                    declared = true
                    hint = slot + 1
                    if rules.isRequired[slot] { requiredSeen += 1 }
                    let target = rules.nodes[slot]
                    if target >= 0 && !evaluate(target, members[index].value, at: .key(members[index].key)) {
                        guard collecting else { return true }
                        ok = false
                    }
                }
                for (pattern, target) in rules.patterns where pattern.matches(members[index].key) {
                    declared = true
                    if !evaluate(target, members[index].value, at: .key(members[index].key)) {
                        guard collecting else { return true }
                        ok = false
                    }
                }
                if !declared, let additional = rules.additional {
                    if rules.additionalRejectsAll {
                        guard collecting else { return true }
                        report(node, "additionalProperties", expected: "only declared properties",
                               actualText: "undeclared property \"\(members[index].key)\"", member: .key(members[index].key))
                        ok = false
                    } else if !evaluate(additional, members[index].value, at: .key(members[index].key)) {
                        guard collecting else { return true }
                        ok = false
                    }
                }
            }
            return false
        }
        if stopped { return false }
        if requiredSeen < rules.required.count {
            guard collecting else { return false }
            for name in rules.required where object.position(of: name) == nil {
                report(node, "required", expected: "property \"\(name)\" to be present", actualText: "nothing",
                       member: .key(name))
            }
            ok = false
        }
        return ok
    }
}
