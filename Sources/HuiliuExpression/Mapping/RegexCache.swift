import Synchronization

/// Compiled regular expressions by pattern text, shared by every evaluation.
///
/// Patterns in mappings are almost always literals, so each is compiled once; the
/// cache is bounded so patterns built from data cannot grow it without limit.
enum RegexCache {
    /// A compiled pattern. `Regex` is immutable once lowered (its lazily built program
    /// is published atomically), so sharing it between tasks is safe; it just does not
    /// declare `Sendable` for `AnyRegexOutput`.
    private struct Entry: @unchecked Sendable {
        let regex: Regex<AnyRegexOutput>
    }

    private static let cache = Mutex<[String: Entry]>([:])
    private static let capacity = 256

    /// The compiled `pattern`.
    static func regex(_ pattern: String, function: String) throws(ExpressionError) -> Regex<AnyRegexOutput> {
        if let cached = cache.withLock({ $0[pattern] }) { return cached.regex }
        let compiled: Regex<AnyRegexOutput>
        do {
            compiled = try Regex(pattern)
        } catch {
            throw .invalidValue("\(function)(): invalid regular expression '\(pattern)': \(error)")
        }
        _ = "".firstMatch(of: compiled)  // lower the program now, before it is shared
        let entry = Entry(regex: compiled)
        cache.withLock { table in
            if table.count >= capacity { table.removeAll(keepingCapacity: true) }
            table[pattern] = entry
        }
        return compiled
    }
}
