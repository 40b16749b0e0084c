import CoreMetrics
import Foundation
import HuiliuCore
import HuiliuExpression
import HuiliuTransport
import Logging
import Synchronization

/// Sends a stream's requests with its error policy: a request budget, a circuit breaker per
/// host, credentials on every attempt, exponential back-off with jitter for connection
/// failures, timeouts, 408, 429 and 5xx (or as long as `Retry-After` asks), a token refresh
/// on 401, and the stream's rules mapping statuses and bodies to retry, ignore, fail or
/// success. Every retry is logged and counted; every request is timed.
struct UpstreamClient: Sendable {
    let connector: String
    let stream: String
    let client: HTTPClient
    let authenticator: Authenticator
    let policy: ErrorPolicy
    let format: ResponseDefinition.Format
    let rateLimit: (requests: Int, per: Duration)?
    let circuitBreaker: (failures: Int, coolDown: Duration)?
    let logger: Logger
    let exchanges: ExchangeLog?
    /// The connector's secret values (configuration and credentials): masked wherever a URL
    /// or an error could show them, whatever the query parameter or path segment is called.
    /// Only values of three characters or more: shorter ones would mask unrelated text.
    var secrets: [String] = []
    /// The OAuth2 access tokens requests carried: credentials too, for their lifetime, masked
    /// like the secrets (an API may quote the Authorization header it was sent in its error).
    let sentTokens = SentTokens()
    /// False when the answers are recordings (``RecordedTime``): waits are logged and counted, not slept.
    var waits = true

    /// A response that passed the error policy, with its decoded body.
    struct Outcome: Sendable {
        var response: HTTPResponse
        var body: Value
        /// A rule said to ignore it: no records, and paging stops.
        var ignored: Bool
    }

