public import HuiliuCore

extension Value {
    /// JMESPath truthiness: `null`, `false` and empty strings, arrays and objects are
    /// false; everything else, including the number 0, is true.
    public var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let b): return b
        case .string(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        case .object(let o): return !o.isEmpty
        case .integer, .decimal, .double: return true
        }
    }

    /// Orders strings by Unicode code point, as the reference implementation does;
    /// comparing UTF-8 bytes gives that order without decoding.
    static func compareStrings(_ a: String, _ b: String) -> Int {
        if a.utf8.lexicographicallyPrecedes(b.utf8) { return -1 }
        return b.utf8.lexicographicallyPrecedes(a.utf8) ? 1 : 0
    }
}
