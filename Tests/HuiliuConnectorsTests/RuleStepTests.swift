import Foundation
import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import HuiliuKitTesting
import Testing

/// The rule step with the project's `config/rules/budget-time-progress.yaml` (domain.md §6.3).
struct RuleStepTests {
    /// 2024-08-02T10:00:00+08:00, the raising time of alert.json's example.
    static let now: Int64 = 1_722_564_000_000

    var context: ConnectorContext {
        var context = ConnectorContext.testing(projectDirectory: MapAndValidateTests.root)
        context.clock = { Self.now }
        return context
    }

    func execution(unit: String, month: Int, budget: Int, spent: Int, reported: Value? = nil, name: String? = nil) -> Record {
        var data: Object = [
            "fiscal_year": 2024, "period_month": .integer(month), "region": "421100", "budget_book": "general_public",
            "unit_code": .string(unit), "function_code": "2110101", "budget_fen": .integer(budget), "spent_cumulative_fen": .integer(spent),
        ]
        if let name { data["unit_name"] = .string(name) }
        if let reported { data["time_progress_pct"] = reported }
        return Record(data: .object(data), origin: RecordOrigin("execution.jsonl", position: Int(unit)! - 105_000),
                      key: "2024/\(month)/421100/general_public/\(unit)/2110101", type: "budget.execution.v1")
    }

    func step(_ config: Object = ["rule": "budget-time-progress"]) throws -> RuleStep {
        try RuleStep(config: ParsedConfig(testing: config), context: context)
    }

    /// The day method without the date it counts to is not judged by the month method instead:
    /// the record is dead-lettered, saying what is missing.
    @Test func theDayMethodNeedsItsDate() async throws {
        var record = execution(unit: "105007", month: 2, budget: 100_000, spent: 1_000)
        record.data["progress_method"] = "day"
        let output = try await step().process([record])
        #expect(output.records.allSatisfy { $0.type != "alert.v1" })
        #expect(output.failures.count == 1)
        #expect(output.failures.first?.reason.contains("as_of is missing") == true, "\(output.failures)")
        // A rate the upstream reports is kept, with or without the date.
        var reported = record
        reported.data["time_progress_pct"] = .decimal(DecimalNumber("16.00")!)
        let kept = try await step().process([reported])
        #expect(kept.failures.isEmpty, "\(kept.failures)")
        #expect(kept.records.last?.data["metrics"]?["time_progress_pct"] == .decimal(DecimalNumber("16.00")!))
        record.data["as_of"] = "2024-02-29"
        let judged = try await step().process([record])
        #expect(judged.failures.isEmpty)
        // Day 60 of 366 is 16.39 %; 1 % executed is 15.39 points behind.
        #expect(judged.records.last?.data["metrics"]?["time_progress_pct"] == .decimal(DecimalNumber("16.39")!))
    }

