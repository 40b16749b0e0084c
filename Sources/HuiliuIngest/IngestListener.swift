import Foundation
import HuiliuCore
import HuiliuKit
import HuiliuStore
import HTTPTypes
import Hummingbird
public import Logging
import Metrics
import NIOCore
public import ServiceLifecycle
import Synchronization

/// The push endpoint as a `Service` for `huiliu serve`: upstream systems that send rather
/// than wait to be asked `POST` records to `/ingest/<channel>`, and get `202 Accepted` only
/// once the records are committed to the ``IngestBuffer``, from which the `webhook` source
/// of that channel reads them.
///
/// Answers: 202 with `{"accepted": n, "request_id", "first_sequence", "last_sequence"}`;
/// 200 with the first answer and `"repeated": true` for an `Idempotency-Key` seen before;
/// 400 (what is wrong, and where), 401 (token), 404 (channel), 413 (size), 415 (media type),
/// 503 with `Retry-After` when the buffer cannot take the records. Nothing of a refused
/// request is stored.
public final class IngestListener: Service, Sendable {
    private let settings: IngestSettings
    private let logger: Logger
    private let writer: BufferWriter
    private let bound = Mutex<Int?>(nil)

    /// Opens the buffer named in `settings`.
    public init(settings: IngestSettings, logger: Logger) throws {
        self.settings = settings
        self.logger = logger
        writer = try BufferWriter(path: settings.bufferPath)
        bytesInFlight = ByteBudget(limit: max(settings.maximumBytesInFlight, 4 * settings.maximumBodyBytes))
    }

    /// The port it listens on, once bound.
    public var port: Int? { bound.withLock { $0 } }

    /// Whether it is bound, for the admin API's readiness endpoint.
    public var isReady: Bool { port != nil }

