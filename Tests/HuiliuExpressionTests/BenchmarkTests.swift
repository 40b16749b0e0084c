import Foundation
import HuiliuCore
import HuiliuExpression
import Testing

/// Runs the benchmark helper briefly; prints the rates but asserts no timings.
struct BenchmarkTests {
    @Test func everyBenchmarkCaseRuns() throws {
        let url = ConformanceTests.folder.appendingPathComponent("benchmarks.json")
        let suites = try JSONReader.parse(Array(try Data(contentsOf: url)))
        // Long enough that a thread preempted on a loaded machine still gets through a first
        // batch (the helper counts none if its time is up before it looked); 16 cases, ~3 s.
        let results = ExpressionBenchmark.run(suites: suites, duration: .milliseconds(200))
        #expect(results.count == 16)
        for result in results {
            #expect(result.error == nil, "\(result.expression): \(String(describing: result.error))")
            #expect(result.iterations > 0)
        }
    }
}