    @Test func raisesAnAlertAtTheMostSevereLevelThatHolds() async throws {
        let output = try await step().process([
            // 41.20 % at the end of July against 58.33: 17.13 points behind, yellow.
            execution(unit: "105001", month: 7, budget: 100_000_000, spent: 41_200_000, name: "黄冈市生态环境局"),
            // The §6.3 notice: 56.47 % against a reported 58.00 is 1.53 behind, no alert.
            execution(unit: "105002", month: 7, budget: 100_000_000, spent: 56_470_000, reported: .decimal(DecimalNumber("58.00")!)),
            // 30 % at the end of September against 75: 45 points behind, red.
            execution(unit: "105003", month: 9, budget: 100_000_000, spent: 30_000_000),
            // No budget: no rate, so nothing to judge.
            execution(unit: "105004", month: 9, budget: 0, spent: 0),
        ])
        #expect(output.failures.isEmpty)
        #expect(output.records.map { $0.type ?? "" } == [
            "budget.execution.v1", "alert.v1", "budget.execution.v1", "budget.execution.v1", "alert.v1", "budget.execution.v1",
        ])
        let alert = output.records[1]
        let subject = "2024/7/421100/general_public/105001/2110101"
        // sha256(rule \0 entity \0 subject)[:16] and sha256(source \0 type \0 key)[:16], computed with Python's hashlib.
        #expect(alert.key == "e628bd0d78f541929c9cea3847f1b11d")
        #expect(alert.data == [
            "alert_id": "e628bd0d78f541929c9cea3847f1b11d", "rule": "budget-time-progress", "severity": "yellow",
            "raised_at": "2024-08-02T10:00:00+08:00", "title": "预算执行低于序时进度 / Budget execution behind time progress",
            "message": "黄冈市生态环境局 2110101 截至 7 月执行率 41.20%，低于序时进度 17.13 个百分点。",
            "entity": "budget.execution.v1", "subject": .string(subject), "event_id": "4c5d5117955cd46e996f9dc433ad64aa",
            "region": "421100", "owner": "黄冈市生态环境局",
            "metrics": ["execution_rate_pct": .decimal(DecimalNumber("41.20")!), "execution_rate_computed_pct": .decimal(DecimalNumber("41.20")!),
                        "time_progress_pct": .decimal(DecimalNumber("58.33")!), "gap_pp": .decimal(DecimalNumber("-17.13")!)],
            "threshold": -10, "status": "open",
        ])
        #expect(alert.time == "2024-08-02T10:00:00+08:00")
        #expect(alert.dataschema == "https://huiliu.dev/schema/v1/alert.json")
        #expect(alert.origin == output.records[0].origin)
        let red = output.records[4].data
        #expect(red["severity"] == "red")
        #expect(red["threshold"] == -20)
        #expect(red["metrics"]?["gap_pp"]?.jsonText == "-45.00")
        #expect(red["owner"] == nil, "no unit name, so no owner")
        #expect(red["message"] == "105003 2110101 截至 9 月执行率 30.00%，低于序时进度 45.00 个百分点。")
    }

    /// Rates the upstream reports are judged as reported, with the computed one kept beside
    /// them (domain.md §6.3: agencies round differently); the alert is raised at the record's
    /// time, so a rerun over the same data raises the same alert.
    @Test func judgesByReportedRatesAtTheRecordsTime() async throws {
        var record = execution(unit: "105001", month: 7, budget: 100_000_000, spent: 47_339_000)
        record.data["execution_rate_pct"] = .decimal(DecimalNumber("47.33")!)
        record.data["time_progress_pct"] = .decimal(DecimalNumber("58.00")!)
        record.time = "2024-08-02T09:00:00+08:00"
        let output = try await step().process([record])
        let alert = try #require(output.records.last?.data)
        #expect(alert["metrics"] == ["execution_rate_pct": .decimal(DecimalNumber("47.33")!),
                                     "execution_rate_computed_pct": .decimal(DecimalNumber("47.34")!),
                                     "time_progress_pct": .decimal(DecimalNumber("58.00")!), "gap_pp": .decimal(DecimalNumber("-10.67")!)])
        #expect(alert["raised_at"] == "2024-08-02T09:00:00+08:00")
        #expect(output.records.last?.time == "2024-08-02T09:00:00+08:00")
    }

    /// The day method when the record says so: 2024-06-30 is day 182 of 366, 49.73 %.
    @Test func followsTheRecordsProgressMethod() async throws {
        var record = execution(unit: "105001", month: 6, budget: 100_000_000, spent: 30_000_000)
        record.data["progress_method"] = "day"
        record.data["as_of"] = "2024-06-30"
        let output = try await step().process([record])
        #expect(output.records.last?.data["metrics"]?["time_progress_pct"]?.jsonText == "49.73")
        #expect(output.records.last?.data["metrics"]?["gap_pp"]?.jsonText == "-19.73")
    }

    /// Alerts conform to config/schema/alert.json, so a `validate` after the step passes them.
    @Test func alertsConformToTheAlertSchema() async throws {
        let alerts = try await step(["rule": "budget-time-progress", "emit": "alerts"]).process([
            execution(unit: "105001", month: 7, budget: 100_000_000, spent: 41_200_000, name: "黄冈市生态环境局"),
            execution(unit: "105003", month: 9, budget: 100_000_000, spent: 30_000_000),
            execution(unit: "105005", month: 11, budget: 100_000_000, spent: 95_000_000),
        ])
        #expect(alerts.records.count == 2, "emit: alerts passes only the alerts")
        let validate = try ValidateStep(config: ParsedConfig(testing: [:]), context: context)
        let checked = try await validate.process(alerts.records)
        #expect(checked.failures.map(\.description) == [])
        #expect(checked.records.count == 2)
    }

    @Test func recordsOfOtherTypesPassUntouched() async throws {
        let payment = Record(data: ["payment_id": "ZF1"], origin: RecordOrigin("in", position: 1), key: "ZF1", type: "budget.payment.v1")
        let output = try await step().process([payment])
        #expect(output.records.map(\.data) == [["payment_id": "ZF1"]])
        #expect(output.failures.isEmpty)
    }

    /// A record the rule cannot judge is dead-lettered with the reason, and the batch goes on.
    @Test func aRecordTheRuleCannotJudgeIsDeadLettered() async throws {
        var keyless = execution(unit: "105001", month: 7, budget: 100, spent: 10)
        keyless.key = nil
        var textual = execution(unit: "105002", month: 7, budget: 100, spent: 10)
        textual.data["time_progress_pct"] = "58%"
        let output = try await step().process([keyless, textual, execution(unit: "105003", month: 9, budget: 100, spent: 10)])
        #expect(output.failures.map(\.record.origin.description) == ["execution.jsonl:1", "execution.jsonl:2"])
        #expect(output.failures[0].reason.contains("no natural key"))
        #expect(output.failures[1].reason.contains("metric time_progress_pct"), "\(output.failures[1].reason)")
        #expect(output.failures[1].reason.contains("\"58%\""))
        #expect(output.records.map { $0.type ?? "" } == ["budget.execution.v1", "alert.v1"])
    }

    /// A rule whose alert text fails still lets the record through; the failure is dead-lettered,
    /// so that a replay (after the rule is fixed) raises the alert.
    @Test func anAlertWhoseTextFailsLetsTheRecordThrough() async throws {
        let directory = try Self.project(rules: ["textual": """
            title: t
            entity: budget.execution.v1
            metrics:
              "rate.pct": percent(record.spent_cumulative_fen, record.budget_fen)
            levels:
              - severity: red
                when: metrics."rate.pct" < `50`
            message: record.budget_fen
            """])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let step = try RuleStep(config: ParsedConfig(testing: ["rule": "textual"]), context: .testing(projectDirectory: directory))
        let output = try await step.process([execution(unit: "105001", month: 7, budget: 100, spent: 10)])
        #expect(output.records.map { $0.type ?? "" } == ["budget.execution.v1"])
        #expect(output.failures.map(\.reason) == ["rule 'textual': alert not raised: message 'record.budget_fen' gave 100, not text"])
    }

    /// An HJ 212 assessment, with the envelope attributes its station's registry entry gives.
    func assessment(_ data: Object, station: String, hour: Int) -> Record {
        var data = data
        data["period_start"] = .string("2026-11-28T\(hour < 10 ? "0" : "")\(hour):00:00+08:00")
        var record = Record(data: .object(data), origin: RecordOrigin("buffer", position: hour), key: "\(station)/assessment/\(hour)",
                            type: "environment.assessment.v1")
        record.extensions = ["region": "421102", "owner": "生态环境"]
        return record
    }

    /// The shipped environment rules: AQI by HJ 633's levels, water class against the section's target.
    @Test func theEnvironmentRulesRaiseByLevelAndTarget() async throws {
        let air = try step(["rule": "air-quality-index", "emit": "alerts"])
        let water = try step(["rule": "surface-water-target", "emit": "alerts"])
        let readings: [Record] = [
            assessment(["kind": "air_quality_index", "station_id": "AQ1", "aqi": 100, "primary_pollutants": ["PM2.5_1h"]], station: "AQ1", hour: 1),
            assessment(["kind": "air_quality_index", "station_id": "AQ1", "aqi": 109, "level": "三级", "category": "轻度污染",
                        "primary_pollutants": ["PM2.5_1h"]], station: "AQ1", hour: 2),
            assessment(["kind": "air_quality_index", "station_id": "AQ1", "aqi": 151, "primary_pollutants": ["PM10_1h"]], station: "AQ1", hour: 3),
            assessment(["kind": "air_quality_index", "station_id": "AQ1", "aqi": 201, "primary_pollutants": ["O3_1h"]], station: "AQ1", hour: 4),
            assessment(["kind": "air_quality_index", "station_id": "AQ1", "aqi": nil], station: "AQ1", hour: 5),
            // 巴河入江口 is held to class III, the emulated 麻城 section to class II, others to III.
            assessment(["kind": "surface_water_class", "station_id": "42110200SW0001", "water_class": "III"], station: "SW1", hour: 6),
            assessment(["kind": "surface_water_class", "station_id": "42110200SW0001", "water_class": "V",
                        "limiting_parameters": ["w21003"]], station: "SW1", hour: 7),
            assessment(["kind": "surface_water_class", "station_id": "421181SW000000", "water_class": "III"], station: "SW2", hour: 8),
            assessment(["kind": "surface_water_class", "station_id": "OTHER", "water_class": "劣V"], station: "SW3", hour: 9),
        ]
        let airAlerts = try await air.process(readings).records.map(\.data)
        #expect(airAlerts.map { $0["severity"] } == ["yellow", "orange", "red"])
        #expect(airAlerts.map { $0["threshold"] } == [100, 150, 200])
        #expect(airAlerts.first?["message"] == "AQ1 2026-11-28T02:00:00+08:00 小时 AQI 109（三级 轻度污染），首要污染物 PM2.5_1h")
        let waterAlerts = try await water.process(readings).records.map(\.data)
        #expect(waterAlerts.map { $0["severity"] } == ["orange", "yellow", "red"])
        #expect(waterAlerts.map { $0["metrics"]?["classes_behind"] } == [2, 1, 3])
        #expect(waterAlerts.first?["message"] == "42110200SW0001 2026-11-28T07:00:00+08:00 水质 V 类，目标 III 类，定类因子 w21003")
        // The station's region and agency, from the envelope: an analyst filters alerts by region.
        #expect(Set((airAlerts + waterAlerts).map { [$0["region"], $0["owner"]] }) == [["421102", "生态环境"]])
    }

    /// A temporary project with `rules` in config/rules/.
    static func project(rules: [String: String]) throws -> String {
        let directory = NSTemporaryDirectory() + "huiliu-rule-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/config/rules", withIntermediateDirectories: true)
        for (name, text) in rules { try text.write(toFile: directory + "/config/rules/\(name).yaml", atomically: true, encoding: .utf8) }
        return directory
    }

    @Test func anUnknownRuleSuggestsTheNearest() {
        #expect { try step(["rule": "budget-time-progres"]) } throws: {
            "\($0)".contains("no file config/rules/budget-time-progres.yaml") && "\($0)".contains("budget-time-progress")
        }
    }

    /// A broken expression in a rule file is reported at its file, line and column.
    @Test func aBrokenExpressionIsReportedWhereItIs() throws {
        let directory = NSTemporaryDirectory() + "huiliu-rule-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/config/rules", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
            title: t
            entity: budget.execution.v1
            metrics:
              gap: subtract(record.a, record.b)
            levels:
              - severity: red
                when: metrics.gap < < `-20`
            """.write(toFile: directory + "/config/rules/broken.yaml", atomically: true, encoding: .utf8)
        var context = ConnectorContext.testing(projectDirectory: directory)
        context.clock = { Self.now }
        #expect { try RuleStep(config: ParsedConfig(testing: ["rule": "broken"]), context: context) } throws: {
            "\($0)".contains("config/rules/broken.yaml:7:25: invalid expression")
        }
        try """
            title: t
            entity: budget.execution.v1
            levels:
              - severity: amber
                when: "`true`"
            """.write(toFile: directory + "/config/rules/amber.yaml", atomically: true, encoding: .utf8)
        #expect { try RuleStep(config: ParsedConfig(testing: ["rule": "amber"]), context: context) } throws: {
            "\($0)".contains("config/rules/amber.yaml:4") && "\($0)".contains("amber")
        }
        // Levels are tested in order, so a milder one before a severer one is refused, and so are
        // an entity that is not an event type and a message that does not compile, each where it is.
        try """
            title: t
            entity: budget.execution
            levels:
              - { severity: yellow, when: "`true`" }
              - { severity: red, when: "`true`" }
            message: join('', [record.a)
            """.write(toFile: directory + "/config/rules/order.yaml", atomically: true, encoding: .utf8)
        #expect { try RuleStep(config: ParsedConfig(testing: ["rule": "order"]), context: context) } throws: {
            let text = "\($0)"
            return text.contains("order.yaml:2:1: 'entity' is an event type") && text.contains("'red' comes after the milder 'yellow'")
                && text.contains("order.yaml:6:28: invalid expression") && text.contains("order.yaml:5:17: levels go")
        }
        // A field the file gets wrong (an unknown severity) and an expression that does not
        // compile are reported together, not one after the other is fixed.
        try """
            title: t
            entity: budget.execution.v1
            metrics:
              gap: subtract(record.a,
            levels:
              - { severity: purple, when: "`true`" }
              - { severity: red, when: "metrics.gap <" }
            """.write(toFile: directory + "/config/rules/both.yaml", atomically: true, encoding: .utf8)
        #expect { try RuleStep(config: ParsedConfig(testing: ["rule": "both"]), context: context) } throws: {
            let text = "\($0)"
            return text.contains("both.yaml:6:17") && text.contains("purple") && text.contains("both.yaml:4:26: invalid expression")
                && text.contains("both.yaml:7:42: invalid expression")
        }
        // A missing entity is said once, as missing.
        try "title: t\nlevels:\n  - { severity: red, when: \"`true`\" }\n".write(toFile: directory + "/config/rules/noentity.yaml", atomically: true, encoding: .utf8)
        #expect { try RuleStep(config: ParsedConfig(testing: ["rule": "noentity"]), context: context) } throws: {
            "\($0)".contains("missing required field 'entity'") && !"\($0)".contains("is an event type")
        }
    }
}