    public func run() async throws {
        let headerTimeout = settings.headerTimeout
        let app = Application(
            router: router(),
            // An idle connection is closed: a client that opens many and sends nothing cannot
            // starve the ones that push.
            // And one whose headers never finish, a byte at a time, is closed too.
            server: .http1(configuration: .init(additionalChannelHandlers: [HeaderDeadline(timeout: headerTimeout)], idleTimeout: .seconds(60))),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "huiliu-ingest",
                                 availableConnectionsDelegate: .maximum(OpenFileLimit.usableConnections(settings.maximumConnections), logger: logger)),
            onServerRunning: { [self] channel in
                let port = channel.localAddress?.port ?? 0
                bound.withLock { $0 = port }
                logger.notice("push endpoint listening on \(settings.host):\(port)", metadata: ["channels": "\(settings.tokens.keys.sorted())"])
            },
            logger: logger)
        defer { bound.withLock { $0 = nil } }
        try await app.run()
    }

    /// The routes: `POST /ingest/:channel`.
    func router() -> Router<IngestRequestContext> {
        let router = Router(context: IngestRequestContext.self)
        router.post("ingest/:channel") { [self] request, context in
            try await accept(request, context)
        }
        return router
    }

    private func accept(_ request: Request, _ context: IngestRequestContext) async throws -> Response {
        let channel = try context.parameters.require("channel")
        let peer = context.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "unknown"
        // The scheme's name is case-insensitive (RFC 9110 §11.1), and spaces may be more than one (RFC 6750 §2.1).
        let authorization = request.headers[.authorization] ?? ""
        let presented = Array((authorization.lowercased().hasPrefix("bearer ") ? String(authorization.dropFirst(7).drop { $0 == " " }) : "").utf8)
        guard let token = settings.tokens[channel] else {
            // Only a client holding some channel's token learns that this one does not exist:
            // others cannot probe for channel names.
            guard !presented.isEmpty, settings.tokens.values.contains(where: { Digest.constantTimeEqual(presented, Array($0.utf8)) }) else {
                var response = Self.answer(.unauthorized, ["error": "a bearer token for this channel is required (Authorization: Bearer …)"])
                response.headers[.wwwAuthenticate] = "Bearer"
                return response
            }
            return Self.answer(.notFound, ["error": .string("no channel '\(Self.clipped(channel))' here")])
        }
        guard !presented.isEmpty, Digest.constantTimeEqual(presented, Array(token.utf8)) else {
            count(channel, "401")
            logger.warning("push refused: no or a wrong token", metadata: ["channel": "\(channel)", "peer": "\(peer)"])
            var response = Self.answer(.unauthorized, ["error": "a bearer token for this channel is required (Authorization: Bearer …)"])
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        let keys = request.headers[values: HTTPField.Name("Idempotency-Key")!]
        guard keys.count <= 1 else {
            count(channel, "400")
            return Self.answer(.badRequest, ["error": .string("one Idempotency-Key per push, not \(keys.count)")])
        }
        let key = keys.first
        if let key, key.isEmpty || key.utf8.count > 255 {
            count(channel, "400")
            return Self.answer(.badRequest, ["error": "an Idempotency-Key is 1 to 255 bytes"])
        }
        // Requests wait for one writer: beyond a bound, say when to come back rather than queue
        // without end (each waiting request holds its body).
        guard inFlight.add(1, ordering: .relaxed).newValue <= Self.maximumInFlight else {
            inFlight.subtract(1, ordering: .relaxed)
            count(channel, "503")
            var response = Self.answer(.serviceUnavailable, ["error": "too many pushes at once; nothing was kept, retry shortly"])
            response.headers[.retryAfter] = "1"
            return response
        }
        defer { inFlight.subtract(1, ordering: .relaxed) }
        // And a byte budget: 64 pushes of max_body_bytes each, raw and decoded, could hold
        // gigabytes. A body reserves its declared length (or the maximum, when chunked), and as
        // much again for its decoded form.
        let declared = request.headers[.contentLength].flatMap { Int($0) }.map { min(max(0, $0), settings.maximumBodyBytes) }
            ?? settings.maximumBodyBytes
        // Decoded, a compressed body may grow to max_body_bytes.
        let reserved = declared + (request.headers[.contentEncoding] == nil ? declared : settings.maximumBodyBytes)
        guard bytesInFlight.reserve(reserved) else {
            count(channel, "503")
            var response = Self.answer(.serviceUnavailable, ["error": "too much pushed at once; nothing was kept, retry shortly"])
            response.headers[.retryAfter] = "1"
            return response
        }
        defer { bytesInFlight.release(reserved) }
        var request = request
        let body: ByteBuffer
        // The idle timeout restarts with every byte: a body trickled a byte a minute would hold
        // its place and its reservation for ever. Past the deadline (body_timeout, and a second
        // for each 64 KiB the body may hold, so a large push on a slow link is not cut) the
        // connection's input is shut, which ends the body. Once the body is in, the deadline
        // no longer acts: it must not shut the input of a push being stored, or of the next.
        let allowed = settings.bodyTimeout + .seconds(declared / (64 << 10))
        let phase = Atomic<Int>(BodyPhase.reading)
        let deadline = Task { [connection = context.channel] in
            try await Task.sleep(for: allowed)
            guard phase.compareExchange(expected: BodyPhase.reading, desired: BodyPhase.late, ordering: .relaxed).exchanged else { return }
            connection.close(mode: .input, promise: nil)
        }
        defer { deadline.cancel() }
        do {
            body = try await request.collectBody(upTo: settings.maximumBodyBytes)
            // A body the shut input cut short may look whole.
            guard phase.compareExchange(expected: BodyPhase.reading, desired: BodyPhase.read, ordering: .relaxed).exchanged else {
                throw CancellationError()
            }
            deadline.cancel()
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            count(channel, "413")
            return Self.answer(.contentTooLarge, ["error": .string("the body is larger than \(settings.maximumBodyBytes) bytes (max_body_bytes)")])
        } catch where phase.load(ordering: .relaxed) == BodyPhase.late {
            count(channel, "408")
            logger.warning("push refused: its body did not arrive in time", metadata: [
                "channel": "\(channel)", "peer": "\(peer)", "allowed": "\(allowed.configText)",
            ])
            // The connection closes with the answer; a client still sending may see it reset instead.
            var response = Self.answer(.requestTimeout, ["error": .string("the body did not arrive within \(allowed.configText) (body_timeout, and a second per 64 KiB); nothing was kept")])
            response.headers[.connection] = "close"
            return response
        }
        let records: [IngestedRecord]
        let bytes: [UInt8]
        do throws(ContentDecoding.Failure) {
            bytes = try ContentDecoding.decode(Array(buffer: body), header: request.headers[.contentEncoding], limit: settings.maximumBodyBytes)
        } catch {
            let status: HTTPResponse.Status = switch error {
            case .unsupported: .unsupportedMediaType
            case .tooLarge: .contentTooLarge
            case .corrupt: .badRequest
            }
            count(channel, "\(status.code)")
            var response = Self.answer(status, ["error": .string(error.description)])
            if case .unsupported = error { response.headers[.acceptEncoding] = "gzip, deflate" }
            return response
        }
        do throws(IngestPayload.Failure) {
            records = try IngestPayload.records(bytes, contentType: request.headers[.contentType]) { name in
                // The trace context has headers of its own (W3C Trace Context); the other
                // binary-mode attributes are `ce-` headers, percent-encoded (CloudEvents HTTP binding §3.1.3.2).
                if IngestedRecord.traceAttributes.contains(name) { return HTTPField.Name(name).flatMap { request.headers[$0] } }
                return HTTPField.Name("ce-" + name).flatMap { request.headers[$0] }.map { $0.removingPercentEncoding ?? $0 }
            }
        } catch {
            count(channel, error.isMediaType ? "415" : "400")
            logger.warning("push refused", metadata: ["channel": "\(channel)", "peer": "\(peer)", "reason": "\(error)"])
            return Self.answer(error.isMediaType ? .unsupportedMediaType : .badRequest, ["error": .string(error.description)])
        }
        let requestID = UUID().uuidString.lowercased()
        // What a repeated key must come with again: the same body, read the same way.
        // (Decoded, and with the media type alone, so a retry compressed or labelled otherwise is still a repeat.)
        let mediaType = (request.headers[.contentType] ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        // A binary-mode event's attributes are its `ce-` headers: another subject is another event.
        let attributes = request.headers.filter { $0.name.canonicalName.hasPrefix("ce-") }
            .map { "\($0.name.canonicalName):\($0.value)\n" }.sorted().joined()
        let digest = key == nil ? "" : Digest.hexString(Digest.sha256.hash(Array((mediaType + "\n" + attributes).utf8) + bytes))
        let stored: IngestBuffer.Stored
        do {
            stored = try await writer.store(records, channel: channel, request: requestID, idempotencyKey: key, bodyDigest: digest,
                                            receivedAt: Int64(Date().timeIntervalSince1970 * 1000))
        } catch let error as IngestBuffer.KeyReused {
            count(channel, "422")
            return Self.answer(.unprocessableContent, ["error": .string(error.description)])
        } catch {
            count(channel, "503")
            logger.error("push not stored", metadata: ["channel": "\(channel)", "peer": "\(peer)", "error": "\(error)"])
            var response = Self.answer(.serviceUnavailable, ["error": "the records could not be stored; nothing was kept, retry later"])
            response.headers[.retryAfter] = "5"
            return response
        }
        count(channel, stored.repeated ? "200" : "202")
        if !stored.repeated { Counter(label: "huiliu_ingest_records_total", dimensions: [("channel", channel)]).increment(by: stored.records) }
        logger.info(stored.repeated ? "push repeated (idempotency key seen before)" : "push accepted", metadata: [
            "channel": "\(channel)", "peer": "\(peer)", "records": "\(stored.records)", "request_id": "\(stored.request)",
        ])
        var answer: Object = ["accepted": .integer(stored.records), "request_id": .string(stored.request),
                              "first_sequence": stored.sequences.map { .integer($0.lowerBound) } ?? .null,
                              "last_sequence": stored.sequences.map { .integer($0.upperBound) } ?? .null]
        if stored.repeated { answer["repeated"] = true }
        return Self.answer(stored.repeated ? .ok : .accepted, answer)
    }

    /// Where a request's body is, for its deadline: being read, read in time, or late.
    enum BodyPhase {
        static let reading = 0, read = 1, late = 2
    }

    /// Requests between their token check and their answer; more are refused with 503.
    static let maximumInFlight = 64
    private let inFlight = Atomic<Int>(0)
    /// What the requests in flight have reserved of ``IngestSettings/maximumBytesInFlight``.
    private let bytesInFlight: ByteBudget

    /// `text` cut to 64 characters, for echoing what a client sent.
    static func clipped(_ text: String) -> String {
        text.count > 64 ? text.prefix(64) + "…" : text
    }

    private func count(_ channel: String, _ status: String) {
        Counter(label: "huiliu_ingest_requests_total", dimensions: [("channel", channel), ("status", status)]).increment()
    }

    private static func answer(_ status: HTTPResponse.Status, _ body: Object) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(string: Value.object(body).jsonText + "\n")))
    }
}

