import HuiliuCore
import HuiliuTransport
import Synchronization

/// Adds a stream's credentials to each attempt of a request: an API key, basic
/// credentials, a bearer token, an OAuth2 access token (cached per client and refreshed
/// on 401), or a signature over a canonical string with a fresh timestamp and nonce.
///
/// Credentials are rendered once, from the connector's configuration.
struct Authenticator: Sendable {
    enum Mode: Sendable {
        case none
        case apiKey(name: String, inQuery: Bool, value: String)
        case basic(BasicCredentials)
        case bearer(String)
        case oauth2(TokenProvider, TokenProvider.Configuration)
        case signature(RequestSigner)
    }

    let mode: Mode

    /// The credentials of `definition`, rendered against `context` (which holds `config`).
    /// `tls` is the stream's `request.tls`, which token requests use too (a private CA, a client certificate).
    init(_ definition: AuthDefinition, context: Value, client: HTTPClient, proxy: Proxy = .direct, tls: TLSOptions = TLSOptions(),
         clock: @escaping @Sendable () -> Int64) throws {
        func render(_ template: Template) throws -> String {
            guard let text = try template.string(context), !text.isEmpty else {
                throw ManifestRuntimeError("auth template '\(template.text)' gave nothing; is the configuration field set?")
            }
            return text
        }
        switch definition {
        case .none:
            mode = .none
        case .apiKey(let name, let inQuery, let value, let prefix):
            mode = .apiKey(name: name, inQuery: inQuery, value: prefix + (try render(value)))
        case .basic(let username, let password):
            mode = .basic(BasicCredentials(username: try render(username), password: try render(password)))
        case .bearer(let token):
            mode = .bearer(try render(token))
        case .oauth2(let oauth):
            var configuration = TokenProvider.Configuration(tokenURL: try render(oauth.tokenURL), clientID: try render(oauth.clientID),
                                                            clientSecret: try render(oauth.clientSecret),
                                                            scope: try oauth.scope?.string(context))
            configuration.credentialsInHeader = oauth.credentialsInHeader
            configuration.refreshMargin = oauth.refreshMargin
            var options = TransferOptions()
            options.proxy = proxy
            options.tls = tls
            configuration.options = options
            mode = .oauth2(TokenCache.provider(configuration, client: client), configuration)
        case .signature(let signature):
            var signer = RequestSigner(appKey: try render(signature.appKey), secret: try render(signature.secret))
            signer.algorithm = signature.algorithm
            signer.template = signature.template
            signer.bodyDigest = signature.bodyDigest
            signer.encoding = signature.encoding
            signer.timestampFormat = signature.timestamp
            signer.location = signature.location
            signer.names = signature.names
            signer.valueEncoding = signature.valueEncoding
            signer.omitsEmptyValues = signature.omitsEmptyValues
            signer.secretPlacement = signature.secretPlacement
            for (name, template) in signature.extra { signer.extraParameters[name] = try template.string(context) ?? "" }
            signer.clock = clock
            mode = .signature(signer)
        }
    }

    /// `request` with credentials; returns the OAuth2 token used, for refresh on 401.
    func authorize(_ request: HTTPRequest) async throws -> (HTTPRequest, AccessToken?) {
        var request = request
        switch mode {
        case .none:
            return (request, nil)
        case .apiKey(let name, let inQuery, let value):
            if inQuery {
                request.url += (request.url.contains("?") ? "&" : "?") + FormEncoding.encode([(name, value)])
            } else {
                request.headers.replaceOrAdd(name: name, value: value)
            }
            return (request, nil)
        case .basic(let credentials):
            var options = request.options ?? TransferOptions()
            options.basicAuth = credentials
            request.options = options
            return (request, nil)
        case .bearer(let token):
            request.headers["Authorization"] = "Bearer " + token
            return (request, nil)
        case .oauth2(let provider, _):
            let token = try await provider.token()
            request.headers["Authorization"] = token.authorization
            return (request, token)
        case .signature(let signer):
            return (signer.sign(request), nil)
        }
    }

