/// Removes credentials from URLs before they reach errors and logs.
///
/// `https://bob:pw@gov.example/api?appKey=k&sign=abc` becomes
/// `https://***@gov.example/api?appKey=k&sign=***`.
public enum URLRedactor {
    /// What replaces a redacted part.
    public static let mask = "***"

    /// Query parameter names whose values are always redacted, compared lowercased with `_`
    /// and `-` removed. Names containing `secret`, `token`, `password` or `signature` are
    /// redacted as well.
    public static let secretParameterNames: Set<String> = [
        "sign", "sig", "signature", "token", "accesstoken", "refreshtoken", "idtoken", "appsecret",
        "clientsecret", "secret", "password", "passwd", "pwd", "key", "apikey", "appkeysecret",
        "accesskey", "secretkey", "auth", "authorization", "credential", "credentials", "ticket",
        "sessionid",
    ]

    private static let secretFragments = ["secret", "token", "password", "signature"]

    /// `url` redacted (user information and all), and with its query replaced by `?…`: for logs
    /// written where which parameters are secret is not known.
    public static func withoutQuery(_ url: String) -> String {
        let redacted = redact(url)
        guard let query = redacted.firstIndex(of: "?") else { return redacted }
        return String(redacted[..<query]) + "?…"
    }

    /// The user info of `url`'s authority (`user:password` of `https://user:password@host/`),
    /// as written; `nil` when it has none.
    public static func userinfo(of url: String) -> Substring? {
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else { return nil }
        let authority = url[url.index(colon, offsetBy: 3)...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return authority.lastIndex(of: "@").map { authority[..<$0] }
    }

    /// `url` with user info replaced by ``mask`` and secret query values masked: those of
    /// ``isSecret(name:)`` and those named in `alsoSecret` (lower-case; a signing scheme's own name).
    public static func redact(_ url: String, alsoSecret: Set<String> = []) -> String {
        var text = Substring(url)
        var result = ""
        result.reserveCapacity(url.utf8.count)
        if let colon = text.firstIndex(of: ":"), text[colon...].hasPrefix("://") {
            let afterScheme = text.index(colon, offsetBy: 3)
            result += text[..<afterScheme]
            text = text[afterScheme...]
            let authorityEnd = text.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? text.endIndex
            let authority = text[..<authorityEnd]
            if let at = authority.lastIndex(of: "@") {
                result += mask + authority[at...]
            } else {
                result += authority
            }
            text = text[authorityEnd...]
        }
        guard let questionMark = text.firstIndex(of: "?") else { return result + text }
        result += text[...questionMark]
        let queryAndFragment = text[text.index(after: questionMark)...]
        let fragmentStart = queryAndFragment.firstIndex(of: "#") ?? queryAndFragment.endIndex
        let query = queryAndFragment[..<fragmentStart]
        let pairs = query.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            guard let equals = pair.firstIndex(of: "=") else { return String(pair) }
            let name = pair[..<equals]
            return isSecret(name: String(name)) || alsoSecret.contains(name.lowercased()) ? name + "=" + mask : String(pair)
        }
        result += pairs.joined(separator: "&")
        result += queryAndFragment[fragmentStart...]
        return result
    }

    /// Whether a parameter or header named `name` carries a secret.
    public static func isSecret(name: String) -> Bool {
        let decoded = PercentEncoding.decode(Substring(name), plusAsSpace: false) ?? name
        let folded = String(decoded.lowercased().filter { $0 != "_" && $0 != "-" })
        if secretParameterNames.contains(folded) { return true }
        return secretFragments.contains { folded.contains($0) }
    }
}
