import Foundation
import HuiliuCore
@testable import HuiliuIngest
import HuiliuKitTesting
@testable import HuiliuTestSupport
import Logging
import ServiceLifecycle
import Testing

/// The push endpoint over real HTTP on loopback, driven by curl.
struct IngestListenerTests {
    let token = "t0k3n-0123456789abcdef"

    /// Runs a listener for `body`, then shuts it down as `huiliu serve` does.
    func withListener(maximumBody: Int = 16 << 20, configure: (inout IngestSettings) -> Void = { _ in },
                      _ body: (Int, IngestBuffer) async throws -> Void) async throws {
        var settings = IngestSettings()
        settings.host = "127.0.0.1"
        settings.port = 0
        settings.bufferPath = NSTemporaryDirectory() + "ingest-http-\(UUID().uuidString.prefix(8))/buffer.db"
        settings.tokens = ["gov": token]
        settings.maximumBodyBytes = maximumBody
        configure(&settings)
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let listener = try IngestListener(settings: settings, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: listener)], logger: logger))
        let running = Task { try await group.run() }
        var port: Int?
        for _ in 0..<200 where port == nil {
            port = listener.port
            if port == nil { try await Task.sleep(for: .milliseconds(25)) }
        }
        do {
            try await body(try #require(port, "the listener never bound"), try IngestBuffer(path: settings.bufferPath))
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await running.value
    }

    /// POSTs `body` and returns the status and the answer.
    func post(_ port: Int, _ path: String, _ body: String, contentType: String = "application/json", token: String? = nil,
              headers: [String] = [], maxTime: Int = 60) async throws -> (status: Int, answer: Value) {
        let curl = try #require(findExecutable("curl"))
        var arguments = ["-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", "\(maxTime)", "-X", "POST", "http://127.0.0.1:\(port)\(path)",
                         "-H", "Content-Type: \(contentType)", "--data-binary", body]
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        for header in headers { arguments += ["-H", header] }
        let output = try await ChildCommand.output(curl, arguments)
        let lines = output.stdoutText.split(separator: "\n", omittingEmptySubsequences: false)
        let status = Int(lines.last ?? "") ?? 0
        let answer = (try? JSONReader.parse(lines.dropLast().joined(separator: "\n"))) ?? .null
        return (status, answer)
    }

    /// A client that sends its headers and then trickles its body is answered 408 once
    /// `body_timeout` has passed and its connection is closed; it held a place and a share of the
    /// byte budget for as long as it kept sending, however slowly.
    @Test func aBodyThatDoesNotArriveInTimeIsRefusedAndItsConnectionClosed() async throws {
        try await withListener(configure: { $0.bodyTimeout = .seconds(1) }) { port, buffer in
            let started = ContinuousClock.now
            let reply = try await onOwnThread { [token] in
                let client = try LoopbackClient(port: port)
                try client.send("POST /ingest/gov HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n"
                                + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n[{\"id\":")
                // A byte now and then: no idle timeout would ever fire. (None after the deadline:
                // bytes left unread when the server closes make it reset the connection, and the
                // reset may overtake the answer.)
                for _ in 0..<2 {
                    Thread.sleep(forTimeInterval: 0.3)
                    try client.send(" ")
                }
                return client.readToEnd(timeout: 20)
            }
            #expect(reply.hasPrefix("HTTP/1.1 408"), "\(reply)")
            #expect(reply.contains("body_timeout"), "\(reply)")
            #expect(ContinuousClock.now - started < .seconds(20), "the connection was closed, not left to the client")
            #expect(try buffer.records(channel: "gov", after: 0, limit: 10).isEmpty)
            // The place and the bytes it held are free: a whole push goes through.
            #expect(try await post(port, "/ingest/gov", #"{"id":"P1"}"#, token: token).status == 202)
        }
    }

    /// A client that sends its headers a byte at a time is closed once the header time is up: it
    /// would hold one of the endpoint's places for ever, the idle timeout restarting with each byte.
    @Test func headersThatDoNotArriveInTimeCloseTheConnection() async throws {
        try await withListener(configure: { $0.headerTimeout = .seconds(1) }) { port, _ in
            let started = ContinuousClock.now
            let reply = try await onOwnThread {
                let client = try LoopbackClient(port: port)
                for byte in "POST /ingest/gov HTTP/1.1\r\nHost: x\r\n".prefix(6) {
                    try? client.send(String(byte))
                    Thread.sleep(forTimeInterval: 0.3)
                }
                return client.readToEnd(timeout: 20)
            }
            #expect(reply.isEmpty, "\(reply)")
            #expect(ContinuousClock.now - started < .seconds(15), "the connection was closed, not left to the client")
            #expect(try await post(port, "/ingest/gov", #"{"id":"P1"}"#, token: token).status == 202)
        }
    }

    /// Past `max_connections`, a new connection is not served until one closes.
    @Test func connectionsPastTheLimitWaitForOneToClose() async throws {
        try await withListener(configure: { $0.maximumConnections = 2 }) { port, _ in
            // Both are served (so accepted) before the push is tried: connections that arrive
            // together may be accepted in one go, the limit checked before and after.
            let idle = try await onOwnThread {
                try (0..<2).map { _ in
                    let client = try LoopbackClient(port: port)
                    try client.send("GET /ingest/gov HTTP/1.1\r\nHost: x\r\n\r\n")
                    guard client.readSome(timeout: 20).hasPrefix("HTTP/1.1 ") else { throw POSIXError(.ETIMEDOUT) }
                    return client
                }
            }
            let waiting = try await post(port, "/ingest/gov", #"{"id":"P1"}"#, token: token, headers: [], maxTime: 2)
            #expect(waiting.status == 0, "a third connection was served: \(waiting)")
            idle.forEach { $0.close() }
            let served = try await post(port, "/ingest/gov", #"{"id":"P2"}"#, token: token, maxTime: 20)
            #expect(served.status == 202, "\(served)")
        }
    }

    /// Pushes in flight share a byte budget (64 pushes of max_body_bytes could hold gigabytes):
    /// what would pass it is refused, and what is given back can be taken again.
    @Test func aByteBudgetBoundsWhatPushesInFlightHold() {
        let budget = ByteBudget(limit: 32768)
        for _ in 0..<4 { #expect(budget.reserve(8192)) }
        #expect(!budget.reserve(26), "a fifth push is answered 503")
        #expect(budget.inUse == 32768, "a refused reservation takes nothing")
        budget.release(8192)
        #expect(budget.reserve(26))
        #expect(budget.inUse == 24602)
    }

    @Test func acceptsOnlyWhatItStoredAndRefusesTheRestWhole() async throws {
        try await withListener(maximumBody: 4096) { port, buffer in
            let accepted = try await post(port, "/ingest/gov", #"[{"id":"P1"},{"id":"P2"}]"#, token: token, headers: ["Idempotency-Key: k1"])
            #expect(accepted.status == 202)
            #expect(accepted.answer["accepted"] == 2 && accepted.answer["first_sequence"] == 1 && accepted.answer["last_sequence"] == 2)
            #expect(try buffer.records(channel: "gov", after: 0, limit: 10).map(\.record?.data) == [["id": "P1"], ["id": "P2"]])

            // A retry after a lost answer: the first answer again, nothing stored twice.
            let repeated = try await post(port, "/ingest/gov", #"[{"id":"P1"},{"id":"P2"}]"#, token: token, headers: ["Idempotency-Key: k1"])
            #expect(repeated.status == 200 && repeated.answer["repeated"] == true)
            #expect(repeated.answer["request_id"] == accepted.answer["request_id"])

            // The same key with another body: refused, not answered as a repeat.
            let reused = try await post(port, "/ingest/gov", #"[{"id":"P3"}]"#, token: token, headers: ["Idempotency-Key: k1"])
            #expect(reused.status == 422, "\(reused)")
            #expect(try await post(port, "/ingest/gov", #"{"id":"P4"}"#, token: token, headers: ["Idempotency-Key;"]).status == 400)

            // A binary-mode CloudEvent over HTTP, its attributes percent-encoded; the scheme in any case, spaces after it more than one.
            let binary = try await post(port, "/ingest/gov", #"{"id":"P5"}"#, token: nil,
                                  headers: ["authorization: bearer  \(token)", "ce-specversion: 1.0", "ce-id: e5", "ce-source: /gov",
                                            "ce-type: gov.project.v1", "ce-subject: %E9%BB%84%E5%B7%9E-5"])
            #expect(binary.status == 202, "\(binary)")
            #expect(try buffer.records(channel: "gov", after: 2, limit: 10).map(\.record) == [
                IngestedRecord(data: ["id": "P5"], key: "/gov#黄州-5", type: "gov.project.v1"),
            ])
            // A binary-mode event is its headers too: the same key and body with another subject is refused.
            func binaryEvent(_ subject: String) async throws -> (status: Int, answer: Value) {
                try await post(port, "/ingest/gov", #"{"id":"P6"}"#, token: token,
                               headers: ["Idempotency-Key: b1", "ce-specversion: 1.0", "ce-id: e6", "ce-source: /gov", "ce-type: gov.project.v1",
                                         "ce-subject: \(subject)"])
            }
            #expect(try await binaryEvent("S1").status == 202)
            #expect(try await binaryEvent("S1").status == 200)
            #expect(try await binaryEvent("S2").status == 422)

            let refusals: [(Int, (status: Int, answer: Value))] = [
                (401, try await post(port, "/ingest/gov", #"{"id":"X"}"#)),
                (401, try await post(port, "/ingest/gov", #"{"id":"X"}"#, token: "wrong-0123456789abcdef")),
                (404, try await post(port, "/ingest/court", #"{"id":"X"}"#, token: token)),
                // Without a valid token, an unknown channel is not told apart from a known one.
                (401, try await post(port, "/ingest/court", #"{"id":"X"}"#, token: "wrong-0123456789abcdef")),
                (400, try await post(port, "/ingest/gov", #"{"id":"X"}"#, token: token, headers: ["Idempotency-Key: a", "Idempotency-Key: b"])),
                (415, try await post(port, "/ingest/gov", #"{"id":"X"}"#, contentType: "application/json; charset=gbk", token: token)),
                (400, try await post(port, "/ingest/gov", "[{\"id\":\"X\"},\n {\"id\": }]", token: token)),
                (415, try await post(port, "/ingest/gov", "id,name", contentType: "text/csv", token: token)),
                (413, try await post(port, "/ingest/gov", "[" + Array(repeating: #"{"id":"0123456789"}"#, count: 400).joined(separator: ",") + "]", token: token)),
            ]
            for (expected, answer) in refusals {
                #expect(answer.status == expected, "\(answer)")
                #expect(answer.answer["error"]?.stringValue != nil, "\(answer)")
            }
            #expect(refusals[6].1.answer["error"] == "the body is not JSON: line 2, column 9: expected a JSON value, found character '}'")
            // Nothing of a refused request was kept.
            #expect(try buffer.pending(channel: "gov", after: 0) == 4)
            // Pushes at once are committed in groups: each answered 202, each stored once.
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<12 {
                    group.addTask { try await post(port, "/ingest/gov", "{\"id\":\"C\(i)\"}\n{\"id\":\"D\(i)\"}", contentType: "application/x-ndjson",
                                                   token: token).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 202, count: 12))
            #expect(try buffer.pending(channel: "gov", after: 0) == 4 + 24)
            // A 401 names the scheme it wants.
            let curl = try #require(findExecutable("curl"))
            let headers = try await ChildCommand.output(curl, ["-s", "-D", "-", "-o", "/dev/null", "-X", "POST", "http://127.0.0.1:\(port)/ingest/gov"]).stdoutText
            #expect(headers.lowercased().contains("www-authenticate: bearer"), "\(headers)")
        }
    }

    /// A compressed body is decoded (and bounded by max_body_bytes once decoded); a coding it
    /// cannot undo is refused with 415, never stored as it came.
    @Test func decodesGzipAndRefusesOtherCodings() async throws {
        let directory = NSTemporaryDirectory() + "ingest-gzip-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let gzip = try #require(findExecutable("gzip"))
        func compressed(_ name: String, _ text: String) async throws -> String {
            let path = directory + "/" + name
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            _ = try await ChildCommand.output(gzip, ["-f", path])
            return "@" + path + ".gz"
        }
        let small = try await compressed("small.json", #"[{"id":"G1"},{"id":"G2"}]"#)
        let large = try await compressed("large.json", "{\"id\":\"" + String(repeating: "a", count: 8000) + "\"}")
        try await withListener(maximumBody: 4096) { port, buffer in
            let accepted = try await post(port, "/ingest/gov", small, token: token, headers: ["Content-Encoding: gzip"])
            #expect(accepted.status == 202, "\(accepted)")
            #expect(try buffer.records(channel: "gov", after: 0, limit: 10).map(\.record?.data) == [["id": "G1"], ["id": "G2"]])
            let bomb = try await post(port, "/ingest/gov", large, token: token, headers: ["Content-Encoding: gzip"])
            #expect(bomb.status == 413, "\(bomb)")
            let brotli = try await post(port, "/ingest/gov", #"{"id":"B"}"#, token: token, headers: ["Content-Encoding: br"])
            #expect(brotli.status == 415 && brotli.answer["error"]?.stringValue?.contains("Content-Encoding 'br'") == true, "\(brotli)")
            let mislabelled = try await post(port, "/ingest/gov", #"{"id":"M"}"#, token: token, headers: ["Content-Encoding: gzip"])
            #expect(mislabelled.status == 400 && mislabelled.answer["error"]?.stringValue?.hasPrefix("the body is not valid gzip") == true,
                    "\(mislabelled)")
            #expect(try buffer.pending(channel: "gov", after: 0) == 2)
        }
    }
}

/// A plain TCP connection to a loopback port, for requests curl will not send (a body that
/// trickles in, a connection that says nothing). Blocking: use it on a thread of its own.
final class LoopbackClient: @unchecked Sendable {
    private var fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { closeSocket(); throw POSIXError(.ECONNREFUSED) }
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard Glibc.send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { throw POSIXError(.EPIPE) }
    }

    /// The first bytes to arrive within `timeout` seconds.
    func readSome(timeout: Int) -> String {
        var limit = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var chunk = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &chunk, chunk.count, 0)
        return n > 0 ? String(decoding: chunk[..<n], as: UTF8.self) : ""
    }

    /// What arrives until the server closes the connection, or `timeout` seconds pass.
    func readToEnd(timeout: Int) -> String {
        var limit = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            guard n > 0 else { break }
            received += chunk[..<n]
        }
        return String(decoding: received, as: UTF8.self)
    }

    func close() { closeSocket() }

    private func closeSocket() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    deinit { closeSocket() }
}
