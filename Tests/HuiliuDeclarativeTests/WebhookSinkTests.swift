import Foundation
import HTTPTypes
import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import HuiliuKitTesting
import HuiliuReplay
import HuiliuTransport
import Hummingbird
import Logging
import NIOCore
import Synchronization
import Testing

/// The webhook sink against a loopback receiver that records what it is sent and fails on
/// request: `?key=` keeps tests apart, `fail=N&status=S` answers S to the first N requests.
struct WebhookSinkTests {
    struct Received: Sendable {
        var contentType: String
        var authorization: String?
        var traceparent: String?
        var body: Value
    }

    /// What the receiver got, and how often each key was asked.
    final class Journal: Sendable {
        let received = Mutex<[String: [Received]]>([:])
        let attempts = Mutex<[String: Int]>([:])
    }

    final class Receiver: Sendable {
        let server: LoopbackServer
        let journal: Journal

        init(server: LoopbackServer, journal: Journal) {
            self.server = server
            self.journal = journal
        }

        func received(_ key: String) -> [Received] { journal.received.withLock { $0[key] ?? [] } }

        /// Requests for `key` so far, refused or not.
        func refusals(_ key: String) -> Int { journal.attempts.withLock { $0[key] ?? 0 } }

        static let shared = Task<Receiver, any Error> {
            let journal = Journal()
            let router = Router()
            router.post("events") { request, _ -> Response in
                let query = request.uri.queryParameters
                let key = query.get("key").map { String($0) } ?? ""
                let attempt = journal.attempts.withLock { $0[key, default: 0] += 1; return $0[key]! }
                if let fail = query.get("fail").flatMap({ Int($0) }), attempt <= fail {
                    var headers = HTTPFields()
                    if let after = query.get("retry_after") { headers[.retryAfter] = String(after) }
                    let status = query.get("status").flatMap { Int($0) } ?? 503
                    // `echo` answers with the credential it was sent, as some endpoints do.
                    // `pad` puts that many Chinese characters before it (three bytes each).
                    let pad = String(repeating: "拒", count: query.get("pad").flatMap { Int($0) } ?? 0)
                    let said = query.get("echo") != nil ? pad + " " + (request.headers[.authorization] ?? "") : ""
                    return Response(status: .init(code: status), headers: headers,
                                    body: .init(byteBuffer: ByteBuffer(string: #"{"error":"refused \#(attempt)\#(said)"}"#)))
                }
                let body = try await request.body.collect(upTo: 64 << 20)
                let received = Received(contentType: request.headers[.contentType] ?? "", authorization: request.headers[.authorization],
                                        traceparent: request.headers[HTTPField.Name("traceparent")!],
                                        body: try JSONReader.parse(Array(body.readableBytesView)))
                journal.received.withLock { $0[key, default: []].append(received) }
                return Response(status: .accepted)
            }
            let server = try await LoopbackServer.start { onRunning in
                Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "receiver"),
                            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
                            logger: Logger(label: "receiver") { _ in SwiftLogNoOpLogHandler() })
            }
            return Receiver(server: server, journal: journal)
        }
    }

    let key = UUID().uuidString

    func sink(_ receiver: Receiver, query: String = "", _ options: Object = [:]) throws -> WebhookSink {
        var values: Object = ["url": .string(receiver.server.url + "/events?key=\(key)" + query), "retry_delay": "10ms"]
        for (name, value) in options { values[name] = value }
        return try WebhookSink(config: ParsedConfig(testing: values), context: .testing())
    }

    func envelopes(_ count: Int) -> [Envelope] {
        (0..<count).map { i in
            Envelope(id: Envelope.deterministicID(source: "/huiliu/test", type: "budget.payment.v1", key: "k\(i)"), source: "/huiliu/test",
                     type: "budget.payment.v1", subject: "k\(i)", data: ["amount_fen": .integer(i)])
        }
    }

