import Foundation
import HTTPTypes
public import HuiliuConnectors
import HuiliuCore
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// Serves recorded responses on loopback: every request is scrubbed the way the recording
/// was and matched by method, path, query (without credentials, signatures, timestamps and
/// nonces) and body. Repeated requests get the recorded responses in order, then the last
/// one again; an unmatched request gets 599 and the key it was looked up by.
public final class ReplayServer: Sendable {
    let responses: [String: [FixtureExchange]]
    let scrubber: FixtureScrubber
    let served = Mutex<[String: Int]>([:])
    let misses = Mutex<[String]>([])

    /// A server for `exchanges`, matching with `scrubber` (which knows the replay's own dummy secrets).
    public init(exchanges: [FixtureExchange], scrubber: FixtureScrubber) {
        var table: [String: [FixtureExchange]] = [:]
        for exchange in exchanges { table[exchange.matchKey(ignoring: scrubber.volatileNames), default: []].append(exchange) }
        responses = table
        self.scrubber = scrubber
    }

    /// Requests no recording matched, as their match keys.
    public var unmatched: [String] { misses.withLock { $0 } }

    /// Starts serving on a free loopback port.
    public func start() async throws -> LoopbackServer {
        let router = Router()
        router.add(middleware: ReplayMiddleware(server: self))
        return try await LoopbackServer.start { onRunning in
            Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "huiliu-replay"),
                        onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
                        logger: Logger(label: "huiliu.replay") { _ in SwiftLogNoOpLogHandler() })
        }
    }

    func respond(method: String, path: String, query: String, body: [UInt8], origin: String) -> Response {
        let key = scrubber.matchKey(method: method, path: path, rawQuery: query, body: body)
        guard let candidates = responses[key], !candidates.isEmpty else {
            misses.withLock { $0.append(key) }
            return Response(status: .init(code: 599), headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: "no recorded response for:\n\(key)\n")))
        }
        let index = served.withLock { counts -> Int in
            let next = counts[key, default: 0]
            counts[key] = next + 1
            return min(next, candidates.count - 1)
        }
        let exchange = candidates[index]
        var headers = HTTPFields()
        for (name, value) in exchange.responseHeaders {
            if let field = HTTPField.Name(name) {
                headers.append(HTTPField(name: field, value: value.replacingOccurrences(of: FixtureExchange.origin, with: origin)))
            }
        }
        var bytes = exchange.responseBody
        if let text = String(validating: bytes, as: UTF8.self), text.contains(FixtureExchange.origin) {
            bytes = Array(text.replacingOccurrences(of: FixtureExchange.origin, with: origin).utf8)
        }
        return Response(status: .init(code: exchange.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// Answers every request from the recording; nothing reaches the router's routes.
struct ReplayMiddleware<Context: RequestContext>: RouterMiddleware {
    let server: ReplayServer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 << 20)
        let host = request.head.authority ?? "127.0.0.1"
        return server.respond(method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "",
                              body: Array(buffer: body), origin: "http://\(host)")
    }
}
