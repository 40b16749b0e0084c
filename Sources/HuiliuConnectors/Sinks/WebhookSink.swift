import Foundation
public import HuiliuCore
public import HuiliuKit
import HuiliuTransport

/// POSTs envelopes to an HTTP endpoint as CloudEvents (the HTTP protocol binding's
/// structured or batched JSON), retrying what may pass later, in order.
///
/// Event ids are deterministic, so a batch re-sent after a crash or a retry carries the same
/// ids. An id names an entity, not one state of it (a later state comes under the same id),
/// so a receiver that keeps the latest event per id stays exact.
public final class WebhookSink: SinkConnector, @unchecked Sendable {
    static let url = Field<String>("url", .string, "The endpoint; http:// or https://.", example: "https://platform.example/api/events")
    static let mode = Field<String>("mode", .oneOf(["cloudevents-batch", "cloudevents"]),
                                    "`cloudevents-batch`: one request per `batch_size` events, a JSON array (application/cloudevents-batch+json); `cloudevents`: one request per event (application/cloudevents+json).",
                                    default: "cloudevents-batch")
    static let batchSize = Field<Int>("batch_size", .integer, "Events per request in batch mode.", default: 500, range: 1...100_000)
    static let headers = Field<Value>("headers", .map(.string), "Extra request headers, such as `Authorization: Bearer ${secret:platform/token}` (secrets as references); their values never appear in errors.",
                                      default: [:], example: ["X-Source": "huiliu"])
    static let timeout = Field<Duration>("timeout", .duration, "Time allowed for one request.", default: "30s")
    static let retries = Field<Int>("retries", .integer, "Further attempts after a connection failure, a timeout, 408, 429 or 5xx; other answers fail at once.",
                                    default: 5, range: 0...100)
    static let retryDelay = Field<Duration>("retry_delay", .duration, "The first wait before retrying; it doubles each time, up to a minute, unless the answer's Retry-After says otherwise.",
                                            default: "1s", advanced: true)
    static let caFile = Field<String?>("ca_file", .path, "PEM file of the certificate authorities to trust instead of the system's.", advanced: true)
    static let certificate = Field<String?>("client_certificate", .path, "PEM client certificate, for endpoints that require mutual TLS.", advanced: true)
    static let key = Field<String?>("client_key", .path, "PEM private key of the client certificate.", advanced: true)

    public static let spec = ComponentSpec(
        name: "webhook", kind: .sink,
        summary: "POSTs envelopes to an HTTP endpoint as CloudEvents, batched or one by one, with retries.",
        details: """
            A batch is acknowledged (and the run's checkpoint may move) only when the endpoint answered 2xx \
            to every request of it; requests go one after another, in order. Connection failures, timeouts, \
            408, 429 and 5xx are retried with exponential backoff (honouring Retry-After); any other status \
            fails the run with the status and the start of the answer. The gateway's http.proxy applies.
            """,
        fields: [url.spec, mode.spec, batchSize.spec, headers.spec, timeout.spec, retries.spec, retryDelay.spec,
                 caFile.spec, certificate.spec, key.spec],
        shorthandField: "url")

    /// One client per process: its connection cache keeps the endpoint's connection alive.
    static let client = HTTPClient()

    let endpoint: String
    let batched: Bool
    let eventsPerRequest: Int
    let extraHeaders: [(String, String)]
    let options: TransferOptions
    let retries: Int
    let retryDelay: Duration
    let secrets: [String]

