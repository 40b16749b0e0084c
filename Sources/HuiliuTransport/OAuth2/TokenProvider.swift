import HuiliuCore

/// Fetches OAuth 2.0 client-credentials tokens (RFC 6749 §4.4) and caches each until shortly
/// before it expires.
///
/// Concurrent callers share one fetch. On a 401, call ``refresh(replacing:)`` with the token that
/// was rejected: only the first such call fetches, the rest get the new token.
/// ```swift
/// let tokens = TokenProvider(client: client, configuration: .init(
///     tokenURL: "https://gov.example/oauth/token", clientID: id, clientSecret: secret))
/// request.headers["Authorization"] = try await tokens.token().authorization
/// ```
public actor TokenProvider {
    /// Where and how to ask for tokens.
    public struct Configuration: Sendable {
        /// The token endpoint.
        public var tokenURL: String
        /// The client identifier.
        public var clientID: String
        /// The client secret.
        public var clientSecret: String
        /// The requested scope, space-separated. The default is `nil`, none.
        public var scope: String?
        /// Further form fields, such as `audience`. The default is none.
        public var extraParameters: [String: String] = [:]
        /// Send the client credentials as HTTP Basic (RFC 6749 §2.3.1, the default) or, when
        /// `false`, as `client_id`/`client_secret` form fields.
        public var credentialsInHeader = true
        /// Stop using a token this long before it expires. The default is 60 seconds.
        public var refreshMargin: Duration = .seconds(60)
        /// The lifetime assumed when the server sends no `expires_in`. The default is 1 hour.
        public var defaultLifetime: Duration = .seconds(3600)
        /// Transfer options for the token request; `nil` uses the client's defaults.
        public var options: TransferOptions?

        /// A configuration for `clientID` at `tokenURL`.
        /// The `Authorization` value of the client credentials sent as HTTP Basic: each part
        /// form-encoded before they are joined (RFC 6749 §2.3.1).
        public var basicAuthorization: String {
            "Basic " + Base64.encode(Array((PercentEncoding.encode(clientID) + ":" + PercentEncoding.encode(clientSecret)).utf8))
        }

        public init(tokenURL: String, clientID: String, clientSecret: String, scope: String? = nil) {
            self.tokenURL = tokenURL
            self.clientID = clientID
            self.clientSecret = clientSecret
            self.scope = scope
        }
    }

    private let client: HTTPClient
    private let configuration: Configuration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let onRefresh: (@Sendable (AccessToken) -> Void)?
    private var cached: AccessToken?
    /// The token request in flight, with how many requests wait for it and how many of those
    /// were cancelled.
    private var inFlight: (task: Task<Result<AccessToken, TransportError>, Never>, waiting: Int, cancelled: Int)?

    /// A provider fetching through `client`.
    /// - Parameters:
    ///   - client: the HTTP client for token requests.
    ///   - configuration: the endpoint and credentials.
    ///   - now: the clock; injectable for tests. The default is `ContinuousClock.now`.
    ///   - onRefresh: called with every newly fetched token, for logging or metrics.
    public init(client: HTTPClient, configuration: Configuration,
                now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now },
                onRefresh: (@Sendable (AccessToken) -> Void)? = nil) {
        self.client = client
        self.configuration = configuration
        self.now = now
        self.onRefresh = onRefresh
    }

    /// A valid token: the cached one, or a freshly fetched one.
    public func token() async throws(TransportError) -> AccessToken {
        if let cached, now() < cached.refreshAt { return cached }
        return try await fetchShared()
    }

    /// A new token, unless the cached one already differs from `stale` (someone else refreshed).
    /// Pass `nil` to force a fetch.
    public func refresh(replacing stale: AccessToken?) async throws(TransportError) -> AccessToken {
        if let stale, let cached, cached.value != stale.value, now() < cached.refreshAt { return cached }
        cached = nil
        return try await fetchShared()
    }

    /// Forgets the cached token; the next ``token()`` fetches.
    public func invalidate() {
        cached = nil
    }

    private func fetchShared() async throws(TransportError) -> AccessToken {
        if let inFlight { return try await wait(for: inFlight.task).get() }
        let task = Task { await self.fetch() }
        inFlight = (task, 0, 0)
        let result = await wait(for: task)
        if inFlight?.task == task { inFlight = nil }
        if case .success(let token) = result {
            cached = token
            onRefresh?(token)
        }
        return try result.get()
    }

    /// The token request's result. The request is a task of its own, shared by every request
    /// waiting for a token, of any pipeline using this client: once all of them are cancelled
    /// (their runs stopped, as at a daemon's shutdown) it is given up, rather than waiting out a
    /// token endpoint that does not answer; while one still waits it goes on.
    private func wait(for task: Task<Result<AccessToken, TransportError>, Never>) async -> Result<AccessToken, TransportError> {
        if inFlight?.task == task { inFlight!.waiting += 1 }
        let result = await withTaskCancellationHandler { await task.value } onCancel: {
            Task { await self.waiterCancelled(task) }
        }
        if inFlight?.task == task { inFlight!.waiting -= 1 }
        return result
    }

    /// Counts a cancelled waiter of `task`; with every waiter cancelled, gives the request up and
    /// lets the next caller start another.
    private func waiterCancelled(_ task: Task<Result<AccessToken, TransportError>, Never>) {
        guard inFlight?.task == task else { return }
        inFlight!.cancelled += 1
        if inFlight!.cancelled >= inFlight!.waiting {
            task.cancel()
            inFlight = nil
        }
    }

    private func fetch() async -> Result<AccessToken, TransportError> {
        let c = configuration
        var form: [(String, String)] = [("grant_type", "client_credentials")]
        if let scope = c.scope { form.append(("scope", scope)) }
        for (name, value) in c.extraParameters.sorted(by: { $0.key < $1.key }) { form.append((name, value)) }
        var headers: HTTPHeaders = ["Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"]
        if c.credentialsInHeader {
            headers["Authorization"] = c.basicAuthorization
        } else {
            form += [("client_id", c.clientID), ("client_secret", c.clientSecret)]
        }
        let body = form.map { PercentEncoding.encode($0.0) + "=" + PercentEncoding.encode($0.1) }.joined(separator: "&")
        let request = HTTPRequest(method: .post, url: c.tokenURL, headers: headers, body: Array(body.utf8), options: c.options)
        let started = now()
        do {
            let response = try await client.execute(request)
            guard (200...299).contains(response.status) else {
                var error = response.head.statusError(bodyExcerpt: [])
                if let json = try? response.json(), let code = json["error"]?.stringValue {
                    error.message += ": \(code)" + (json["error_description"]?.stringValue.map { " (\($0))" } ?? "")
                }
                return .failure(error)
            }
            return parse(response, requestedAt: started)
        } catch {
            return .failure(error)
        }
    }

    private func parse(_ response: HTTPResponse, requestedAt started: ContinuousClock.Instant) -> Result<AccessToken, TransportError> {
        guard let json = try? response.json(), let value = json["access_token"]?.stringValue, !value.isEmpty else {
            return .failure(TransportError(.invalidResponse, url: configuration.tokenURL, message: "no access_token in the token response"))
        }
        // Some gateways send expires_in as a string; both forms count.
        let seconds = json["expires_in"]?.intValue ?? json["expires_in"]?.stringValue.flatMap { Int($0) }
        let lifetime = seconds.map { Duration.seconds($0) } ?? configuration.defaultLifetime
        // Measured from the request, not the response, so a slow server cannot stretch the lifetime.
        // A margin of at most half the lifetime: a 30 s token with the 60 s default would be
        // fetched again for every request, which token endpoints limit.
        let usable = max(.zero, lifetime - min(configuration.refreshMargin, lifetime / 2))
        return .success(AccessToken(value: value, type: json["token_type"]?.stringValue ?? "Bearer",
                                    refreshAt: started + usable, scope: json["scope"]?.stringValue))
    }
}
