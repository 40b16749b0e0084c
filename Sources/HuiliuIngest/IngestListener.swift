import Foundation
import HuiliuCore
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
    private let clock: @Sendable () -> Int64

    /// Opens the buffer named in `settings`.
    public init(settings: IngestSettings, logger: Logger) throws {
        self.settings = settings
        self.logger = logger
        clock = { Int64(Date().timeIntervalSince1970 * 1000) }
        writer = try BufferWriter(path: settings.bufferPath)
    }

    /// The port it listens on, once bound.
    public var port: Int? { bound.withLock { $0 } }

    /// Whether it is bound, for the admin API's readiness endpoint.
    public var isReady: Bool { port != nil }

    public func run() async throws {
        let app = Application(
            router: router(),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "huiliu-ingest"),
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
        guard let token = settings.tokens[channel] else {
            return Self.answer(.notFound, ["error": .string("no channel '\(channel)' (config/huiliu.yaml listeners.webhook.channels)")])
        }
        let presented = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil } ?? ""
        guard !presented.isEmpty, Digest.constantTimeEqual(Array(presented.utf8), Array(token.utf8)) else {
            count(channel, "401")
            var response = Self.answer(.unauthorized, ["error": "a bearer token for this channel is required (Authorization: Bearer …)"])
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        let peer = context.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "unknown"
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: settings.maximumBodyBytes)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            count(channel, "413")
            return Self.answer(.contentTooLarge, ["error": .string("the body is larger than \(settings.maximumBodyBytes) bytes (max_body_bytes)")])
        }
        let records: [IngestedRecord]
        do throws(IngestPayload.Failure) {
            records = try IngestPayload.records(Array(buffer: body), contentType: request.headers[.contentType]) { name in
                HTTPField.Name("ce-" + name).flatMap { request.headers[$0] }
            }
        } catch {
            count(channel, error.isMediaType ? "415" : "400")
            logger.warning("push refused", metadata: ["channel": "\(channel)", "peer": "\(peer)", "reason": "\(error)"])
            return Self.answer(error.isMediaType ? .unsupportedMediaType : .badRequest, ["error": .string(error.description)])
        }
        let requestID = UUID().uuidString.lowercased()
        let key = request.headers[HTTPField.Name("Idempotency-Key")!]
        let stored: IngestBuffer.Stored
        do {
            stored = try await writer.store(records, channel: channel, request: requestID, idempotencyKey: key, receivedAt: clock())
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
        if case .unsupportedMediaType = self { return true }
        return false
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
/// answered on the event loops. One request's records are one transaction.
final class BufferWriter: @unchecked Sendable {
    private let buffer: IngestBuffer
    private let queue = BlockingQueue(label: "huiliu.ingest.buffer")

    init(path: String) throws {
        buffer = try IngestBuffer(path: path)
    }

    func store(_ records: [IngestedRecord], channel: String, request: String, idempotencyKey: String?,
               receivedAt: Int64) async throws -> IngestBuffer.Stored {
        try await queue.run {
            try self.buffer.store(records, channel: channel, request: request, idempotencyKey: idempotencyKey, receivedAt: receivedAt)
        }
    }
}