    /// Sends `request`, retrying as the policy allows; `context` is what rules see besides the response.
    func send(_ original: HTTPRequest, context: Value, decode: @Sendable (HTTPResponse) throws -> Value) async throws -> Outcome {
        let request = original
        var redirects = 0
        /// The request a redirect asked for, sent as it is: its URL is the one the answer gave
        /// (a signed query echoed back is not signed again).
        var redirected: HTTPRequest?
        let host = Self.host(of: request.url)
        let limiter = !waits ? nil : rateLimit.map { RateLimiter.shared("\(connector)@\(host)", requests: $0.requests, per: $0.per) }
        let breaker = circuitBreaker.map { CircuitBreaker.shared(host: host, failures: $0.failures, coolDown: $0.coolDown) }
        var attempt = 1
        var refreshedToken = false
        while true {
            try Task.checkCancellation()
            try breaker?.check()
            try await limiter?.acquire()
            let prepared: HTTPRequest
            let token: AccessToken?
            if let redirected {
                (prepared, token) = (redirected, nil)
            } else {
                do {
                    (prepared, token) = try await authenticator.authorize(request)
                } catch let error as TransportError {
                    // The OAuth2 token endpoint is as busy as the API behind it: the same retries.
                    if error.code == .cancelled { throw CancellationError() }
                    if error.isTransient && attempt < policy.attempts {
                        try await pause(attempt: &attempt, reason: "token request \(error.code)", url: request.url, retryAfter: nil)
                        continue
                    }
                    throw ManifestRuntimeError(scrub("\(connector)/\(stream): the access token request failed: \(error)"
                                                     + (attempt > 1 ? " (after \(attempt) attempts)" : "")))
                }
            }
            if let token { sentTokens.note(token.value) }
            // A signature is as good as the key for its moment: an answer that echoes the
            // request's headers must not show it.
            for name in authenticator.credentialNames {
                if let value = prepared.headers[name] ?? Self.queryValue(name, in: prepared.url), value.count >= 8 { sentTokens.note(value) }
            }
            if let exchanges, let token, exchanges.isNewToken(token.value), let (tokenRequest, tokenResponse) = authenticator.tokenExchange(token) {
                exchanges.append(stream: stream, request: tokenRequest, response: tokenResponse)
            }
            let started = ContinuousClock.now
            let result: Result<HTTPResponse, TransportError>
            do {
                result = .success(try await client.execute(prepared))
            } catch {
                result = .failure(error)
            }
            let elapsed = ContinuousClock.now - started
            switch result {
            case .failure(let error):
                record(status: "error", elapsed: elapsed)
                if error.code == .cancelled {
                    breaker?.recordAbandoned()
                    throw CancellationError()
                }
                breaker?.recordFailure()
                if error.isTransient && attempt < policy.attempts {
                    try await pause(attempt: &attempt, reason: "\(error.code)", url: request.url, retryAfter: nil)
                    continue
                }
                if error.code == .bodyTooLarge {
                    // A page is held whole to be read: a larger one is the upstream's to split.
                    throw ManifestRuntimeError(scrub("""
                        \(connector)/\(stream): the answer from \(redact(request.url)) is larger than a page may be \
                        (\((prepared.options ?? TransferOptions()).maximumBodySize >> 20) MiB, held whole to be read): ask for smaller pages (`paginate` with a \
                        smaller size) or narrower slices (`incremental.step`)
                        """))
                }
                throw ManifestRuntimeError(scrub("\(connector)/\(stream): \(error)" + (attempt > 1 ? " (after \(attempt) attempts)" : "")))
            case .success(let response):
                record(status: String(response.status), elapsed: elapsed)
                if [301, 302, 303, 307, 308].contains(response.status), let location = response.headers["Location"] {
                    // Followed here, within the origin: the request's headers and signed query
                    // would otherwise go with it to any host the answer names. The host answered,
                    // which a circuit breaker trial counts as a success.
                    breaker?.recordSuccess()
                    let target = try RequestBuilder.resolve(location, against: prepared.url)
                    guard Self.origin(of: target) == Self.origin(of: prepared.url) else {
                        throw ManifestRuntimeError(scrub("""
                            \(connector)/\(stream): \(redact(request.url)) redirects to \(redact(target)), another host or scheme: \
                            not followed, as the request's credentials would go with it (set base_url to where the data is)
                            """))
                    }
                    guard redirects < 5 else {
                        throw ManifestRuntimeError("\(connector)/\(stream): more than 5 redirects from \(redact(original.url))")
                    }
                    redirects += 1
                    var next = prepared
                    next.url = target
                    // As libcurl and browsers do: a POST redirected by 301, 302 or 303 becomes a GET.
                    if response.status == 303 || (next.method == .post && response.status <= 302) {
                        next.method = .get
                        next.body = nil
                    }
                    redirected = next
                    continue
                }
                if logger.logLevel <= .debug {
                    // Never headers or bodies: they carry credentials and signatures.
                    logger.debug("upstream request", metadata: metadata(request.url, [
                        "method": .string(request.method.rawValue), "status": "\(response.status)",
                        "ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)",
                    ]))
                }
                exchanges?.append(stream: stream, request: prepared, response: response)
                // The host answered: a 429 or 5xx counts against it, anything else for it,
                // whatever the rules then make of the answer.
                if Self.isTransient(response.status) { breaker?.recordFailure() } else { breaker?.recordSuccess() }
                let body: Value
                var decodeFailure: (any Error)?
                var fault: SOAPFault?
                do {
                    body = try decode(response)
                } catch let soapFault as SOAPFault {
                    // A SOAP server reports every error, busy ones too, as a Fault with HTTP 500:
                    // the rules and the retry policy judge it like any other answer.
                    fault = soapFault
                    body = soapFault.value
                } catch {
                    // An answer the stream's decoding refuses may still be JSON the rules can read:
                    // an error a gateway sends in plain text where answers are encrypted
                    // (`{"code":"4013","msg":"signature mismatch"}`), or the plain envelope around a
                    // payload the key did not decrypt. As text, the rules saw no code and no message.
                    body = (try? JSONReader.parse(response.body)) ?? .string(String(decoding: response.body.prefix(2048), as: UTF8.self))
                    decodeFailure = error
                }
                switch decide(response, body: body, context: context, fault: fault) {
                case .success:
                    if fault != nil { throw failure(response, body: body, context: context, message: nil, fault: fault) }
                    if let decodeFailure {
                        // A login page answered with 200 is the usual cause; the parser's position alone does not say so.
                        let html = answerExcerpt(response, body: body).flatMap { $0.hasPrefix("an HTML page") ? " (the answer is \($0))" : nil } ?? ""
                        throw ManifestRuntimeError(scrub("\(connector)/\(stream): \(redact(request.url)): \(decodeFailure)\(html)"))
                    }
                    return Outcome(response: response, body: body, ignored: false)
                case .ignore:
                    logger.debug("upstream response ignored by rule", metadata: metadata(request.url, ["status": "\(response.status)"]))
                    return Outcome(response: response, body: body, ignored: true)
                case .refresh where !refreshedToken:
                    refreshedToken = true
                    let refreshed: Bool
                    do {
                        refreshed = try await authenticator.refresh(replacing: token)
                    } catch let error as TransportError {
                        if error.code == .cancelled { throw CancellationError() }
                        throw ManifestRuntimeError(scrub("\(connector)/\(stream): the access token was rejected and a new one could not be had: \(error)"))
                    }
                    if refreshed {
                        logger.info("access token rejected; fetched a new one", metadata: metadata(request.url, [:]))
                        redirected = nil  // authorized again from the start, with the new token
                        continue
                    }
                    throw failure(response, body: body, context: context, message: nil, fault: fault)
                case .refresh:
                    throw failure(response, body: body, context: context, message: nil, fault: fault)
                case .retry(let message):
                    guard attempt < policy.attempts else {
                        throw failure(response, body: body, context: context, message: message, attempts: attempt, fault: fault)
                    }
                    let retryAfter = policy.honoursRetryAfter ? response.headers["Retry-After"].flatMap { RetryAfter.parse($0) } : nil
                    if let retryAfter, retryAfter > policy.maxRetryAfter {
                        throw ManifestRuntimeError("\(connector)/\(stream): HTTP \(response.status) with Retry-After \(retryAfter.components.seconds)s, more than errors.max_retry_after allows")
                    }
                    try await pause(attempt: &attempt, reason: "status \(response.status)", url: request.url, retryAfter: retryAfter)
                case .fail(let message):
                    throw failure(response, body: body, context: context, message: message, fault: fault)
                }
            }
        }
    }

