import Foundation
import HuiliuKit
import HuiliuKitTesting
@testable import HuiliuTestSupport
import Testing

/// The connector development kit through the command line: scaffold, replay, lint, and a
/// signed connector whose secret never reaches the logs (issue 6).
@Suite(.serialized) struct ConnectorCommandTests {
    /// A project with the repository's config, connectors and a secrets file.
    static func project(_ name: String) throws -> String {
        let project = try temporaryProject(name)
        let fm = FileManager.default
        try fm.removeItem(atPath: project + "/config")
        try fm.copyItem(atPath: HuiliuCommand.root.path + "/config", toPath: project + "/config")
        try fm.copyItem(atPath: HuiliuCommand.root.path + "/connectors", toPath: project + "/connectors")
        return project
    }

    /// The shipped connectors' committed recordings still produce their committed expected
    /// output: every stream with a recording is tested, and each matches.
    @Test func theShippedConnectorsMatchTheirCommittedExpectedOutput() async throws {
        let project = try Self.project("shipped")
        let fm = FileManager.default
        let streams = try fm.contentsOfDirectory(atPath: project + "/connectors").sorted().flatMap { connector in
            let expected = project + "/connectors/\(connector)/fixtures/expected"
            return ((try? fm.contentsOfDirectory(atPath: expected)) ?? []).filter { $0.hasSuffix(".jsonl") }
                .map { "\(connector)/\(($0 as NSString).deletingPathExtension)" }
        }
        #expect(streams.count >= 8, "\(streams)")
        let result = try await HuiliuCommand.run(["connector", "test"], in: project)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let passed = result.stdout.split(separator: "\n").filter { $0.hasPrefix("ok ") }
            .compactMap { $0.dropFirst(3).drop { $0 == " " }.split(separator: ":").first.map(String.init) }
        #expect(passed.sorted() == streams.sorted(), "\(result.stdout)")
    }

    @Test func aNewConnectorPassesItsTestsOutOfTheBoxAndAMismatchPrintsADiff() async throws {
        let project = try Self.project("cdk")
        for template in ["rest", "soap", "file"] {
            let created = try await HuiliuCommand.run(["connector", "new", "sample-\(template)", "--template", template], in: project)
            #expect(created.status == 0, "\(created.stdout)\(created.stderr)")
            let tested = try await HuiliuCommand.run(["connector", "test", "sample-\(template)"], in: project)
            #expect(tested.status == 0, "\(tested.stdout)\(tested.stderr)")
            #expect(tested.stdout.contains("ok   sample-\(template)/organizations: 4 lines match"))
        }
        let golden = project + "/connectors/sample-rest/fixtures/expected/organizations.jsonl"
        let text = try String(contentsOfFile: golden, encoding: .utf8)
        try text.replacingOccurrences(of: "黄冈市示例中心", with: "黄冈市某中心").write(toFile: golden, atomically: true, encoding: .utf8)
        let failed = try await HuiliuCommand.run(["connector", "test", "sample-rest"], in: project)
        #expect(failed.status == 1)
        #expect(failed.stdout.contains("FAIL sample-rest/organizations: output differs"))
        #expect(failed.stdout.contains("-2: {\"specversion\":\"1.0\"") && failed.stdout.contains("黄冈市某中心"))
        #expect(failed.stdout.contains("+2: {\"specversion\":\"1.0\"") && failed.stdout.contains("黄冈市示例中心"))
        let spec = try await HuiliuCommand.run(["connector", "spec", "sample-soap"], in: project)
        #expect(spec.stdout.contains("# sample-soap (source)"))
        #expect(spec.stdout.contains("| `password` | secret reference | yes |"))
    }

