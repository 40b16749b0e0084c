/// The shape of a gateway's canonical string: literal text with `{placeholders}`.
///
/// | placeholder | expands to |
/// |---|---|
/// | `{appKey}` `{timestamp}` `{nonce}` | the signing parameters |
/// | `{method}` | the upper-case method |
/// | `{path}` | the URL path as sent (`/` when empty) |
/// | `{query}` | the request's own query parameters, sorted, `k=v&k=v` |
/// | `{sortedParams}` | query + form-body + signing parameters, sorted, `k=v&k=v` |
/// | `{bodyDigest}` | lowercase hex digest of the body (SHA-256 or SM3) |
/// | `{body}` | the body as text |
/// | `{secret}` | the secret (for "digest over canonical + secret" schemes) |
/// | `{header:Name}` | a request header's value |
///
/// `{{` and `}}` stand for literal braces.
/// ```swift
/// let alibabaStyle = try SigningTemplate("{method}\n{path}\n{query}\n{bodyDigest}\n{appKey}\n{timestamp}\n{nonce}")
/// let tif = try SigningTemplate("{timestamp}{secret}{nonce}{timestamp}")
/// ```
public struct SigningTemplate: Sendable, Equatable, CustomStringConvertible {
    enum Placeholder: Sendable, Equatable {
        case appKey, timestamp, nonce, method, path, query, sortedParams, bodyDigest, body, secret
        case header(String)
    }

    enum Part: Sendable, Equatable {
        case literal(String)
        case placeholder(Placeholder)
    }

    /// Every placeholder name a template may use (`header:` takes a header name after the colon).
    public static let placeholderNames = [
        "appKey", "timestamp", "nonce", "method", "path", "query", "sortedParams", "bodyDigest", "body", "secret",
        "header:",
    ]

    /// `{sortedParams}`: the generic appKey/timestamp/nonce scheme of domain.md §7.2, pattern 1.
    public static let sortedParameters = SigningTemplate(parts: [.placeholder(.sortedParams)], text: "{sortedParams}")

    /// The template as written.
    public let text: String
    let parts: [Part]

    private init(parts: [Part], text: String) {
        self.parts = parts
        self.text = text
    }

    /// Parses `text`, rejecting unknown placeholders and unbalanced braces.
    public init(_ text: String) throws(SigningError) {
        var parts: [Part] = []
        var literal = ""
        var index = text.startIndex
        while index < text.endIndex {
            let char = text[index]
            let next = text.index(after: index)
            if (char == "{" || char == "}"), next < text.endIndex, text[next] == char {
                literal.append(char)
                index = text.index(after: next)
            } else if char == "{" {
                guard let close = text[next...].firstIndex(of: "}") else {
                    throw SigningError("unclosed '{' in signing template \(text.debugDescription)")
                }
                if !literal.isEmpty { parts.append(.literal(literal)) }
                literal = ""
                parts.append(.placeholder(try Self.placeholder(String(text[next..<close]), in: text)))
                index = text.index(after: close)
            } else if char == "}" {
                throw SigningError("unmatched '}' in signing template \(text.debugDescription); write '}}' for a brace")
            } else {
                literal.append(char)
                index = next
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.init(parts: parts, text: text)
    }

    public var description: String { text }

    /// Whether the template names `{secret}` itself.
    var mentionsSecret: Bool { parts.contains(.placeholder(.secret)) }

    private static func placeholder(_ name: String, in text: String) throws(SigningError) -> Placeholder {
        switch name {
        case "appKey": return .appKey
        case "timestamp": return .timestamp
        case "nonce": return .nonce
        case "method": return .method
        case "path": return .path
        case "query": return .query
        case "sortedParams": return .sortedParams
        case "bodyDigest": return .bodyDigest
        case "body": return .body
        case "secret": return .secret
        default:
            if name.hasPrefix("header:"), name.count > 7 { return .header(String(name.dropFirst(7))) }
            throw SigningError("unknown placeholder {\(name)} in signing template \(text.debugDescription); "
                + "known: " + placeholderNames.map { "{\($0)}" }.joined(separator: ", "))
        }
    }
}

/// A signing configuration that cannot work, such as a template with an unknown placeholder.
public struct SigningError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public var message: String

    /// An error saying `message`.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
