import Foundation
import HuiliuSchedule
import Testing

/// Runs all 37 tests of `Tests/Conformance/cron/ocps-conformance-tests.json` (OCPS 1.0-1.4
/// draft): matching, parse-accept, parse-reject, equivalence, `@reboot` and portability.
struct OCPSConformanceTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let id: String
        let type: String
        let pattern: String
        let mustMatch: [String]
        let mustNotMatch: [String]
        let parseResult: String?
        let equivalentTo: String?
        var testDescription: String { id }
    }

    static func file() throws -> [String: Any] { try ConformanceFixtures.json("ocps-conformance-tests.json") }

    static let cases: [Case] = {
        let versions = (try? file())?["versions"] as? [String: [String: Any]] ?? [:]
        return versions.keys.sorted().flatMap { version in
            (versions[version]?["tests"] as? [[String: Any]] ?? []).map { test in
                let expectations = test["expectations"] as? [String: Any] ?? [:]
                return Case(
                    id: test["id"] as? String ?? "", type: test["type"] as? String ?? "",
                    pattern: test["pattern"] as? String ?? "",
                    mustMatch: expectations["mustMatch"] as? [String] ?? [],
                    mustNotMatch: expectations["mustNotMatch"] as? [String] ?? [],
                    parseResult: (expectations["parse"] as? [String: Any])?["result"] as? String,
                    equivalentTo: expectations["equivalentTo"] as? String)
            }
        }
    }()

    @Test func fileHoldsEveryTest() {
        var byType: [String: Int] = [:]
        for test in Self.cases { byType[test.type, default: 0] += 1 }
        #expect(Self.cases.count == 37)
        #expect(byType == ["datetime-match": 22, "parse-reject": 8, "parse-accept": 4, "equivalence": 1,
                           "runtime-capability": 1, "portability": 1])
    }

    @Test(arguments: cases)
    func conforms(_ test: Case) throws {
        switch test.type {
        case "datetime-match":
            let cron = try CronExpression(test.pattern)
            for text in test.mustMatch {
                #expect(try cron.matches(Self.wallClock(text)), "\(test.pattern) must match \(text)")
            }
            for text in test.mustNotMatch {
                #expect(try !cron.matches(Self.wallClock(text)), "\(test.pattern) must not match \(text)")
            }
        case "parse-accept":
            #expect(throws: Never.self) { try CronExpression(test.pattern) }
        case "parse-reject":
            #expect(throws: CronError.self) { try CronExpression(test.pattern) }
        case "equivalence":
            let other = try CronExpression(try #require(test.equivalentTo))
            #expect(try CronExpression(test.pattern).isEquivalent(to: other))
        case "runtime-capability":
            // `@reboot` parses, has no calendar time, and `huiliu schedule next` says so plainly;
            // the scheduler runs it once at start-up (see SchedulerStartupTests).
            let cron = try CronExpression(test.pattern)
            #expect(cron.runsAtStartup)
            #expect(cron.next(after: Date(timeIntervalSince1970: 0), in: Schedule.defaultZone) == nil)
            #expect(throws: ScheduleNextError.self) { try ScheduleNext.fireTimes(test.pattern, now: Date()) }
        case "portability":
            // Years before 1970 are non-portable "unless the implementation documents a wider
            // range". Huiliu documents 1970-2199 (`CronField.year.bounds`), so 1969 is refused,
            // at the year's column.
            let error = try #require(throws: CronError.self) { try CronExpression(test.pattern) }
            #expect(error.field == .year && error.code == .outOfRange && error.column == 13)
        default:
            Issue.record("unknown OCPS test type \(test.type) in \(test.id)")
        }
    }

    /// `2025-03-10 10:15` or `2025-03-10 10:15:30`, as wall-clock components.
    static func wallClock(_ text: String) throws -> (Int, Int, Int, Int, Int, Int) {
        let numbers = text.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        try #require(numbers.count == 5 || numbers.count == 6, "bad OCPS datetime \(text)")
        return (numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], numbers.count == 6 ? numbers[5] : 0)
    }
}

extension CronExpression {
    func matches(_ t: (Int, Int, Int, Int, Int, Int)) -> Bool {
        matches(year: t.0, month: t.1, day: t.2, hour: t.3, minute: t.4, second: t.5)
    }
}