extension IngestPayload.Failure {
    var isMediaType: Bool {
        switch self {
        case .unsupportedMediaType, .unsupportedCharset: true
        case .invalid: false
        }
    }
}

/// The request context of the push endpoint: the core one, and the client's address for logs.
struct IngestRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    var remoteAddress: SocketAddress? { channel.remoteAddress }
}

/// The buffer's writing instance, on a thread of its own: SQLite blocks, and requests are
/// answered on the event loops. The requests waiting while a group is committed are committed
/// together next (one sync for all of them), so answers do not queue behind a sync each.
final class BufferWriter: @unchecked Sendable {
    private typealias Waiting = (push: IngestBuffer.Push, answer: CheckedContinuation<IngestBuffer.Stored, any Error>)

    private let buffer: IngestBuffer
    private let queue = DispatchQueue(label: "huiliu.ingest.buffer")
    private let waiting = Mutex<[Waiting]>([])

    init(path: String) throws {
        buffer = try IngestBuffer(path: path)
    }

    func store(_ records: [IngestedRecord], channel: String, request: String, idempotencyKey: String?, bodyDigest: String,
               receivedAt: Int64) async throws -> IngestBuffer.Stored {
        let push = IngestBuffer.Push(records: records, channel: channel, request: request, idempotencyKey: idempotencyKey,
                                     bodyDigest: bodyDigest, receivedAt: receivedAt)
        return try await withCheckedThrowingContinuation { answer in
            // The push that finds nobody waiting schedules the commit; later ones join it.
            let first = waiting.withLock { waiting in
                waiting.append((push, answer))
                return waiting.count == 1
            }
            if first { queue.async { self.commitWaiting() } }
        }
    }

    /// Commits what is waiting, group after group, until nothing is.
    private func commitWaiting() {
        while true {
            let group = waiting.withLock { waiting in
                defer { waiting.removeAll(keepingCapacity: true) }
                return waiting
            }
            guard !group.isEmpty else { return }
            do {
                let outcomes = try buffer.store(group.map(\.push))
                for (waiting, outcome) in zip(group, outcomes) { waiting.answer.resume(with: outcome.mapError { $0 }) }
            } catch {
                for waiting in group { waiting.answer.resume(throwing: error) }
            }
        }
    }
}