    enum Action {
        case success, ignore, refresh
        /// With the rule's message, for the error once the attempts are spent.
        case retry(Template?)
        case fail(Template?)
    }

    /// The first matching rule's action, or the default for the status. A rule that names no
    /// status leaves 408, 429 and 5xx to the retry policy: a body condition such as
    /// `body.code != 0` also matches a proxy's error page or a 429, which are worth retrying.
    func decide(_ response: HTTPResponse, body: Value, context: Value, fault: SOAPFault? = nil) -> Action {
        if !policy.rules.isEmpty {
            let view = responseContext(response, body: body, context: context)
            for rule in policy.rules {
                if rule.statuses.isEmpty ? Self.isRetriedByDefault(response.status)
                    : !rule.statuses.contains(response.status) { continue }
                if let when = rule.when, !((try? when.evaluate(view))?.isTruthy ?? false) { continue }
                switch rule.action {
                case .retry: return .retry(rule.message)
                case .ignore: return .ignore
                case .success: return .success
                case .fail: return .fail(rule.message)
                }
            }
        }
        switch response.status {
        case 200...299: return .success
        case 401: return .refresh
        case _ where Self.isRetriedByDefault(response.status): return fault?.blamesTheRequest == true ? .fail(nil) : .retry(nil)
        default: return .fail(nil)
        }
    }

    /// What response expressions see: the request context plus `status`, `headers` (lower-case names) and `body`.
    func responseContext(_ response: HTTPResponse, body: Value, context: Value) -> Value {
        var object = context.objectValue ?? Object()
        object["status"] = .integer(response.status)
        var headers = Object()
        for field in response.headers where headers[field.name.lowercased()] == nil {
            headers[field.name.lowercased()] = .string(field.value)
        }
        object["headers"] = .object(headers)
        object["body"] = body
        return .object(object)
    }

    private func failure(_ response: HTTPResponse, body: Value, context: Value, message: Template?, attempts: Int = 1,
                         fault: SOAPFault? = nil) -> ManifestRuntimeError {
        var text = "\(connector)/\(stream): HTTP \(response.status) from \(redact(response.url))"
        if let message, let rendered = try? message.string(responseContext(response, body: body, context: context)) {
            text += ": " + rendered
        } else if let fault {
            text += ": \(fault)"
        } else if let answer = answerExcerpt(response, body: body) {
            text += ": " + answer
        }
        if attempts > 1 { text += " (after \(attempts) attempts)" }
        return ManifestRuntimeError(scrub(text))
    }

    /// What an error answer says, shortened for a message: it often tells a wrong key from a
    /// wrong path (`{"code":401,"msg":"token expired"}`), or a login page from the API.
    func answerExcerpt(_ response: HTTPResponse, body: Value) -> String? {
        let text: String
        switch body {
        case .null: return nil
        case .string(let raw): text = scrub(raw)  // before it is cut, or a secret at the cut shows in part
        default: return HTTPStreamRuntime.excerpt(body, masking: scrub)
        }
        let type = response.headers["Content-Type"]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        if type == "text/html" || text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased().hasPrefix("<!doctype html") {
            if let open = text.range(of: "<title>", options: .caseInsensitive),
               let close = text.range(of: "</title>", options: .caseInsensitive, range: open.upperBound..<text.endIndex) {
                return "an HTML page titled '\(text[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines))'"
            }
            return "an HTML page"
        }
        let line = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        if line.isEmpty { return nil }
        return line.count > 200 ? String(line.prefix(200)) + "…" : line
    }

