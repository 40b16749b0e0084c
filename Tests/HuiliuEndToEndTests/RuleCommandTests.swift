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
