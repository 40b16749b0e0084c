import Glibc
import HuiliuCore
import HuiliuRegex

extension HuiliuFunctions {
    static let text: [ExpressionFunction] = [
        ExpressionFunction(
            "trim", [P("text", [.string, .null])], returns: [.string, .null],
            summary: "The string without leading and trailing white space, including the ideographic space U+3000.",
            example: Example("trim('\u{3000} 麻城市 ')", result: "麻城市")
        ) { args in stringMap(args[0]) { $0.trimmingWhitespace() } },
        ExpressionFunction(
            "upper", [P("text", [.string, .null])], returns: [.string, .null],
            summary: "The string in upper case.",
            example: Example("upper('91350200776049653a')", result: "91350200776049653A")
        ) { args in stringMap(args[0]) { $0.uppercased() } },
        ExpressionFunction(
            "lower", [P("text", [.string, .null])], returns: [.string, .null],
            summary: "The string in lower case.",
            example: Example("lower('ABC')", result: "abc")
        ) { args in stringMap(args[0]) { $0.lowercased() } },
        ExpressionFunction(
            "replace", [P("text", [.string, .null]), P("old", .string), P("new", .string)], returns: [.string, .null],
            summary: "The string with every occurrence of `old` replaced by `new`. An empty `old` is an error.",
            example: Example("replace('2024/03/05', '/', '-')", result: "2024-03-05")
        ) { args throws(ExpressionError) in
            let old = args[1].stringValue!
            guard !old.isEmpty else { throw .invalidValue("replace(): the text to replace is empty") }
            return stringMap(args[0]) { $0.replacing(old, with: args[2].stringValue!) }
        }.checkingLiterals { literals throws(ExpressionError) in
            if case .string("")?? = literals[safe: 1] { throw .invalidValue("replace(): the text to replace is empty") }
        },
        ExpressionFunction(
            "split", [P("text", [.string, .null]), P("separator", .string)], returns: [.arrayOfStrings, .null],
            summary: "The pieces of the string between separators, empty pieces included. An empty separator is an error.",
            example: Example("split('a,b,,c', ',')", result: ["a", "b", "", "c"])
        ) { args throws(ExpressionError) in
            let separator = args[1].stringValue!
            guard !separator.isEmpty else { throw .invalidValue("split(): the separator is empty") }
            guard case .string(let s) = args[0] else { return .null }
            return .array(splitPieces(s, separator) { .string($0) })
        }.checkingLiterals { literals throws(ExpressionError) in
            if case .string("")?? = literals[safe: 1] { throw .invalidValue("split(): the separator is empty") }
        },
        ExpressionFunction(
            "regex_match", [P("text", [.string, .null]), P("pattern", .string)], returns: [.boolean, .null],
            summary: "True if the regular expression matches anywhere in the string (anchor it with `^…$` for a whole match). Patterns are ECMA-262, as in JSON Schema: `\\d` is an ASCII digit, `$` is the very end; matching takes time linear in the text (quadratic at worst with a lookahead).",
            example: Example("regex_match('421181199001011234', '^\\d{17}[0-9X]$')", result: true)
        ) { args throws(ExpressionError) in
            let regex = try RegexCache.regex(args[1].stringValue!, function: "regex_match")
            guard case .string(let s) = args[0] else { return .null }
            return .bool(regex.matches(s))
        }.checkingLiterals { literals throws(ExpressionError) in
            if case .string(let pattern)?? = literals[safe: 1] { _ = try RegexCache.regex(pattern, function: "regex_match") }
        },
        ExpressionFunction(
            "regex_extract", [P("text", [.string, .null]), P("pattern", .string), .optional("group", .number)],
            returns: [.string, .null],
            summary: "The first match's capture `group`, or `null` if nothing matches or the group did not take part. The default group is 1 when the pattern has groups, else the whole match (0). Groups are numbered by their opening parenthesis, as in ECMA-262; a group inside a lookahead captures nothing.",
            example: Example("regex_extract('合同编号：HT-2024-017', 'HT-(\\d{4})-\\d+')", result: "2024")
        ) { args throws(ExpressionError) in
            let regex = try RegexCache.regex(args[1].stringValue!, function: "regex_extract")
            var group: Int?
            if let requested = args.optional(2) {
                guard let g = requested.intValue, g >= 0 else {
                    throw .invalidValue("regex_extract(): group must be a non-negative integer, found \(requested.jsonText)")
                }
                group = g
            }
            let index = group ?? (regex.groupCount > 0 ? 1 : 0)
            guard index <= regex.groupCount else {
                throw .invalidValue("regex_extract(): the pattern has no group \(index)")
            }
            guard case .string(let s) = args[0], let match = regex.firstMatch(in: s) else { return .null }
            return match[index].map { .string(String(s.unicodeScalars[$0])) } ?? .null
        }.checkingLiterals { literals throws(ExpressionError) in
            guard case .string(let pattern)?? = literals[safe: 1] else { return }
            let regex = try RegexCache.regex(pattern, function: "regex_extract")
            if let group = literals[safe: 2] ?? nil {
                guard let index = group.intValue, index >= 0 else {
                    throw .invalidValue("regex_extract(): group must be a non-negative integer, found \(group.jsonText)")
                }
                guard index <= regex.groupCount else { throw .invalidValue("regex_extract(): the pattern has no group \(index)") }
            }
        },
        ExpressionFunction(
            "coalesce", [], variadic: P("values", .any), returns: .any,
            summary: "The first argument that is neither `null` nor the empty string, or `null`.",
            example: Example("coalesce(remark, memo, '无')", input: ["remark": "", "memo": nil], result: "无")
        ) { args in
            for value in args.values {
                switch value {
                case .null: continue
                case .string(let s) where s.isEmpty: continue
                default: return value
                }
            }
            return .null
        },
    ]

    /// `transform` applied to a string; `null` stays `null`.
    static func stringMap(_ value: Value, _ transform: (String) -> String) -> Value {
        guard case .string(let s) = value else { return .null }
        return .string(transform(s))
    }
}

/// Splits on a separator by comparing UTF-8 bytes: the string-processing `split(separator:)`
/// with a string separator is generic and an order of magnitude slower on hot mapping paths.
/// Byte comparison is exact for UTF-8, where no character's encoding occurs inside another's.
/// Each piece is made into an element by `make`; the pieces are counted first, so the
/// result is allocated once at its size.
func splitPieces<Element>(_ text: String, _ separator: String, _ make: (String) -> Element) -> [Element] {
    var text = text
    var separator = separator
    return text.withUTF8 { bytes in
        separator.withUTF8 { sep in
            let n = bytes.count, m = sep.count
            func forEachSeparator(_ body: (Int) -> Void) {
                var i = 0
                while i + m <= n {
                    if bytes[i] == sep[0] && (m == 1 || memcmp(bytes.baseAddress! + i, sep.baseAddress!, m) == 0) {
                        body(i)
                        i += m
                    } else {
                        i += 1
                    }
                }
            }
            var count = 1
            forEachSeparator { _ in count += 1 }
            var pieces: [Element] = []
            pieces.reserveCapacity(count)
            var start = 0
            forEachSeparator { i in
                pieces.append(make(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)))
                start = i + m
            }
            pieces.append(make(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<n]), as: UTF8.self)))
            return pieces
        }
    }
}
