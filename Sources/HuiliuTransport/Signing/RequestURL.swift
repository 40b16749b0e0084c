/// The parts of a URL that signing needs, split without normalising anything.
struct RequestURL {
    /// The path as written (still percent-encoded).
    var path: Substring = ""
    /// The raw query, without `?` and fragment.
    var query: Substring = ""

    init(_ url: String) {
        var rest = Substring(url)
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        if let scheme = rest.firstIndex(of: ":"), rest[scheme...].hasPrefix("://") {
            rest = rest[rest.index(scheme, offsetBy: 3)...]
            rest = rest[(rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex)...]
        }
        if let question = rest.firstIndex(of: "?") {
            path = rest[..<question]
            query = rest[rest.index(after: question)...]
        } else {
            path = rest
        }
    }

    /// The query's parameters, decoded, in order.
    var queryParameters: [(String, String)] {
        Self.parameters(query)
    }

    /// `a=1&b=x%20y` as decoded pairs; `+` is a space, as in HTML forms and servlet containers.
    static func parameters(_ text: Substring) -> [(String, String)] {
        text.split(separator: "&").map { pair in
            let name: Substring, value: Substring
            if let equals = pair.firstIndex(of: "=") {
                name = pair[..<equals]
                value = pair[pair.index(after: equals)...]
            } else {
                name = pair[...]
                value = ""
            }
            return (PercentEncoding.decode(name, plusAsSpace: true) ?? String(name),
                    PercentEncoding.decode(value, plusAsSpace: true) ?? String(value))
        }
    }

    /// `url` with `parameters` percent-encoded and appended to its query, before any fragment.
    static func appendingQuery(_ parameters: [(String, String)], to url: String) -> String {
        guard !parameters.isEmpty else { return url }
        var base = Substring(url)
        var fragment: Substring = ""
        if let hash = base.firstIndex(of: "#") {
            fragment = base[hash...]
            base = base[..<hash]
        }
        let separator = base.contains("?") ? (base.hasSuffix("?") || base.hasSuffix("&") ? "" : "&") : "?"
        let added = parameters.map { "\(PercentEncoding.encode($0.0))=\(PercentEncoding.encode($0.1))" }.joined(separator: "&")
        return base + separator + added + fragment
    }
}
