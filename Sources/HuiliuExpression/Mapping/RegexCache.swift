import HuiliuRegex
import Synchronization

/// Compiled regular expressions by pattern text, shared by every evaluation.
///
/// Patterns in mappings are almost always literals, so each is compiled once; the
/// cache is bounded so patterns built from data cannot grow it without limit.
enum RegexCache {
    private static let cache = Mutex<[String: Pattern]>([:])
    private static let capacity = 256

    /// The compiled `pattern`: ECMA-262 syntax, as JSON Schema's `pattern` keyword, matched in linear time.
    static func regex(_ pattern: String, function: String) throws(ExpressionError) -> Pattern {
        if let cached = cache.withLock({ $0[pattern] }) { return cached }
        let compiled: Pattern
        do {
            compiled = try Pattern(pattern)
        } catch {
            throw .invalidValue("\(function)(): invalid regular expression '\(pattern)' \(error)")
        }
        cache.withLock { table in
            if table.count >= capacity { table.removeAll(keepingCapacity: true) }
            table[pattern] = compiled
        }
        return compiled
    }
}
