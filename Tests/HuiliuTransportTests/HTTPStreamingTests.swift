import Foundation
import HuiliuCore
import HuiliuTransport
import Testing

@Suite("Streaming bodies with back-pressure")
struct HTTPStreamingTests {
    let client = HTTPClient()

    /// Peak resident memory of this process, in bytes (coarse: Linux reports KiB).
    static func maxRSS() -> Int {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss * 1024
    }

    @Test func streams200MegabytesInFlatMemory() async throws {
        let server = try await TestServer.get()
        let total = 200 << 20
        let before = Self.maxRSS()
        let response = try await client.stream(HTTPRequest(url: server.url("/stream?bytes=\(total)")))
        try response.head.checkStatus()
        #expect(response.head.headers["Content-Length"] == "\(total)")
        var received = 0
        var chunks = 0
        var patternHolds = true
        for try await chunk in response.body {
            // The server repeats bytes 0...255, so each byte equals its offset modulo 256.
            if let first = chunk.first, Int(first) != received % 256 { patternHolds = false }
            received += chunk.count
            chunks += 1
            if chunks == 1 {
                // A stalled consumer: without back-pressure the whole body would pile up now.
                try await Task.sleep(for: .seconds(1))
            }
        }
        let grown = Self.maxRSS() - before
        #expect(received == total)
        #expect(patternHolds)
        #expect(response.body.metrics?.bytesReceived == Int64(total))
        // Without back-pressure the whole 200 MiB would have waited for the stalled reader;
        // with it, about the 1 MiB high-water mark (plus the chunk that crossed it) does.
        #expect(response.body.peakBuffered < 4 << 20, "\(response.body.peakBuffered) bytes waited for the reader")
        // The process-wide peak is coarse (other tests run in the same process at once), so
        // its bound is loose: it still catches the body piling up in memory.
        #expect(grown < 180 << 20, "peak RSS grew by \(grown >> 20) MiB while streaming 200 MiB")
    }

    @Test func aPausedTransferIsNotStalled() async throws {
        let server = try await TestServer.get()
        var options = TransferOptions()
        options.stallTimeout = .seconds(1)
        let response = try await client.stream(HTTPRequest(url: server.url("/stream?bytes=\(8 << 20)"), options: options))
        var received = 0
        for try await chunk in response.body {
            if received == 0 { try await Task.sleep(for: .milliseconds(2500)) }  // paused well past the stall timeout
            received += chunk.count
        }
        #expect(received == 8 << 20)
    }

    /// The server sends the head and a first byte, then holds the last byte until the test,
    /// holding the head, asks for it: a client that waited for the whole body before handing
    /// over the head would find the gate already timed out.
    @Test func headArrivesBeforeTheBodyIsComplete() async throws {
        let server = try await TestServer.get()
        let gate = UUID().uuidString
        let response = try await client.stream(HTTPRequest(url: server.url("/gated-body?gate=\(gate)")))
        #expect(response.head.status == 200)
        let opened = try await client.execute(HTTPRequest(url: server.url("/open-gate?gate=\(gate)"))).json()
        #expect(opened["held"]?.boolValue == true, "the body was complete before the head was handed over")
        let body = try await response.body.collect()
        #expect(body == Array(repeating: UInt8(ascii: "x"), count: 2))
    }

    @Test func collectsAStreamIntoAResponse() async throws {
        let server = try await TestServer.get()
        let response = try await client.stream(HTTPRequest(url: server.url("/json?page=3"))).collect()
        #expect(try response.json()["page"]?.intValue == 3)
        #expect(response.metrics.total > .zero)
    }

    @Test func collectingPastTheLimitFails() async throws {
        let server = try await TestServer.get()
        let response = try await client.stream(HTTPRequest(url: server.url("/stream?bytes=3000000")))
        let error = await #expect(throws: TransportError.self) { try await response.body.collect(upTo: 1_000_000) }
        #expect(error?.code == .bodyTooLarge)
    }

    @Test func cancellingTheReaderAbortsTheTransfer() async throws {
        let server = try await TestServer.get()
        let client = self.client
        let reader = Task { () -> Result<Int, any Error> in
            var received = 0
            do {
                let response = try await client.stream(HTTPRequest(url: server.url("/stream?bytes=\(1 << 30)")))
                for try await chunk in response.body { received += chunk.count }
                return .success(received)
            } catch {
                return .failure(error)
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        reader.cancel()
        let outcome = await reader.value
        guard case .failure(let error) = outcome else {
            Issue.record("a 1 GiB stream finished despite cancellation: \(outcome)")
            return
        }
        #expect((error as? TransportError)?.code == .cancelled)
        // The loop is still healthy.
        #expect(try await client.execute(HTTPRequest(url: server.url("/json"))).status == 200)
    }

    @Test func droppingTheBodyAbortsTheTransfer() async throws {
        let server = try await TestServer.get()
        let id = UUID().uuidString
        do {
            let response = try await client.stream(HTTPRequest(url: server.url("/stream?bytes=\(1 << 33)&id=\(id)")))
            var iterator = response.body.makeAsyncIterator()
            _ = try await iterator.next()
        }
        // Nothing reads the 8 GiB now: the connection must be closed, not drained in the
        // background, and the next request must not queue behind it.
        #expect(try await client.execute(HTTPRequest(url: server.url("/json"))).status == 200)
        let outcome = try await client.execute(HTTPRequest(url: server.url("/stream-outcome?id=\(id)"))).json()
        #expect(outcome["unfinished"] == nil, "the server was still sending a minute later")
        let sent = try #require(outcome["sent"]?.intValue)
        #expect(sent < 1 << 33)
    }

    @Test func explicitCancelEndsTheStream() async throws {
        let server = try await TestServer.get()
        let response = try await client.stream(HTTPRequest(url: server.url("/stream?bytes=\(1 << 30)")))
        var iterator = response.body.makeAsyncIterator()
        _ = try await iterator.next()
        response.body.cancel()
        let error = await #expect(throws: TransportError.self) {
            while try await iterator.next() != nil {}
        }
        #expect(error?.code == .cancelled)
    }

    @Test func cancellingARequestTaskAbortsIt() async throws {
        let server = try await TestServer.get()
        let client = self.client
        let started = ContinuousClock.now
        let request = Task { try await client.execute(HTTPRequest(url: server.url("/slow?delay=90"))) }
        try await Task.sleep(for: .milliseconds(200))
        request.cancel()
        let error = await #expect(throws: TransportError.self) { try await request.value }
        #expect(error?.code == .cancelled)
        // The server would answer after 90 s; well before that means the transfer was aborted.
        #expect(ContinuousClock.now - started < .seconds(30))
    }
}
