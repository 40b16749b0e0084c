import Foundation
import HuiliuCore
import HuiliuExpression

/// Text with `{{ expression }}` holes, each a JMESPath expression over the request context
/// (`config`, `stream`, `partition`, `slice`, `page`, `now`): the one way manifests compute
/// what goes on the wire.
///
/// A template that is a single hole keeps the expression's JSON type (a number for a JSON
/// body, `null` to leave a query parameter out); any other template renders to text, with
/// `null` holes as empty text.
struct Template: Sendable, CustomStringConvertible {
    enum Part: Sendable {
        case literal(String)
        case hole(JMESPathExpression)
    }

    /// How a hole's text is escaped where the template is used.
    enum Escaping: Sendable {
        case none
        /// `&`, `<`, `>`, `"` and `'` as entities, for XML bodies.
        case xml
        /// RFC 3986 percent-encoding of everything but unreserved characters, for path segments.
        case pathSegment
    }

    let text: String
    let parts: [Part]

    /// Parses `text`; errors point into it (`offset` in Unicode scalars).
    init(_ text: String, functions: FunctionRegistry) throws(TemplateError) {
        self.text = text
        var parts: [Part] = []
        let scalars = Array(text.unicodeScalars)
        var literal = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            if scalars[i] == "{", i + 1 < scalars.count, scalars[i + 1] == "{" {
                var close = i + 2
                while close + 1 < scalars.count, !(scalars[close] == "}" && scalars[close + 1] == "}") { close += 1 }
                guard close + 1 < scalars.count else {
                    throw TemplateError(offset: i, message: "'{{' is not closed by '}}'")
                }
                if !literal.isEmpty { parts.append(.literal(String(literal))) }
                literal = String.UnicodeScalarView()
                let inner = String(String.UnicodeScalarView(scalars[(i + 2)..<close]))
                let leading = inner.unicodeScalars.prefix { $0 == " " }.count
                let body = inner.trimmingCharacters(in: .whitespaces)
                guard !body.isEmpty else { throw TemplateError(offset: i, message: "empty '{{ }}'") }
                do {
                    parts.append(.hole(try JMESPathExpression(body, functions: functions)))
                } catch {
                    throw TemplateError(offset: i + 2 + leading + max(0, error.offset), message: error.message)
                }
                i = close + 2
            } else {
                literal.append(scalars[i])
                i += 1
            }
        }
        if !literal.isEmpty { parts.append(.literal(String(literal))) }
        self.parts = parts
    }

    var description: String { text }

    /// True when the template has no holes.
    var isConstant: Bool { !parts.contains { if case .hole = $0 { true } else { false } } }

    /// The rendered value: the expression's own value for a single hole, text otherwise.
    func render(_ context: Value, escaping: Escaping = .none) throws(ExpressionError) -> Value {
        if parts.count == 1, case .hole(let expression) = parts[0] {
            let value = try expression.evaluate(context)
            if escaping == .none { return value }
            return value.isNull ? .null : .string(Self.escape(Self.text(of: value), escaping))
        }
        var out = ""
        for part in parts {
            switch part {
            case .literal(let text): out += text
            case .hole(let expression): out += Self.escape(Self.text(of: try expression.evaluate(context)), escaping)
            }
        }
        return .string(out)
    }

    /// The rendered text, or `nil` when a single-hole template gives `null`.
    func string(_ context: Value, escaping: Escaping = .none) throws(ExpressionError) -> String? {
        let value = try render(context, escaping: escaping)
        return value.isNull ? nil : Self.text(of: value)
    }

    /// A value as it appears in text: strings as they are, `null` as nothing, others as JSON.
    static func text(of value: Value) -> String {
        switch value {
        case .string(let s): return s
        case .null: return ""
        default: return value.jsonText
        }
    }

    static func escape(_ text: String, _ escaping: Escaping) -> String {
        switch escaping {
        case .none: return text
        case .xml:
            return TextEscaping.xmlEscaped(text)
        case .pathSegment:
            return FormEncoding.percentEncode(text)
        }
    }
}

/// A template that cannot be parsed, and where in its text.
struct TemplateError: Error, Sendable {
    /// Zero-based offset in Unicode scalars.
    var offset: Int
    /// What is wrong.
    var message: String
}

/// A YAML structure (a JSON body) whose string leaves are templates.
indirect enum ValueTemplate: Sendable {
    case constant(Value)
    case template(Template)
    case array([ValueTemplate])
    case object([(String, ValueTemplate)])

    /// The structure with every template rendered.
    func render(_ context: Value) throws(ExpressionError) -> Value {
        switch self {
        case .constant(let value): return value
        case .template(let template): return try template.render(context)
        case .array(let items):
            var values: [Value] = []
            for item in items { values.append(try item.render(context)) }
            return .array(values)
        case .object(let members):
            var object = Object(minimumCapacity: members.count)
            for (key, member) in members { object[key] = try member.render(context) }
            return .object(object)
        }
    }
}

/// `application/x-www-form-urlencoded` and RFC 3986 percent-encoding.
enum FormEncoding {
    /// Every byte outside `A-Z a-z 0-9 - . _ ~` as `%XX`.
    static func percentEncode(_ text: String) -> String {
        TextEscaping.percentEncoded(text)
    }

    /// `k=v&k=v` with both sides percent-encoded.
    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { percentEncode($0.0) + "=" + percentEncode($0.1) }.joined(separator: "&")
    }
}
