import Foundation
import HuiliuCore
import HuiliuExpression
import Testing

/// Runs the benchmark helper briefly; prints the rates but asserts no timings.
struct BenchmarkTests {
    @Test func everyBenchmarkCaseRuns() throws {
        let url = ConformanceTests.folder.appendingPathComponent("benchmarks.json")
        let suites = try JSONReader.parse(Array(try Data(contentsOf: url)))
        // Brief: the helper always runs a first batch, however late its thread gets to look.
        let results = ExpressionBenchmark.run(suites: suites, duration: .milliseconds(5))
        #expect(results.count == 16)
        for result in results {
            #expect(result.error == nil, "\(result.expression): \(String(describing: result.error))")
            #expect(result.iterations > 0)
        }
    }
}