    @Test func lintReportsManifestProblemsAtTheirPlace() async throws {
        let project = try Self.project("lint-manifest")
        let manifest = project + "/connectors/court/connector.yaml"
        let text = try String(contentsOfFile: manifest, encoding: .utf8)
        try text.replacingOccurrences(of: "    records: getCasesResponse.Cases.Case", with: "    record: getCasesResponse.Cases.Case")
            .replacingOccurrences(of: "      format: soap", with: "      format: soup")
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        let result = try await HuiliuCommand.run(["lint", "connectors/court/connector.yaml"], in: project)
        #expect(result.status == 1)
        #expect(result.stdout == """
            connectors/court/connector.yaml:33:15: 'format' must be one of json, xml, soap, csv, jsonl, text; got 'soup'; did you mean 'soap'?
            connectors/court/connector.yaml:36:5: unknown key 'record' in 'cases'; did you mean 'records'?

            """)
    }

    /// The format reference documents every field, the items of `errors.rules` included.
    @Test func theFormatReferenceListsTheFieldsOfRuleItems() async throws {
        let result = try await HuiliuCommand.run(["connector", "format"], in: HuiliuCommand.root.path)
        #expect(result.status == 0)
        #expect(result.stdout.contains("## errors.rules[]"))
        #expect(result.stdout.contains("| `action` | one of `retry`, `ignore`, `fail`, `success` | required |"))
    }

    @Test func aSignedConnectorNeverLogsItsSecret() async throws {
        let project = try Self.project("secrets")
        // On a port the system picks, read from what the simulator prints: a port picked here
        // could be another test's server's by the time the simulator binds it, and the test
        // would then talk to that server.
        let log = project + "/simulator.log"
        let simulator = try HuiliuCommand.start(["simulate", "--port", "0", "--payments", "150"], in: project, output: .file(log))
        defer {
            simulator.signal(SIGTERM)
            simulator.wait(timeout: .seconds(120))
        }
        var port = 0
        try await eventually("the simulator listening", interval: .milliseconds(100)) {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            guard let range = text.range(of: "simulated upstream systems on http://127.0.0.1:") else { return false }
            port = Int(text[range.upperBound...].prefix { $0.isNumber }) ?? 0
            return port > 0
        }
        try FileManager.default.copyItem(atPath: HuiliuCommand.root.path + "/pipelines/budget-network-api.yaml",
                                         toPath: project + "/pipelines/budget-network-api.yaml")
        let environment = ["HUILIU_SIMULATOR_URL": "http://127.0.0.1:\(port)"]
        let result = try await HuiliuCommand.run(["run", "budget-network-api", "--log-level", "debug"], in: project, environment: environment)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("read 150, written 150"))
        #expect(result.stderr.contains("upstream request"), "debug logging was on")
        // A backfill of a day that does not exist is refused before anything is read.
        let impossible = try await HuiliuCommand.run(["run", "budget-network-api", "--standalone", "--backfill", "2024-02-30..2024-03-02"],
                                                     in: project, environment: environment)
        #expect(impossible.status == 2 && impossible.stderr.contains("backfill from '2024-02-30'")
                && impossible.stderr.contains("day 30 does not exist"), "\(impossible.stderr)")
        let logs = result.stdout + result.stderr
        for secret in ["demo-app-secret-not-for-production", "X-Sign", "x-sign"] {
            #expect(!logs.contains(secret), "'\(secret)' appeared in the logs")
        }
        // The check and the recording are just as discreet.
        try "base_url: http://127.0.0.1:\(port)\napp_key: ${secret:budget/app_key}\napp_secret: ${secret:budget/app_secret}\n"
            .write(toFile: project + "/budget.yaml", atomically: true, encoding: .utf8)
        let check = try await HuiliuCommand.run(["connector", "check", "budget-network", "--config", "budget.yaml", "--log-level", "debug"], in: project)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        // A configuration with a key given twice says the repeat and its other problems together.
        try "base_url: http://127.0.0.1:\(port)\nbase_url: http://127.0.0.1:1\napp_kye: x\n"
            .write(toFile: project + "/broken.yaml", atomically: true, encoding: .utf8)
        let broken = try await HuiliuCommand.run(["connector", "check", "budget-network", "--config", "broken.yaml"], in: project)
        #expect(broken.status == 2 && broken.stderr.contains("broken.yaml:2:1: duplicate key 'base_url'")
                && broken.stderr.contains("broken.yaml:3:1: unknown key 'app_kye'"), "\(broken.stderr)")
        // The committed recording first: `record` below overwrites it.
        let committed = try await HuiliuCommand.run(["connector", "test", "budget-network"], in: project)
        #expect(committed.status == 0, "\(committed.stdout)\(committed.stderr)")
        let record = try await HuiliuCommand.run(["connector", "record", "budget-network", "--config", "budget.yaml"], in: project)
        #expect(record.status == 0, "\(record.stdout)\(record.stderr)")
        let fixtures = try String(contentsOfFile: project + "/connectors/budget-network/fixtures/http/payments.jsonl", encoding: .utf8)
            + (try String(contentsOfFile: project + "/connectors/budget-network/fixtures/config.yaml", encoding: .utf8))
        for secret in ["demo-app-secret-not-for-production", "demo-app-key"] {
            #expect(!(check.stdout + check.stderr + fixtures).contains(secret), "'\(secret)' leaked into a check or a fixture")
        }
        // The gateway's other secrets are not this connector's: the six-digit device passwords
        // of config/secrets.yaml also occur in payees' account numbers, which stay as they are.
        let expected = try String(contentsOfFile: project + "/connectors/budget-network/fixtures/expected/payments.jsonl", encoding: .utf8)
        #expect(!expected.contains("<secret>"), "recorded data was scrubbed of secrets the connector does not use")
        let replayed = try await HuiliuCommand.run(["connector", "test", "budget-network"], in: project)
        #expect(replayed.status == 0, "\(replayed.stdout)\(replayed.stderr)")
        // Recording one stream again keeps the other's fixtures in the test, with their clock.
        func fixtureConfig() throws -> [String] {
            try String(contentsOfFile: project + "/connectors/budget-network/fixtures/config.yaml", encoding: .utf8)
                .split(separator: "\n").map(String.init).filter { $0.hasPrefix("now:") || $0.hasPrefix("streams:") }
        }
        let before = try fixtureConfig()
        let one = try await HuiliuCommand.run(["connector", "record", "budget-network", "--config", "budget.yaml", "--stream", "execution"], in: project)
        #expect(one.status == 0, "\(one.stdout)\(one.stderr)")
        // Without a fiscal year the execution stream asks for this year and the one before, which
        // the simulator does not hold: recording nothing is said, as its fixtures now test empty answers.
        #expect(one.stdout.contains("budget-network/execution: recorded 2 exchanges, 0 records"), "\(one.stdout)")
        #expect(one.stderr.contains("warning: budget-network/execution gave no records"), "\(one.stderr)")
        let after = try fixtureConfig()
        #expect(after == before && after.contains(#"streams: ["payments", "execution"]"#), "\(before) → \(after)")
        let both = try await HuiliuCommand.run(["connector", "test", "budget-network"], in: project)
        #expect(both.status == 0 && both.stdout.contains("ok   budget-network/payments") && both.stdout.contains("ok   budget-network/execution"),
                "\(both.stdout)\(both.stderr)")
    }
}
