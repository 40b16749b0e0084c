import Foundation
import HuiliuCore
import Testing

/// `huiliu rule NAME [FILE]`: trying a rule on records while writing it.
struct RuleCommandTests {
    static let rows = """
        {"fiscal_year":2024,"period_month":7,"unit_code":"105001","unit_name":"黄冈市生态环境局","function_code":"2110101","budget_fen":100000000,"spent_cumulative_fen":41200000}
        {"fiscal_year":2024,"period_month":7,"unit_code":"105002","function_code":"2110101","budget_fen":100000000,"spent_cumulative_fen":56470000,"time_progress_pct":58.00}

        {"fiscal_year":2024,"period_month":9,"unit_code":"105003","function_code":"2110101","budget_fen":100,"spent_cumulative_fen":10,"time_progress_pct":"75%"}
        """

    @Test func printsTheAlertsAndCountsWhatItJudged() async throws {
        let result = try await HuiliuCommand.run(["rule", "budget-time-progress", "--key", "join('/', [to_string(fiscal_year), unit_code])"],
                                                 in: HuiliuCommand.root.path, stdin: Data(Self.rows.utf8))
        #expect(result.status == 1, "a record the rule cannot judge: \(result.stderr)")
        let alerts = try result.stdout.split(separator: "\n").map { try JSONReader.parse(Array($0.utf8)) }
        #expect(alerts.map { $0["subject"] } == ["2024/105001"])
        #expect(alerts.first?["severity"] == "yellow")
        #expect(alerts.first?["metrics"]?["gap_pp"]?.jsonText == "-17.13")
        #expect(result.stderr.contains("stdin:4: rule 'budget-time-progress': metric time_progress_pct"))
        #expect(result.stderr.contains("3 records, 1 alert (yellow 1), 1 not judged"))
    }

    /// A sink's output is judged as the pipeline judged it: envelopes of the rule's entity by
    /// their data, subject and region (a CloudEvents integer too); others are left out, and
    /// counted; one whose data is binary is said to be.
    @Test func envelopesAreJudgedByTheirDataSubjectAndRegion() async throws {
        let id = Envelope.deterministicID(source: "/environment/hj212", type: "environment.assessment.v1", key: "42118100AQ0001/aqi/hour/1")
        let rows = """
            {"specversion":"1.0","id":"\(id)","source":"/environment/hj212","type":"environment.assessment.v1","subject":"42118100AQ0001/aqi/hour/1","time":"2026-11-28T01:00:00+08:00","region":421181,"owner":"生态环境","data":{"kind":"air_quality_index","station_id":"42118100AQ0001","period_start":"2026-11-28T01:00:00+08:00","aqi":160,"primary_pollutants":["PM10_1h"]}}
            {"specversion":"1.0","id":"m1","source":"/environment/hj212","type":"environment.measurement.v1","subject":"x","data":{"value":1}}
            {"specversion":"1.0","id":"a2","source":"/environment/hj212","type":"environment.assessment.v1","subject":"y","data_base64":"e30="}
            """
        let result = try await HuiliuCommand.run(["rule", "air-quality-index"], in: HuiliuCommand.root.path, stdin: Data(rows.utf8))
        #expect(result.status == 1 && result.stderr.contains("stdin:3: the envelope carries data_base64"), "\(result.stderr)")
        let alerts = try result.stdout.split(separator: "\n").map { try JSONReader.parse(Array($0.utf8)) }
        #expect(alerts.map { $0["subject"] } == ["42118100AQ0001/aqi/hour/1"])
        #expect(alerts.first?["region"] == "421181" && alerts.first?["owner"] == "生态环境")
        // Raised at the event's time, naming the event it is about, as the pipeline's step does.
        #expect(alerts.first?["raised_at"] == "2026-11-28T01:00:00+08:00" && alerts.first?["event_id"] == .string(id))
        #expect(result.stderr.contains("1 envelope of another type than environment.assessment.v1 left out"))
    }