    private func pause(attempt: inout Int, reason: String, url: String, retryAfter: Duration?) async throws {
        let delay: Duration
        if let retryAfter {
            delay = retryAfter
        } else {
            var base = policy.initialDelay * pow(policy.multiplier, Double(attempt - 1))
            if base > policy.maxDelay { base = policy.maxDelay }
            let spread = policy.jitter * (Double.random(in: -1...1))
            delay = base * max(0, 1 + spread)
        }
        Counter(label: "huiliu_upstream_retries_total",
                dimensions: [("connector", connector), ("stream", stream), ("reason", Self.reasonLabel(reason))]).increment()
        logger.warning("retrying upstream request", metadata: metadata(url, [
            "attempt": "\(attempt + 1)/\(policy.attempts)", "reason": .string(reason),
            "delay_ms": "\(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)",
        ]))
        if waits { try await Task.sleep(for: delay) }
        attempt += 1
    }

    private func record(status: String, elapsed: Duration) {
        let dimensions = [("connector", connector), ("stream", stream), ("status", status)]
        Counter(label: "huiliu_upstream_requests_total", dimensions: dimensions).increment()
        CoreMetrics.Timer(label: "huiliu_upstream_request_duration_seconds", dimensions: dimensions)
            .recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }

    private func metadata(_ url: String, _ extra: Logger.Metadata) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["connector": .string(connector), "stream": .string(stream), "url": .string(redact(url))]
        for (key, value) in extra { metadata[key] = value }
        return metadata
    }

    /// `url` with credentials in user info, secret-named query parameters and the connector's
    /// secret values masked.
    func redact(_ url: String) -> String {
        // Values first: a secret with an '@' in user info would otherwise be cut by the redaction and missed.
        URLRedactor.redact(scrub(url), alsoSecret: authenticator.credentialNames)
    }

    /// `text` with every secret value masked, as written and percent-encoded.
    func scrub(_ text: String) -> String {
        let tokens = sentTokens.all
        return text.maskingSecrets(tokens.isEmpty ? secrets : secrets + tokens, with: URLRedactor.mask)
    }

    /// The decoded value of query parameter `name` (compared case-insensitively) in `url`.
    static func queryValue(_ name: String, in url: String) -> String? {
        guard let question = url.firstIndex(of: "?") else { return nil }
        let query = url[url.index(after: question)...].prefix { $0 != "#" }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == name else { continue }
            return parts[1].removingPercentEncoding ?? String(parts[1])
        }
        return nil
    }

    /// 429 and 5xx: the host is overloaded or failing.
    static func isTransient(_ status: Int) -> Bool {
        status == 429 || (500...599).contains(status)
    }

    /// What is retried unless a rule names the status: timeouts (408) and ``isTransient(_:)``.
    static func isRetriedByDefault(_ status: Int) -> Bool {
        status == 408 || isTransient(status)
    }

    /// A bounded label for the retries counter: `status 503`, `timed out`, `connection failed`.
    static func reasonLabel(_ reason: String) -> String {
        reason.replacingOccurrences(of: " ", with: "_")
    }

    /// `scheme://host:port` of `url`, lower-cased, without a scheme's default port: a link that
    /// writes `:443` out is on the same origin as one that does not.
    static func origin(of url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url.lowercased() }
        let name = url[..<scheme.lowerBound].lowercased()
        var authority = host(of: url).lowercased()
        if (name == "http" && authority.hasSuffix(":80")) || (name == "https" && authority.hasSuffix(":443")) {
            authority = String(authority[..<authority.lastIndex(of: ":")!])
        }
        return name + "://" + authority
    }

    static func host(of url: String) -> String {
        guard let start = url.range(of: "://")?.upperBound else { return url }
        let rest = url[start...]
        let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<end]
        return String(authority.split(separator: "@").last ?? authority)
    }
}

extension Value {
    /// JMESPath truthiness: false, null, empty strings, arrays and objects are false.
    var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let b): return b
        case .string(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        case .object(let o): return !o.isEmpty
        default: return true
        }
    }
}

/// The last few access tokens a stream's requests carried.
final class SentTokens: Sendable {
    private let values = Mutex<[String]>([])

    /// Remembers `token` (a refresh replaces the oldest of the few kept).
    func note(_ token: String) {
        guard token.count >= 3 else { return }
        values.withLock { tokens in
            guard !tokens.contains(token) else { return }
            tokens.append(token)
            if tokens.count > 4 { tokens.removeFirst() }
        }
    }

    var all: [String] { values.withLock { $0 } }
}