    @Test func batchesGoAsCloudEventsArraysInOrderWithTheConfiguredHeaders() async throws {
        let receiver = try await Receiver.shared.value
        let sink = try sink(receiver, ["batch_size": 500, "headers": ["Authorization": "Bearer t0ken-xyz"]])
        let sent = envelopes(1200)
        #expect(try await sink.write(sent) == nil)
        let requests = receiver.received(key)
        #expect(requests.map { $0.body.arrayValue?.count } == [500, 500, 200])
        #expect(requests.allSatisfy { $0.contentType == "application/cloudevents-batch+json; charset=utf-8" })
        #expect(requests.allSatisfy { $0.authorization == "Bearer t0ken-xyz" })
        let events = requests.flatMap { $0.body.arrayValue ?? [] }
        #expect(events.map { $0["id"]?.stringValue } == sent.map(\.id))
        #expect(events.first?["specversion"] == "1.0" && events.last?["data"]?["amount_fen"] == 1199)
    }

    /// Delivered within a batch's trace context, each request is a span of it (W3C Trace Context).
    /// A header value with a line break (a secret file with a trailing newline) cannot be sent:
    /// refused when the pipeline loads, naming the header but not its value.
    @Test func aHeaderWithALineBreakIsRefusedWhenThePipelineLoads() {
        let values: Object = ["url": "http://127.0.0.1:1/events", "headers": ["Authorization": "Bearer s3cret-token\n"]]
        let error = #expect(throws: ConfigError.self) { try WebhookSink(config: ParsedConfig(testing: values), context: .testing()) }
        #expect(error?.message == "header 'Authorization' holds a line break (or its name a colon): it cannot be sent")
    }

    @Test func requestsCarryTheBatchsTraceContext() async throws {
        let receiver = try await Receiver.shared.value
        let sink = try sink(receiver, ["batch_size": 2])
        _ = try await sink.write(envelopes(1))
        let batch = TraceContext.run("r0123").child("batch 1")
        _ = try await TraceContext.$current.withValue(batch) { try await sink.write(envelopes(3)) }
        let requests = receiver.received(key)
        #expect(requests.count == 3)
        #expect(requests[0].traceparent == nil)
        let spans = requests.dropFirst().compactMap { $0.traceparent.flatMap(TraceContext.init(traceparent:)) }
        #expect(spans.count == 2 && spans.allSatisfy { $0.traceID == batch.traceID && $0.spanID != batch.spanID && !$0.sampled })
        #expect(Set(spans.map(\.spanID)).count == 2, "each request a span of its own")
    }

    @Test func structuredModeSendsOneEventPerRequest() async throws {
        let receiver = try await Receiver.shared.value
        let sink = try sink(receiver, ["mode": "cloudevents"])
        _ = try await sink.write(envelopes(3))
        let requests = receiver.received(key)
        #expect(requests.map { $0.body["subject"]?.stringValue } == ["k0", "k1", "k2"])
        #expect(requests.allSatisfy { $0.contentType == "application/cloudevents+json; charset=utf-8" })
    }

    /// 503 twice, then accepted; 429 with Retry-After waits and goes on: the batch arrives once.
    @Test(arguments: [("&fail=2&status=503", 2), ("&fail=1&status=429&retry_after=0", 1)])
    func transientRefusalsAreRetried(query: String, refusals: Int) async throws {
        let receiver = try await Receiver.shared.value
        _ = try await sink(receiver, query: query).write(envelopes(3))
        #expect(receiver.refusals(key) == refusals + 1, "attempts: the refused ones, then the accepted one")
        #expect(receiver.received(key).map { $0.body.arrayValue?.count } == [3])
    }

    /// A run asked to stop does not wait out the backoff before the next attempt (here a
    /// minute, which the time limit would not allow): the wait ends, the write says the run
    /// stopped, and the batch is left for the next run.
    @Test(.timeLimit(.minutes(1))) func aStopEndsTheWaitForTheNextAttempt() async throws {
        let receiver = try await Receiver.shared.value
        let sink = try sink(receiver, query: "&fail=5&status=503", ["retry_delay": "1m"])
        let signal = StopSignal()
        let writing = Task {
            try await StopSignal.$current.withValue(signal) { _ = try await sink.write(envelopes(2)) }
        }
        for _ in 0..<200 where receiver.refusals(key) < 1 { try await Task.sleep(for: .milliseconds(25)) }
        signal.stop()
        await #expect(throws: RunStopped.self) { try await writing.value }
        #expect(receiver.received(key).isEmpty)
        #expect(receiver.refusals(key) == 1, "no second attempt after the stop")
    }

