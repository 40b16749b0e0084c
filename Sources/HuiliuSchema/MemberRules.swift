import HuiliuRegex
/// `properties`, `patternProperties` and `additionalProperties` together, since which
/// members are "additional" depends on the other two. A class, so that reading the check
/// out of its enum costs one retain instead of one per array.
final class MemberRules: Sendable {
    let names: [String]
    let nodes: [Int]
    let slots: [String: Int]
    let patterns: [(Pattern, Int)]
    let additional: Int?
    let additionalRejectsAll: Bool
    let isRequired: [Bool]
    let required: [String]
    /// Without `patternProperties` or `additionalProperties` only the declared names matter,
    /// so they are looked up instead of walking every member (the common `if` subschema).
    let walksMembers: Bool

    init(_ draft: Draft) {
        names = draft.names
        nodes = draft.nodes
        slots = draft.slots
        patterns = draft.patterns
        additional = draft.additional
        additionalRejectsAll = draft.additionalRejectsAll
        isRequired = draft.isRequired
        required = draft.required
        walksMembers = draft.additional != nil || !draft.patterns.isEmpty
    }

    /// The position of `key` in `names`. A few names are compared directly; more are hashed,
    /// after trying the few names from `hint` on: records usually list members in schema
    /// order, skipping the optional ones they lack, and comparing short keys is far cheaper
    /// than hashing one.
    @inline(__always)
    func slot(of key: String, hint: Int) -> Int? {
        if names.count <= 8 {
            for k in names.indices where names[k] == key { return k }
            return nil
        }
        for k in hint..<min(hint &+ 4, names.count) where names[k] == key { return k }
        return slots[key]
    }
}

extension MemberRules {
    /// The rules while the compiler collects them.
    struct Draft {
        var names: [String] = []
        /// The subschema per name; -1 for a declared but unconstrained property.
        var nodes: [Int] = []
        var slots: [String: Int] = [:]
        var patterns: [(Pattern, Int)] = []
        var additional: Int?
        var additionalRejectsAll = false
        /// `required` names that are also declared properties, checked during the same pass:
        /// `isRequired[slot]` marks them, and the pass counts how many it saw.
        var isRequired: [Bool] = []
        var required: [String] = []
    }
}
