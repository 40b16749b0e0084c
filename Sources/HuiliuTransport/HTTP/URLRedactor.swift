import HuiliuCore

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

    /// `url` with the secret values in its user info percent-encoded: a password holding `@`,
    /// `/`, `?` or `#` written into a URL as it is would end the user info early, send the rest
    /// of it to DNS as a host name, and show it in every error about that host.
    public static func encodingUserinfo(_ url: String, secrets: [String]) -> String {
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://"), let lastAt = url.lastIndex(of: "@") else { return url }
        let afterScheme = url.index(colon, offsetBy: 3)
        guard afterScheme < lastAt else { return url }
        var userinfo = String(url[afterScheme..<lastAt])
        for secret in secrets.sorted(by: { $0.count > $1.count }) where secret.count >= 3 && userinfo.contains(secret) {
            // Only what would end the user info early (and a space, no URL's): `:` of a whole
            // `user:password` secret and the `%` of one already encoded keep their meaning.
            var encoded = ""
            for character in secret {
                switch character {
                case "@": encoded += "%40"
                case "/": encoded += "%2F"
                case "?": encoded += "%3F"
                case "#": encoded += "%23"
                case " ": encoded += "%20"
                default: encoded.append(character)
                }
            }
            if encoded != secret { userinfo = userinfo.replacing(secret, with: encoded) }
        }
        return String(url[..<afterScheme]) + userinfo + url[lastAt...]
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
            var authorityEnd = text.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? text.endIndex
            let authority = text[..<authorityEnd]
            // `user:pass/w0rd@host`: a `user:` before the first '/' and an '@' after it is user info
            // cut short by a password written in as it is. A port with an '@' in the path after it
            // (`host:8080/a@b`) is masked too: too little shown, never a secret.
            if !authority.contains("@"), authority.contains(":"), let last = text.lastIndex(of: "@"), last > authorityEnd {
                authorityEnd = text[last...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? text.endIndex
                result += mask + text[last..<authorityEnd]
            } else if let at = authority.lastIndex(of: "@") {
                // User info with an '@', '/', '?' or '#' not encoded (a password written in as it
                // is) runs on past the first of those: everything up to the last '@' is masked.
                // A path or query with an '@' of its own is masked too; that shows too little, never a secret.
                var end = at
                if let last = text.lastIndex(of: "@"), last > at {
                    end = last
                    authorityEnd = text[last...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? text.endIndex
                }
                result += mask + text[end..<authorityEnd]
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