    /// A 400 is not retried, and says what the endpoint answered; retries run out after
    /// `retries` more attempts.
    @Test func refusalsThatWillNotPassFailTheBatch() async throws {
        let receiver = try await Receiver.shared.value
        await #expect { _ = try await sink(receiver, query: "&fail=5&status=400").write(envelopes(2)) } throws: { error in
            "\(error)".contains("events 1–2 of the batch not accepted") && "\(error)".contains("(400)")
                && "\(error)".contains(#"{"error":"refused 1"}"#) && !"\(error)".contains("attempts")
        }
        let other = WebhookSinkTests()
        await #expect { _ = try await other.sink(receiver, query: "&fail=5&status=500", ["retries": 2]).write(envelopes(1)) } throws: { error in
            "\(error)".contains("not accepted") && "\(error)".contains("(500)") && "\(error)".contains("(after 3 attempts)")
        }
        #expect(receiver.received(key).isEmpty && receiver.received(other.key).isEmpty)
    }

    /// A credential in a header stays out of the error even when the endpoint echoes it.
    @Test func headerValuesNeverReachTheError() async throws {
        let receiver = try await Receiver.shared.value
        let sink = try sink(receiver, query: "&fail=1&status=401&echo=1", ["headers": ["Authorization": "Bearer literal-token-xyz"]])
        await #expect { _ = try await sink.write(envelopes(1)) } throws: { error in
            "\(error)".contains("(401)") && "\(error)".contains("refused 1 ***") && !"\(error)".contains("literal-token-xyz")
        }
    }

    /// Credentials in the URL go as a Basic header; echoed, they are base64 and still masked.
    @Test func urlCredentialsEchoedBase64AreMasked() async throws {
        let receiver = try await Receiver.shared.value
        let url = receiver.server.url.replacingOccurrences(of: "://", with: "://svc:PW%2Dsecret42@") + "/events?key=\(key)&fail=1&status=401&echo=1"
        let sink = try WebhookSink(config: ParsedConfig(testing: ["url": .string(url), "retry_delay": "10ms"]), context: .testing())
        let encoded = Base64.encode(Array("svc:PW-secret42".utf8))
        await #expect { _ = try await sink.write(envelopes(1)) } throws: { error in
            "\(error)".contains("(401)") && !"\(error)".contains(encoded) && !"\(error)".contains("PW-secret42")
        }
    }

    /// Masked before the answer is cut to its start, and as JSON escapes it (`\/`).
    /// With Chinese text before it (three bytes a character), the credential straddled the 512th
    /// byte, where the answer was cut before it was masked: its start was shown.
    @Test(arguments: [0, 160])
    func aCredentialCutOrEscapedInTheAnswerIsMaskedToo(pad: Int) async throws {
        let receiver = try await Receiver.shared.value
        let sink = try sink(receiver, query: "&fail=1&status=401&echo=1&pad=\(pad)", ["headers": ["Authorization": "Bearer tok/en+SUPERSECRET/abc123"]])
        await #expect { _ = try await sink.write(envelopes(1)) } throws: { error in
            !"\(error)".contains("SUPERSECRET") && !"\(error)".contains("tok/e") && "\(error)".contains("***")
        }
    }

    /// An endpoint that is down is retried too, and then named.
    @Test func anEndpointThatIsDownIsRetriedAndNamed() async throws {
        let sink = try WebhookSink(config: ParsedConfig(testing: ["url": "http://127.0.0.1:9/events?token=abc", "retries": 1,
                                                                  "retry_delay": "10ms"]), context: .testing())
        await #expect { _ = try await sink.write(envelopes(1)) } throws: { error in
            "\(error)".contains("connection failed for http://127.0.0.1:9/events") && "\(error)".contains("(after 2 attempts)")
        }
    }

    @Test func onlyHTTPEndpointsAreAccepted() {
        #expect { try WebhookSink(config: ParsedConfig(testing: ["url": "ftp://127.0.0.1/x"]), context: .testing()) } throws: {
            "\($0)".contains("must start with http:// or https://")
        }
    }
}
