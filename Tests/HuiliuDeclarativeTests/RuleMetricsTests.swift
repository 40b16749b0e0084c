import CoreMetrics
import Foundation
import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import HuiliuKitTesting
import MetricsTestKit
@testable import HuiliuTestSupport
import Testing

/// Operators see alerts in the metrics: `huiliu_alerts_raised_total{pipeline, rule, severity}`.
struct RuleMetricsTests {
    @Test func alertsAreCountedByRuleAndSeverity() async throws {
        let metrics = TestMetrics()
        try await withMetricsFactory(metrics) {
            let step = try RuleStep(config: ParsedConfig(testing: ["rule": "air-quality-index", "emit": "alerts"]),
                                    context: .testing(projectDirectory: repositoryRoot))
            let readings: [Record] = [109, 120, 250, 80].enumerated().map { hour, aqi in
                Record(data: ["kind": "air_quality_index", "station_id": "AQ1", "aqi": .integer(aqi),
                              "period_start": .string("2026-11-28T0\(hour):00:00+08:00"), "primary_pollutants": ["PM2.5_1h"]],
                       origin: RecordOrigin("buffer", position: hour), key: "AQ1/\(hour)", type: "environment.assessment.v1")
            }
            #expect(try await step.process(readings).records.count == 3)
        }
        let yellow = try metrics.expectCounter("huiliu_alerts_raised_total", [("pipeline", "test"), ("rule", "air-quality-index"), ("severity", "yellow")])
        let red = try metrics.expectCounter("huiliu_alerts_raised_total", [("pipeline", "test"), ("rule", "air-quality-index"), ("severity", "red")])
        #expect(yellow.totalValue == 2)
        #expect(red.totalValue == 1)
    }
}