    public init(config: ParsedConfig, context: ConnectorContext) throws {
        // A password written into the URL's user info as it is, `@` or `/` in it, is encoded there.
        endpoint = URLRedactor.encodingUserinfo(try config[Self.url], secrets: SecretStore.filledInValues)
        guard endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://") else {
            throw config.error("url", "'url' must start with http:// or https://, got '\(URLRedactor.redact(endpoint))'")
        }
        batched = try config[Self.mode] == "cloudevents-batch"
        eventsPerRequest = batched ? try config[Self.batchSize] : 1
        extraHeaders = (config["headers"]?.objectValue ?? Object()).compactMap { name, value in value.stringValue.map { (name, $0) } }
        // Checked when the pipeline loads (lint too), not at the first delivery; the value, which
        // may hold a secret, is not shown.
        for (name, value) in extraHeaders where !HTTPHeaders.canSend(name: name, value: value) {
            throw config.error("headers." + name, "header '\(name)' holds a line break (or its name a colon): it cannot be sent")
        }
        var options = TransferOptions()
        options.timeout = try config[Self.timeout]
        options.followRedirects = false
        options.proxy = Proxy(context.services[OutboundProxy.self] ?? .direct)
        options.tls.caBundlePath = try config[Self.caFile]
        options.tls.clientCertificatePath = try config[Self.certificate]
        options.tls.clientKeyPath = try config[Self.key]
        self.options = options
        retries = try config[Self.retries]
        retryDelay = try config[Self.retryDelay]
        // Header values are credentials as often as not (Authorization, X-Api-Key), whether they
        // came from a secret, the environment or the file: the endpoint may echo them back.
        var sensitive = config.secretValues
        for (_, value) in extraHeaders {
            sensitive.insert(value)
            if let space = value.firstIndex(of: " ") { sensitive.insert(String(value[value.index(after: space)...])) }
        }
        // Credentials in the URL (`https://user:password@host/`) go as a Basic header, which an
        // endpoint echoing its request quotes base64-encoded.
        if let userinfo = URLRedactor.userinfo(of: endpoint) {
            let decoded = userinfo.removingPercentEncoding ?? String(userinfo)
            sensitive.insert(Base64.encode(Array(decoded.utf8)))
            if let colon = decoded.firstIndex(of: ":") { sensitive.insert(String(decoded[decoded.index(after: colon)...])) }
        }
        secrets = String.maskable(sensitive)
    }

    public func open(resumingAt position: Value?) async throws {}

    public func write(_ envelopes: [Envelope]) async throws -> Value? {
        var start = 0
        while start < envelopes.count {
            let end = min(start + eventsPerRequest, envelopes.count)
            var writer = JSONWriter(capacity: (end - start) * 512)
            if batched { writer.append(UInt8(ascii: "[")) }
            for index in start..<end {
                if index > start { writer.append(UInt8(ascii: ",")) }
                writer.write(envelopes[index])
            }
            if batched { writer.append(UInt8(ascii: "]")) }
            try await send(writer.bytes, events: start..<end, of: envelopes)
            start = end
        }
        return nil
    }

    /// POSTs one body, retrying what may pass later.
    func send(_ body: [UInt8], events: Range<Int>, of envelopes: [Envelope]) async throws {
        var request = HTTPRequest(method: .post, url: endpoint, body: body, options: options)
        request.headers["Content-Type"] = batched ? "application/cloudevents-batch+json; charset=utf-8" : "application/cloudevents+json; charset=utf-8"
        request.headers["User-Agent"] = "huiliu"
        // The request is a span of the batch being delivered (W3C Trace Context): the receiver
        // can tie what it got to the run, and the batch, that sent it. Retries are the same span.
        if let trace = TraceContext.current {
            request.headers["traceparent"] = trace.child("webhook \(ObjectIdentifier(self).hashValue) \(events.lowerBound)").traceparent
        }
        for (name, value) in extraHeaders { request.headers[name] = value }
        var attempt = 0
        while true {
            let failure: TransportError
            do {
                _ = try await Self.client.execute(request).checkStatus()
                return
            } catch {
                // The run was cancelled: that is not the endpoint's failure.
                if error.code == .cancelled || Task.isCancelled { throw CancellationError() }
                failure = error
            }
            guard failure.isTransient, attempt < retries, !Task.isCancelled else {
                let what = events.count == 1 ? "event \(envelopes[events.lowerBound].id)" : "events \(events.lowerBound + 1)–\(events.upperBound) of the batch"
                var message = "webhook: \(what) not accepted: \(failure)".maskingSecrets(secrets, with: "***")
                // Masked before it is cut, so a cut never leaves the start of a secret.
                if let excerpt = failure.bodyExcerpt, !excerpt.isEmpty {
                    message += " — " + excerpt.maskingSecrets(secrets, with: "***").prefix(300)
                }
                if attempt > 0 { message += " (after \(attempt + 1) attempts)" }
                throw SinkError(message)
            }
            // Exponential backoff, capped at a minute; the server's Retry-After wins, up to a
            // minute too. A stop request ends the wait (the batch goes again next run).
            let backoff = min(retryDelay * (1 << min(attempt, 20)), .seconds(60))
            try await StopSignal.sleep(for: failure.retryAfter.map { min($0, .seconds(60)) } ?? backoff)
            attempt += 1
        }
    }

    public func close() async throws {}
}
