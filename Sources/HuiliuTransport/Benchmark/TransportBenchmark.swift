import Foundation
import HuiliuKit
import HuiliuCore

/// Pages per second of ``HTTPClient`` against the `curl` command line tool, both fetching the
/// same static JSON pages from a loopback server over one kept-alive connection and discarding
/// the bodies, measured in the same run.
///
/// ```swift
/// let result = try await TransportBenchmark.run(.init(pages: 5000))
/// print(result)   // transport 4,210 pages/s, curl 5,030 pages/s (84%) …
/// ```
public enum TransportBenchmark {
    /// What to fetch and how often.
    public struct Configuration: Sendable {
        /// Pages fetched per round by each client. The default is 3,000.
        public var pages = 3000
        /// JSON records per page. The default is 1,000 (about 230 KB).
        public var recordsPerPage = 1000
        /// Distinct page files served in rotation (the server caches them either way). The default is 20.
        public var distinctPages = 20
        /// Rounds per client, alternating; the best round counts. The default is 3.
        public var rounds = 3
        /// The server; `nil` picks lighttpd when installed. The default is `nil`.
        public var server: StaticFileServer.Kind?

        /// The defaults.
        public init(pages: Int = 3000) {
            self.pages = pages
        }
    }

    /// The measurement.
    public struct Result: Sendable, CustomStringConvertible {
        /// The server program used.
        public var server: StaticFileServer.Kind
        /// Pages per round.
        public var pages: Int
        /// Bytes per page.
        public var pageBytes: Int
        /// Best round of ``HTTPClient``, in pages per second.
        public var transportPagesPerSecond: Double
        /// Best round of the `curl` tool, in pages per second.
        public var curlPagesPerSecond: Double
        /// Connections ``HTTPClient`` opened in its best round (1 means keep-alive held; 0 means reused from warm-up).
        public var transportConnections: Int
        /// Connections `curl` opened in its best round.
        public var curlConnections: Int

        /// Transport throughput as a fraction of curl's.
        public var ratio: Double { curlPagesPerSecond > 0 ? transportPagesPerSecond / curlPagesPerSecond : 0 }

        public var description: String {
            func rate(_ value: Double) -> String { String(Int(value.rounded())) }
            return """
                transport benchmark: \(pages) pages × \(pageBytes / 1024) KiB from \(server.rawValue) on loopback, one kept-alive connection
                  HuiliuTransport  \(rate(transportPagesPerSecond)) pages/s  (\(rate(transportPagesPerSecond * Double(pageBytes) / 1_048_576)) MiB/s, \(transportConnections) new connections)
                  curl CLI         \(rate(curlPagesPerSecond)) pages/s  (\(rate(curlPagesPerSecond * Double(pageBytes) / 1_048_576)) MiB/s, \(curlConnections) new connections)
                  ratio            \(Int((ratio * 100).rounded()))% of curl
                """
        }
    }