    /// domain.md §4.1: a payee's credit code with a wrong check character is flagged yellow (the
    /// schema only checks its shape); a right one, or none, raises nothing.
    @Test func aPayeeCreditCodeWithAWrongCheckCharacterIsFlagged() async throws {
        let rows = """
            {"payment_id":"P1","region":"421100","unit_name":"黄冈市教育局","payee":{"name":"甲公司","uscc":"91421102MA49XY012A"}}
            {"payment_id":"P2","region":"421100","unit_name":"黄冈市教育局","payee":{"name":"乙公司","uscc":"91350200776049653A"}}
            {"payment_id":"P3","region":"421100","unit_name":"黄冈市教育局","payee":{"name":"张三"}}
            """
        let result = try await HuiliuCommand.run(["rule", "payee-uscc-check", "--key", "payment_id"], in: HuiliuCommand.root.path,
                                                 stdin: Data(rows.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        let alerts = try result.stdout.split(separator: "\n").map { try JSONReader.parse(Array($0.utf8)) }
        #expect(alerts.map { $0["subject"] } == ["P1"])
        #expect(alerts.first?["severity"] == "yellow")
        #expect(alerts.first?["message"] == "支付 P1 的收款人 甲公司 统一社会信用代码 91421102MA49XY012A 校验位不符（GB 32100-2015）")
    }

    /// domain.md §6.3: spending with no budget, or above it, is red; spending within it, or
    /// nothing spent without a budget, raises nothing.
    @Test func spendingWithoutABudgetOrAboveItIsRed() async throws {
        let rows = """
            {"fiscal_year":2024,"period_month":7,"unit_code":"u1","unit_name":"黄冈市教育局","function_code":"2050201","budget_fen":100000,"spent_cumulative_fen":120000}
            {"fiscal_year":2024,"period_month":7,"unit_code":"u2","function_code":"2100302","budget_fen":0,"spent_cumulative_fen":5000}
            {"fiscal_year":2024,"period_month":7,"unit_code":"u3","function_code":"2100302","spent_cumulative_fen":5000}
            {"fiscal_year":2024,"period_month":7,"unit_code":"u4","function_code":"2110301","budget_fen":100000,"spent_cumulative_fen":100000}
            {"fiscal_year":2024,"period_month":7,"unit_code":"u5","function_code":"2110301","spent_cumulative_fen":0}
            {"fiscal_year":2024,"period_month":7,"unit_code":"u6","function_code":"2110301","budget_fen":-100,"spent_cumulative_fen":500}
            """
        let result = try await HuiliuCommand.run(["rule", "budget-overspend", "--key", "unit_code"], in: HuiliuCommand.root.path,
                                                 stdin: Data(rows.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        let alerts = try result.stdout.split(separator: "\n").map { try JSONReader.parse(Array($0.utf8)) }
        #expect(alerts.map { $0["subject"] } == ["u1", "u2", "u3", "u6"])
        #expect(alerts.allSatisfy { $0["severity"] == "red" })
        #expect(alerts.first?["metrics"]?["overspend_fen"] == 20000)
        #expect(alerts.first?["message"] == "黄冈市教育局 2050201 截至 7 月累计支出 120000 分，超出预算 20000 分（预算 100000 分）。")
        #expect(alerts[1]["metrics"]?["unbudgeted_fen"] == 5000)
        #expect(result.stderr.contains("6 records, 4 alerts (red 4)"))
    }

    /// A JSON array (as Windows tools save it, with a byte-order mark) is read too; its records
    /// are named by position, and one that is not an object is refused, not judged as empty.
    @Test func readsAnArrayAndRefusesWhatIsNotARecord() async throws {
        let array = "\u{FEFF}[{\"period_month\":9,\"budget_fen\":100,\"spent_cumulative_fen\":10,\"unit_code\":\"u\",\"function_code\":\"f\"}, 42]"
        let result = try await HuiliuCommand.run(["rule", "budget-time-progress"], in: HuiliuCommand.root.path, stdin: Data(array.utf8))
        #expect(result.status == 1)
        #expect(try JSONReader.parse(result.stdout)["subject"] == "record 1")
        #expect(result.stderr.contains("stdin: record 2: a record is a JSON object, got 42"))
        #expect(result.stderr.contains("2 records, 1 alert (red 1), 1 not judged"))
    }

    @Test func anUnknownRuleIsNamedWithTheNearest() async throws {
        let result = try await HuiliuCommand.run(["rule", "budget-time-progres"], in: HuiliuCommand.root.path, stdin: Data("{}".utf8))
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("error: rule 'budget-time-progres' not found"), "\(result.stderr)")
        #expect(result.stderr.contains("did you mean 'budget-time-progress'?"))
    }
}
