import HuiliuCore
import HuiliuRegex

extension Evaluator {
    mutating func checkString(_ node: Node, _ text: String, _ value: Value) -> Bool {
        var ok = true
        for check in node.string {
            switch check {
            case .minLength(let n):
                if !Self.hasLength(text, atLeast: n) {
                    guard collecting else { return false }
                    report(node, "minLength", expected: "at least \(n) characters",
                           actualText: "\(text.unicodeScalars.count): " + shown(value, node), quotesValue: true)
                    ok = false
                }
            case .maxLength(let n):
                if !Self.hasLength(text, atMost: n) {
                    guard collecting else { return false }
                    report(node, "maxLength", expected: "at most \(n) characters",
                           actualText: "\(text.unicodeScalars.count): " + shown(value, node), quotesValue: true)
                    ok = false
                }
            case .pattern(let pattern):
                if !pattern.matches(text) {
                    guard collecting else { return false }
                    report(node, "pattern", expected: "a string matching \(pattern.source)", actual: value)
                    ok = false
                }
            case .format(let format, let name):
                if !format.isValid(text) {
                    guard collecting else { return false }
                    report(node, "format", expected: "a \(name) string", actual: value)
                    ok = false
                }
            }
        }
        return ok
    }

    /// Length in Unicode scalars (code points), as JSON Schema counts it. A scalar is one to
    /// four UTF-8 bytes, so the byte count often decides without counting.
    static func hasLength(_ text: String, atLeast n: Int) -> Bool {
        let bytes = text.utf8.count
        if bytes < n { return false }
        if bytes / 4 >= n { return true }
        return text.unicodeScalars.count >= n
    }

    static func hasLength(_ text: String, atMost n: Int) -> Bool {
        let bytes = text.utf8.count
        if bytes <= n { return true }
        if (bytes + 3) / 4 > n { return false }
        return text.unicodeScalars.count <= n
    }

    mutating func checkNumber(_ node: Node, _ value: Value) -> Bool {
        var ok = true
        for check in node.number where !Self.passes(check, value) {
            guard collecting else { return false }
            let (keyword, expected) = Self.describe(check)
            report(node, keyword, expected: expected, actual: value)
            ok = false
        }
        return ok
    }

    @inline(__always)
    static func passes(_ check: NumberCheck, _ value: Value) -> Bool {
        switch check {
        case .minimum(let limit): return Value.compareNumbers(value, limit) >= 0
        case .exclusiveMinimum(let limit): return Value.compareNumbers(value, limit) > 0
        case .maximum(let limit): return Value.compareNumbers(value, limit) <= 0
        case .exclusiveMaximum(let limit): return Value.compareNumbers(value, limit) < 0
        case .multipleOf(let divisor): return NumberMath.isMultiple(value, of: divisor)
        }
    }

    static func describe(_ check: NumberCheck) -> (keyword: String, expected: String) {
        switch check {
        case .minimum(let limit): return ("minimum", ">= \(limit.jsonText)")
        case .exclusiveMinimum(let limit): return ("exclusiveMinimum", "> \(limit.jsonText)")
        case .maximum(let limit): return ("maximum", "<= \(limit.jsonText)")
        case .exclusiveMaximum(let limit): return ("exclusiveMaximum", "< \(limit.jsonText)")
        case .multipleOf(let divisor): return ("multipleOf", "a multiple of \(divisor)")
        }
    }
}
