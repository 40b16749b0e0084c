import Foundation
import HuiliuTransport
import Testing
@testable import HuiliuTestSupport

@Suite("Transport benchmark")
struct TransportBenchmarkTests {
    /// A short run that proves the benchmark works; set `HUILIU_BENCH_PAGES`, `HUILIU_BENCH_ROUNDS`
    /// and `HUILIU_BENCH_SERVER` (`lighttpd` or `python`), and build with `-c release`, for a real measurement.
    @Test func benchmarkRuns() async throws {
        let environment = ProcessInfo.processInfo.environment
        // Python's http.server manages ~35 pages/s here (it is the fallback when lighttpd is missing).
        let defaultPages = findExecutable("lighttpd") != nil ? 200 : 30
        var configuration = TransportBenchmark.Configuration(pages: Int(environment["HUILIU_BENCH_PAGES"] ?? "") ?? defaultPages)
        configuration.rounds = Int(environment["HUILIU_BENCH_ROUNDS"] ?? "") ?? 1
        configuration.server = environment["HUILIU_BENCH_SERVER"].flatMap(StaticFileServer.Kind.init(rawValue:))
        let result = try await TransportBenchmark.run(configuration) { print($0) }
        print(result)
        #expect(result.transportPagesPerSecond > 0)
        #expect(result.curlPagesPerSecond > 0)
        #expect(result.transportConnections <= 1, "one kept-alive connection")
        #expect(result.curlConnections == 1, "curl reused its connection for every URL")
        #expect(result.pageBytes > 150_000)
    }
}
