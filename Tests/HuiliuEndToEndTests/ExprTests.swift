import Foundation
import HuiliuCore
import HuiliuKitTesting
@testable import HuiliuTestSupport
import Testing

struct ExprTests {
    @Test func evaluatesAgainstStandardInputWithTheExtensionFunctions() async throws {
        let result = try await HuiliuCommand.run(["expr", "--compact", #"{fen: to_fen("金额"), county: lookup('divisions', code).name}"#],
                                           in: HuiliuCommand.root.path, stdin: Data(#"{"金额":"1,234.50","code":"421181"}"#.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == #"{"fen":123450,"county":"麻城市"}"# + "\n")
    }

    /// Notepad and other Windows tools begin UTF-8 with a byte-order mark: it is no JSON error.
    @Test func readsInputWithAByteOrderMark() async throws {
        let result = try await HuiliuCommand.run(["expr", "--compact", "a"], in: HuiliuCommand.root.path,
                                                 stdin: Data([0xEF, 0xBB, 0xBF] + Array(#"{"a":"黄冈"}"#.utf8)))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "\"黄冈\"\n")
        // An error's byte counts from the file's start, the mark's three bytes included.
        let broken = try await HuiliuCommand.run(["expr", "a"], in: HuiliuCommand.root.path,
                                                 stdin: Data([0xEF, 0xBB, 0xBF] + Array(#"{"a":1,}"#.utf8)))
        #expect(broken.stderr == "stdin: invalid JSON: byte 10: expected a string key, found character '}'\n", "\(broken.stderr)")
        // schema validate takes the mark too.
        let file = NSTemporaryDirectory() + "huiliu-bom-\(UUID().uuidString).json"
        try Data([0xEF, 0xBB, 0xBF] + Array(#"{"a":1}"#.utf8)).write(to: URL(fileURLWithPath: file))
        let validated = try await HuiliuCommand.run(["schema", "validate", "case", file], in: HuiliuCommand.root.path)
        #expect(validated.status == 1 && !validated.stderr.contains("invalid JSON"), "\(validated.stderr)")
    }

    @Test func findsTheProjectFromARelativeConfigPath() async throws {
        // config/huiliu.yaml, as typed, names the project the lookup tables belong to.
        let result = try await HuiliuCommand.run(["expr", "--config", "config/huiliu.yaml", "--compact", "lookup('divisions', code).name"],
                                           in: HuiliuCommand.root.path, stdin: Data(#"{"code":"421181"}"#.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == #""麻城市""# + "\n")
    }

    @Test func showsWhereAnExpressionIsWrong() async throws {
        let result = try await HuiliuCommand.run(["expr", "foo.[bar"], in: HuiliuCommand.root.path, stdin: Data("{}".utf8))
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("  foo.[bar\n          ^\nerror: syntax at column 9: "))
    }

    @Test func reportsRuntimeErrors() async throws {
        let result = try await HuiliuCommand.run(["expr", "to_fen(a)"], in: HuiliuCommand.root.path, stdin: Data(#"{"a":"12.345"}"#.utf8))
        #expect(result.status == 1)
        #expect(result.stderr.contains("invalid-value"))
    }

    @Test func documentsEveryEntityOfTheCommonSchema() async throws {
        let result = try await HuiliuCommand.run(["schema", "docs"], in: HuiliuCommand.root.path)
        #expect(result.status == 0)
        for entity in ["organization", "budget.execution", "budget.payment", "environment.measurement", "environment.assessment",
                       "case", "supervision.item", "livelihood.project", "suggestion", "alert"] {
            #expect(result.stdout.contains(entity), "\(entity)")
        }
    }

    /// `schema validate` checks entities, and of a sink's CloudEvents envelopes their data (each
    /// envelope was reported for specversion, id and source as undeclared properties).
    @Test func validatesEntitiesAndTheDataOfEnvelopes() async throws {
        let directory = try makeTemporaryDirectory("validate")
        let expected = HuiliuCommand.root.path + "/connectors/budget-network/fixtures/expected/payments.jsonl"
        let envelopes = try String(contentsOfFile: expected, encoding: .utf8).split(separator: "\n").prefix(2)
        try envelopes.joined(separator: "\n").write(toFile: directory + "/events.jsonl", atomically: true, encoding: .utf8)
        let events = try await HuiliuCommand.run(["schema", "validate", "--config", HuiliuCommand.root.path + "/config/huiliu.yaml",
                                                  "budget.payment", directory + "/events.jsonl"], in: directory)
        #expect(events.status == 0 && events.stderr.contains("all CloudEvents envelopes: their data validated"), "\(events.stdout)\(events.stderr)")
        var broken = try JSONReader.parse(String(envelopes[0]))
        broken["data"]?["amount_fen"] = .string("12.30")
        try broken.jsonText.write(toFile: directory + "/broken.json", atomically: true, encoding: .utf8)
        let refused = try await HuiliuCommand.run(["schema", "validate", "--config", HuiliuCommand.root.path + "/config/huiliu.yaml",
                                                   "budget.payment", directory + "/broken.json"], in: directory)
        #expect(refused.status == 1 && refused.stdout.contains("/amount_fen"), "\(refused.stdout)\(refused.stderr)")
        // Envelopes of another type are left out, not validated against this entity.
        let other = try await HuiliuCommand.run(["schema", "validate", "--config", HuiliuCommand.root.path + "/config/huiliu.yaml",
                                                 "case", directory + "/events.jsonl"], in: directory)
        #expect(other.status == 1 && other.stdout.isEmpty && other.stderr.contains("2 envelopes of another type (or without data) left out"),
                "\(other.stdout)\(other.stderr)")
    }
}

/// Scripts and supervisors start commands with descriptors closed or pointing at full disks.
struct StandardStreamTests {
    /// Runs `script` in a shell, `$H` standing for the executable, on a thread of its own (see
    /// ``HuiliuCommand/run(_:in:environment:stdin:timeout:)``).
    static func shell(_ script: String) async throws -> ChildCommand.Output {
        let environment = HuiliuCommand.environment(adding: ["H": HuiliuCommand.executable.path]), directory = HuiliuCommand.root.path
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result {
                    try ChildCommand.run("/bin/sh", ["-c", script], environment: environment, directory: directory, timeout: .seconds(120))
                })
            }.start()
        }
    }

    /// A closed standard input reads as an empty one; a closed standard error swallows the
    /// diagnostics. Both crashed the process (Foundation traps on the bad descriptor).
    @Test func closedDescriptorsAreNoCrash() async throws {
        let closedInput = try await Self.shell(#""$H" expr a <&-"#)
        #expect(closedInput.signal == nil && closedInput.status == 2, "\(closedInput.stderrText)")
        #expect(closedInput.stderrText.contains("standard input: cannot read: Bad file descriptor"), "\(closedInput.stderrText)")
        let closedErrors = try await Self.shell(#"echo '{}' | "$H" expr 'to_fen(`"1.234"`)' 2>&-"#)
        #expect(closedErrors.signal == nil && closedErrors.status == 1)
        let decode = try await Self.shell(#""$H" hj212 decode <&-"#)
        #expect(decode.signal == nil && decode.status == 2, "\(decode.stderrText)")
        // A closed standard output is no place a result went: the command fails.
        let closedOutput = try await Self.shell(#"echo '{"a":1}' | "$H" expr a >&-"#)
        #expect(closedOutput.signal == nil && closedOutput.status == 2, "\(closedOutput.stderrText)")
    }

    /// A `stdout` sink with standard output closed fails its run, checkpoint unmoved: with
    /// /dev/null put in its place for writing, the events went nowhere and the run succeeded.
    @Test func aStdoutSinkWithStandardOutputClosedFails() async throws {
        let project = try temporaryProject("closed-stdout")
        try "version: 1\n".write(toFile: project + "/config/huiliu.yaml", atomically: true, encoding: .utf8)
        try "{\"id\":\"1\"}\n{\"id\":\"2\"}\n".write(toFile: project + "/in.jsonl", atomically: true, encoding: .utf8)
        try "version: 1\nname: p\nsource: { file: { path: in.jsonl, key: id } }\nsinks: [ stdout ]\n"
            .write(toFile: project + "/pipelines/p.yaml", atomically: true, encoding: .utf8)
        let closed = try await Self.shell(#"cd "$0" && "$H" run p >&-"#.replacingOccurrences(of: "$0", with: project))
        #expect(closed.status == 1 && closed.stderrText.contains("standard output: write failed"), "\(closed.stderrText)")
        let open = try await Self.shell(#"cd "$0" && "$H" run p"#.replacingOccurrences(of: "$0", with: project))
        #expect(open.status == 0 && open.stdoutText.split(separator: "\n").count == 2, "\(open.stdoutText)\(open.stderrText)")
    }

    /// A result that cannot be written is a failure, said on standard error: `> report.json` on
    /// a full disk exited 0 with nothing written.
    @Test func anUnwritableResultFailsTheCommand() async throws {
        let full = try await Self.shell(#""$H" schema docs > /dev/full"#)
        #expect(full.status == 2)
        #expect(full.stderrText.contains("standard output: cannot write"), "\(full.stderrText)")
        let fine = try await Self.shell(#""$H" schema docs > /dev/null"#)
        #expect(fine.status == 0, "\(fine.stderrText)")
    }
}