    /// Generates the pages, starts the server, and runs both clients.
    /// - Parameters:
    ///   - configuration: sizes and rounds.
    ///   - progress: receives one line per round.
    public static func run(_ configuration: Configuration = Configuration(),
                           progress: @Sendable (String) -> Void = { _ in }) async throws -> Result {
        guard let curl = StaticFileServer.executable("curl") else { throw BenchmarkError("the curl command line tool is not installed") }
        let root = NSTemporaryDirectory() + "huiliu-bench-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var pageBytes = 0
        for page in 0..<configuration.distinctPages {
            let bytes = makePage(page, records: configuration.recordsPerPage)
            pageBytes = bytes.count
            try Data(bytes).write(to: URL(fileURLWithPath: "\(root)/page-\(page).json"))
        }
        let server = try StaticFileServer(root: root, preferred: configuration.server)
        defer { server.stop() }
        let urls = (0..<configuration.pages).map { server.url("page-\($0 % configuration.distinctPages).json") }
        let curlConfig = root + "/urls.curlrc"
        try urls.map { "url = \"\($0)\"\noutput = \"/dev/null\"\n" }.joined().write(toFile: curlConfig, atomically: true, encoding: .utf8)

        let client = HTTPClient()
        var options = TransferOptions()
        options.httpVersion = .http1_1
        // Warm up both sides (page cache, server, connection) before measuring.
        for url in urls.prefix(50) { _ = try await client.execute(HTTPRequest(url: url, options: options)).checkStatus() }
        _ = try runCurl(curl, config: curlConfig)

        var best = (transport: 0.0, curl: 0.0, transportConnections: 0, curlConnections: 0)
        for round in 1...max(1, configuration.rounds) {
            let started = ContinuousClock.now
            var opened = 0
            for url in urls {
                let response = try await client.execute(HTTPRequest(url: url, options: options))
                guard response.status == 200, response.body.count > pageBytes / 2 else {
                    throw BenchmarkError("unexpected response \(response.status) with \(response.body.count) bytes")
                }
                opened += response.metrics.connectionsOpened
            }
            let transportRate = Double(urls.count) / (ContinuousClock.now - started).seconds
            let (curlSeconds, curlConnections) = try runCurl(curl, config: curlConfig)
            let curlRate = Double(urls.count) / curlSeconds
            progress("round \(round): transport \(Int(transportRate)) pages/s, curl \(Int(curlRate)) pages/s")
            if transportRate > best.transport { best.transport = transportRate; best.transportConnections = opened }
            if curlRate > best.curl { best.curl = curlRate; best.curlConnections = curlConnections }
        }
        client.shutdown()
        return Result(server: server.kind, pages: urls.count, pageBytes: pageBytes, transportPagesPerSecond: best.transport,
                      curlPagesPerSecond: best.curl, transportConnections: best.transportConnections,
                      curlConnections: best.curlConnections)
    }

    /// Runs `curl -K config` (every URL on one command line shares one connection) and returns
    /// wall-clock seconds and connections opened.
    private static func runCurl(_ curl: String, config: String) throws -> (Double, Int) {
        let started = ContinuousClock.now
        let process = try SpawnedProcess(curl, ["--silent", "--show-error", "--fail", "--http1.1", "--config", config,
                                                "--write-out", "%{num_connects}\n"])
        let output = process.standardOutput!.readDataToEndOfFile()
        // Read after the output: curl says little there (--show-error), well within a pipe's buffer.
        let said = String(decoding: process.standardError!.readDataToEndOfFile(), as: UTF8.self)
        let status = process.wait().status
        let seconds = (ContinuousClock.now - started).seconds
        guard status == 0 else { throw BenchmarkError("curl exited with \(status): \(said)") }
        let connections = String(decoding: output, as: UTF8.self).split(separator: "\n").compactMap { Int($0) }.reduce(0, +)
        return (seconds, connections)
    }

    /// A page of budget-payment-like records, as an upstream export would send them.
    static func makePage(_ page: Int, records: Int) -> [UInt8] {
        let agencies = ["武汉市财政局", "武汉市教育局", "武汉市卫生健康委员会", "武汉市交通运输局"]
        var items: [Value] = []
        items.reserveCapacity(records)
        for i in 0..<records {
            let n = page * records + i
            items.append(.object([
                "id": .string("PAY-2024-\(String(n + 1000000).dropFirst())"),
                "region": "420100",
                "agency": .string(agencies[n % agencies.count]),
                "functional_class": .string("20\(50 + n % 40)"),
                "economic_class": "30201",
                "payee": .string("供应商 \(n % 977)"),
                "amount": .string("\(1000 + n % 90_000).\(String(n % 100 + 100).dropFirst())"),
                "paid_at": .string("2024-06-\(String(n % 28 + 101).dropFirst())T08:\(String(n % 60 + 100).dropFirst()):00+08:00"),
                "status": n % 13 == 0 ? "returned" : "paid",
            ]))
        }
        var writer = JSONWriter(capacity: records * 260)
        writer.write(.object(["page": .integer(page + 1), "page_size": .integer(records), "total": .integer(1_000_000),
                              "items": .array(items)]))
        return writer.bytes
    }
}

extension Duration {
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