    /// After a 401: a new token if this stream uses OAuth2; false when there is nothing to refresh.
    func refresh(replacing stale: AccessToken?) async throws -> Bool {
        guard case .oauth2(let provider, _) = mode else { return false }
        _ = try await provider.refresh(replacing: stale)
        return true
    }

    /// The token request an OAuth2 token came from, as the token provider sent it, with the
    /// token in its response: recordings need it, and the provider's own client is not observed.
    func tokenExchange(_ token: AccessToken) -> (HTTPRequest, HTTPResponse)? {
        guard case .oauth2(_, let c) = mode else { return nil }
        var form: [(String, String)] = [("grant_type", "client_credentials")]
        if let scope = c.scope { form.append(("scope", scope)) }
        for (name, value) in c.extraParameters.sorted(by: { $0.key < $1.key }) { form.append((name, value)) }
        var headers: HTTPHeaders = ["Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"]
        if c.credentialsInHeader {
            headers["Authorization"] = c.basicAuthorization
        } else {
            form += [("client_id", c.clientID), ("client_secret", c.clientSecret)]
        }
        let request = HTTPRequest(method: .post, url: c.tokenURL, headers: headers, body: Array(FormEncoding.encode(form).utf8))
        let body: Value = ["access_token": .string(token.value), "token_type": .string(token.type), "expires_in": 3600]
        let response = HTTPResponse(head: HTTPResponseHead(status: 200, headers: ["Content-Type": "application/json"], url: c.tokenURL),
                                    body: Array(body.jsonText.utf8))
        return (request, response)
    }

    /// Names of headers and query parameters whose values are credentials or vary per attempt.
    var volatileNames: Set<String> {
        switch mode {
        case .none, .basic: return ["authorization"]
        case .apiKey(let name, _, _): return [name.lowercased(), "authorization"]
        case .bearer, .oauth2: return ["authorization"]
        case .signature(let signer):
            var names: Set<String> = ["authorization"]
            for name in [signer.names.appKey, signer.names.timestamp, signer.names.nonce, signer.names.signature] where !name.isEmpty {
                names.insert(name.lowercased())
            }
            return names
        }
    }

    /// Lower-case names of the headers and query parameters that carry a credential itself
    /// (not a timestamp or nonce): their values are masked in messages, whatever they are named.
    var credentialNames: Set<String> {
        switch mode {
        case .apiKey(let name, _, _): return [name.lowercased()]
        case .signature(let signer): return signer.names.signature.isEmpty ? [] : [signer.names.signature.lowercased()]
        case .none, .basic, .bearer, .oauth2: return []
        }
    }

    /// Secret values the rendered credentials hold, for scrubbing recordings.
    var secretValues: [String] {
        switch mode {
        case .none: return []
        case .apiKey(_, _, let value): return [value]
        // An upstream that echoes the request's headers quotes Basic credentials base64-encoded.
        case .basic(let credentials):
            return [credentials.password, Base64.encode(Array("\(credentials.username):\(credentials.password)".utf8))]
        case .bearer(let token): return [token]
        case .oauth2(_, let c): return c.credentialsInHeader ? [String(c.basicAuthorization.dropFirst("Basic ".count))] : []
        case .signature(let signer): return [signer.secret]
        }
    }
}

/// OAuth2 token providers shared by every stream and pipeline that uses the same client at
/// the same endpoint, so a scheduled sync reuses a still-valid token.
enum TokenCache {
    private static let providers = Mutex<[String: TokenProvider]>([:])

    static func provider(_ configuration: TokenProvider.Configuration, client: HTTPClient) -> TokenProvider {
        let key = [configuration.tokenURL, configuration.clientID, Digest.sha256.hex(configuration.clientSecret),
                   configuration.scope ?? ""].joined(separator: "\u{0}")
        return providers.withLock { table in
            if let existing = table[key] { return existing }
            let provider = TokenProvider(client: client, configuration: configuration)
            table[key] = provider
            return provider
        }
    }
}
