import Foundation
public import HuiliuCore
import HuiliuKit

/// Makes recorded exchanges safe to commit: credentials, signatures, timestamps and nonces
/// never reach a fixture, and links to the recording host are made relative to the replay
/// server.
///
/// - Headers and query parameters named in ``volatileNames`` (the ones authentication sets)
///   are dropped from request headers and replaced by `<volatile>` in queries.
/// - Every secret value (the gateway's secrets and the rendered credentials) is replaced by
///   `<secret>` wherever it appears, request and response alike.
/// - OAuth2 token responses keep their shape with `<access-token>` in place of the token.
public struct FixtureScrubber: Sendable {
    /// Secret values, longest first.
    public let secrets: [String]
    /// Lower-case names of credential-carrying or per-attempt headers and parameters.
    public let volatileNames: Set<String>
    /// The recording host's origin (`http://127.0.0.1:8480`), rewritten to ``FixtureExchange/origin``.
    public let origin: String?

    /// Request headers that describe the request and carry nothing secret.
    static let keptRequestHeaders: Set<String> = ["accept", "content-type", "soapaction"]
    /// JSON members whose values are always scrubbed in responses.
    static let tokenMembers: Set<String> = ["access_token", "refresh_token", "id_token", "token"]

    /// A scrubber for these secrets and names.
    public init(secrets: some Sequence<String>, volatileNames: Set<String>, origin: String?) {
        self.secrets = String.maskable(secrets)
        self.volatileNames = Set(volatileNames.map { $0.lowercased() }).union(["authorization"])
        self.origin = origin
    }

    /// `text` with every secret value replaced.
    public func scrub(_ text: String) -> String {
        text.maskingSecrets(secrets, with: "<secret>")
    }

    /// A recorded exchange in storable form.
    public func exchange(stream: String, method: String, url: String, headers: [(String, String)], body: [UInt8],
                         status: Int, responseHeaders: [(String, String)], responseBody: [UInt8]) -> FixtureExchange {
        var path = url
        var query: [(String, String)] = []
        if let scheme = url.range(of: "://") {
            let rest = url[scheme.upperBound...]
            path = String(rest[(rest.firstIndex(of: "/") ?? rest.endIndex)...])
        }
        if let question = path.firstIndex(of: "?") {
            query = FixtureExchange.decodeQuery(path[path.index(after: question)...])
            path = String(path[..<question])
        }
        path = scrub(path)
        query = query.map { volatileNames.contains($0.0.lowercased()) ? ($0.0, "<volatile>") : ($0.0, scrub($0.1)) }
        let keptHeaders = headers.filter { Self.keptRequestHeaders.contains($0.0.lowercased()) && !volatileNames.contains($0.0.lowercased()) }
            .map { ($0.0, scrub($0.1)) }
        let kept = responseHeaders.filter { !["content-length", "date", "server", "connection", "set-cookie", "transfer-encoding"].contains($0.0.lowercased()) }
            .map { ($0.0, relink(scrub($0.1))) }
        return FixtureExchange(stream: stream, method: method, path: path.isEmpty ? "/" : path, query: query, headers: keptHeaders,
                               body: scrub(String(decoding: body, as: UTF8.self)), status: status, responseHeaders: kept,
                               responseBody: scrubBody(responseBody))
    }

    /// The match key an incoming replayed request gets, scrubbed the same way.
    public func matchKey(method: String, path: String, rawQuery: String, body: [UInt8]) -> String {
        let query = FixtureExchange.decodeQuery(Substring(rawQuery)).map { ($0.0, scrub($0.1)) }
        return FixtureExchange.matchKey(method: method, path: scrub(path), query: query, body: scrub(String(decoding: body, as: UTF8.self)),
                                        ignoring: volatileNames)
    }

    private func relink(_ text: String) -> String {
        guard let origin, !origin.isEmpty else { return text }
        return text.replacingOccurrences(of: origin, with: FixtureExchange.origin)
    }

    private func scrubBody(_ body: [UInt8]) -> [UInt8] {
        guard let text = String(validating: body, as: UTF8.self) else { return body }
        if var json = try? JSONReader.parse(body), case .object(let object) = json,
           object.contains(where: { Self.tokenMembers.contains($0.key) && $0.value.stringValue != nil }) {
            for (key, value) in object where Self.tokenMembers.contains(key) && value.stringValue != nil {
                json[key] = "<access-token>"
            }
            return Array(relink(scrub(json.jsonText)).utf8)
        }
        return Array(relink(scrub(text)).utf8)
    }
}

extension String {
    /// The secrets worth masking, each once, longest first so one that holds another is masked
    /// whole: a value shorter than three characters would mask ordinary text.
    static func maskable(_ secrets: some Sequence<String>) -> [String] {
        Set(secrets).filter { $0.count >= 3 }.sorted { $0.count > $1.count }
    }

    /// This text with each of `secrets` replaced by `mask` in each of its ``SecretForms``: as
    /// written, percent-encoded as a request path or query carries it, and escaped as a JSON or
    /// XML answer quotes it back.
    func maskingSecrets(_ secrets: [String], with mask: String) -> String {
        var text = self
        for secret in secrets {
            for form in SecretForms.of(secret) where text.contains(form) {
                text = text.replacingOccurrences(of: form, with: mask)
            }
        }
        return text
    }
}
