import Foundation
import Testing

/// `huiliu lint` prints exactly the expected text for every broken file in the corpus.
struct LintCorpusTests {
    static let corpus = HuiliuCommand.root.appendingPathComponent("Tests/HuiliuEndToEndTests/LintCorpus")

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
    }

    @Test func theCorpusIsLargeEnough() {
        #expect(Self.files.count >= 25)
    }

    @Test(arguments: files)
    func reportsExactlyTheExpectedProblems(file: String) async throws {
        let expected = try String(contentsOf: Self.corpus.appendingPathComponent(file.replacingOccurrences(of: ".yaml", with: ".expected")),
                                  encoding: .utf8)
        let result = try await HuiliuCommand.run(["lint", "--quiet", file], in: Self.corpus.path)
        #expect(result.stdout == expected)
        #expect(result.status == 1, "lint exits 1 when it finds problems")
    }

    @Test func summarizesAndExitsZeroForTheShippedPipelines() async throws {
        let result = try await HuiliuCommand.run(["lint"], in: HuiliuCommand.root.path)
        #expect(result.stdout == "")
        #expect(result.stderr.hasSuffix("checked, no problems\n"))
        #expect(result.status == 0)
    }

    /// A schedule whose year is past fires no more: a warning in the pipeline's zone, not a
    /// problem (a one-off pipeline whose day has gone must not keep the daemon from starting).
    @Test func aScheduleOfAPastYearIsAWarning() async throws {
        let project = try temporaryProject("past")
        try """
            version: 1
            name: once
            schedule: "0 0 2 1 1 * 2020"
            timezone: America/Los_Angeles
            source: { file: { path: in.csv } }
            sinks: [ stdout ]
            """.write(toFile: project + "/pipelines/once.yaml", atomically: true, encoding: .utf8)
        let result = try await HuiliuCommand.run(["lint", "pipelines/once.yaml"], in: project)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect((result.stdout + result.stderr).contains("warning: schedule '0 0 2 1 1 * 2020' never fires again (its last fire time in America/Los_Angeles is past)"))
    }

    /// A file source whose folder is not there (a mistyped `samples/`) is a warning: every run
    /// would fail with "no file matches", but the folder may be mounted later.
    @Test func aFileSourceWhoseFolderIsMissingIsAWarning() async throws {
        let project = try temporaryProject("folder")
        try "version: 1\nname: typo\nsource: { file: { path: connectors/x/sample/payments-*.csv } }\nsinks: [ stdout ]\n"
            .write(toFile: project + "/pipelines/typo.yaml", atomically: true, encoding: .utf8)
        let result = try await HuiliuCommand.run(["lint", "pipelines/typo.yaml"], in: project)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout == "pipelines/typo.yaml:3:19: warning: there is no folder connectors/x/sample for 'connectors/x/sample/payments-*.csv'; every run fails with 'no file matches' until there is\n")
    }

    /// A sink's mask path written from the event, as its `when` is (`data.payee.name`), masks
    /// nothing the user meant: a warning says paths are inside the data.
    @Test func aSinkMaskPathWrittenFromTheEventIsAWarning() async throws {
        let project = try temporaryProject("mask-path")
        try FileManager.default.createDirectory(atPath: project + "/in", withIntermediateDirectories: true)
        try """
            version: 1
            name: masked
            source: { file: { path: in/*.jsonl } }
            steps:
              - mask: { data.payee.phone: phone }
            sinks:
              - jsonl: { path: out/masked.jsonl, mask: { data.payee.name: name, payee.account: name } }
              - jsonl: { path: out/all.jsonl, mask: { data: all } }
            """.write(toFile: project + "/pipelines/masked.yaml", atomically: true, encoding: .utf8)
        let result = try await HuiliuCommand.run(["lint", "pipelines/masked.yaml"], in: project)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let step = "pipelines/masked.yaml:5:31: warning: mask paths are inside the record: 'data.payee.phone' masks a field 'data' "
        let sink = "warning: mask paths are inside the event's data, as the mask step's: "
        let expected: [String] = [
            step + "of the record (unless it has one, 'payee.phone' goes through unmasked)",
            "pipelines/masked.yaml:7:63: " + sink + "'data.payee.name' masks a field 'data' of the data, not 'payee.name'",
            "pipelines/masked.yaml:8:49: " + sink + "'data' masks a field 'data' of the data, not the whole data",
        ]
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines == expected, "\(result.stdout)")
    }

    /// A rule after a map into another entity never raises an alert: a warning naming both types.
    /// The shipped pipelines, whose rules follow the map they judge, have none.
    @Test func aRuleNoRecordOfItsEntityReachesIsAWarning() async throws {
        let project = try temporaryProject("rule-type")
        for folder in ["schema", "lookups", "rules"] {
            try FileManager.default.createSymbolicLink(atPath: project + "/config/" + folder,
                                                       withDestinationPath: HuiliuCommand.root.appendingPathComponent("config/" + folder).path)
        }
        try FileManager.default.createDirectory(atPath: project + "/connectors", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: project + "/connectors/budget-network",
                                                   withDestinationPath: HuiliuCommand.root.appendingPathComponent("connectors/budget-network").path)
        try """
            version: 1
            name: mismatch
            source: { file: { path: in.csv } }
            steps:
              - map: budget-network/payments
              - rule: budget-time-progress
              - rule: payee-uscc-check
            sinks: [ stdout ]
            """.write(toFile: project + "/pipelines/mismatch.yaml", atomically: true, encoding: .utf8)
        let result = try await HuiliuCommand.run(["lint", "pipelines/mismatch.yaml"], in: project)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout == "pipelines/mismatch.yaml:6:5: warning: rule 'budget-time-progress' judges budget.execution.v1 records, but only budget.payment.v1 reaches it: it never raises an alert\n")
    }

    @Test func exitsTwoForAnUnreadableFile() async throws {
        let result = try await HuiliuCommand.run(["lint", "no-such-file.yaml"], in: Self.corpus.path)
        #expect(result.stderr.contains("no-such-file.yaml: cannot read: no such file"))
        #expect(result.status == 2)
        let config = try await HuiliuCommand.run(["lint", "--config", "no-such-config.yaml"], in: Self.corpus.path)
        #expect(config.status == 2 && config.stdout.contains("no-such-config.yaml:1:1: config file not found"), "\(config.stdout)\(config.stderr)")
    }

    @Test func neverPrintsASecretValue() async throws {
        let project = try temporaryProject("secret")
        try "version: 1\nsecrets: { file: config/secrets.yaml }\n".write(toFile: project + "/config/huiliu.yaml", atomically: true, encoding: .utf8)
        try "api:\n  token: TOPSECRET-1234\n".write(toFile: project + "/config/secrets.yaml", atomically: true, encoding: .utf8)
        try """
            version: 1
            name: leak
            source: { file: { path: missing.csv } }
            steps: [ set: { signature: "${secret:api/token}", other: "${secret:api/tokn}" } ]
            sinks: [ stdout: { pretty: nope } ]
            """.write(toFile: project + "/pipelines/leak.yaml", atomically: true, encoding: .utf8)
        let result = try await HuiliuCommand.run(["lint", "pipelines/leak.yaml"], in: project)
        #expect(result.status == 1)
        #expect(result.stdout.contains("did you mean 'api/token'?"))
        #expect(!(result.stdout + result.stderr).contains("TOPSECRET"))
    }
}
