import Foundation
import HuiliuCore
import HuiliuKit
import HuiliuKitTesting
@testable import HuiliuTestSupport
import Testing

struct CommandLineTests {
    /// A copy of the shipped pipelines, config and sample exports in a fresh directory.
    func demoProject() throws -> String {
        let project = try temporaryProject("demo")
        for folder in ["pipelines", "config", "connectors"] {
            try? FileManager.default.removeItem(atPath: project + "/" + folder)
            try FileManager.default.copyItem(atPath: HuiliuCommand.root.appendingPathComponent(folder).path, toPath: project + "/" + folder)
        }
        return project
    }

    @Test func demoSyncsEveryShippedPipelineAndSummarizes() async throws {
        let project = try demoProject()
        let result = try await HuiliuCommand.run(["demo"], in: project)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("budget-payments: succeeded"))
        #expect(result.stdout.contains("read 201, written 199, failed 2"))
        #expect(result.stdout.contains("court-cases: succeeded"))
        // The procuratorate's exchange table, read by the sql source, gives the same events as its API.
        #expect(result.stdout.contains("procuratorate-exchange: succeeded"))
        let procuratorate = "SELECT count(*) FROM events_case_v1 WHERE source = '/procuratorate/cases'"
        #expect(try SQLiteProbe(path: project + "/data/huiliu.db").integer(procuratorate) == 80)
        #expect(result.stdout.contains("dead letters (pending)"))
        #expect(result.stdout.contains("Alerts raised by the rules in config/rules/:"))
        let budgetAlerts = "SELECT count(*) FROM events_alert_v1 WHERE json_extract(data, '$.rule') = 'budget-time-progress'"
        let first = try SQLiteProbe(path: project + "/data/huiliu.db").integer(budgetAlerts)
        #expect(first > 0)
        // The simulated lines that spend past their budget (domain.md §6.3) are flagged too.
        let overspent = "SELECT count(*) FROM events_alert_v1 WHERE json_extract(data, '$.rule') = 'budget-overspend'"
        #expect(try SQLiteProbe(path: project + "/data/huiliu.db").integer(overspent) > 0)
        // Running it again leaves the same rows: events upsert by id, and alerts raised again
        // over the same data are the same alerts.
        let again = try await HuiliuCommand.run(["demo"], in: project)
        #expect(again.status == 0)
        let db = try SQLiteProbe(path: project + "/data/huiliu.db")
        #expect(try db.integer("SELECT count(*) FROM sqlite_master WHERE name LIKE 'events_%'") >= 3)
        #expect(try db.integer(budgetAlerts) == first)
    }

    @Test func runPrintsAPlainSummaryWhenNotOnATerminal() async throws {
        let project = try demoProject()
        let result = try await HuiliuCommand.run(["run", "court-cases"], in: project)
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("court-cases: succeeded in "))
        #expect(result.stdout.contains("read 40, written 40, failed 0"))
        #expect(!result.stderr.contains("\u{1B}["), "no terminal control codes when stderr is a pipe")
        let second = try await HuiliuCommand.run(["run", "court-cases"], in: project)
        #expect(second.stdout.contains("read 0, written 0"), "the checkpoint was committed")
    }

    /// Records a filter left out are neither written nor failed: the summary says where they went.
    @Test func theSummarySaysWhatStepsLeftOut() async throws {
        let project = try temporaryProject("left-out")
        try "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n".write(toFile: project + "/data/in.jsonl", atomically: true, encoding: .utf8)
        try "version: 1\nname: f\nsource: { file: { path: data/in.jsonl } }\nsteps:\n  - filter: \"n > `1`\"\nsinks: [ jsonl: data/out.jsonl ]\n"
            .write(toFile: project + "/pipelines/f.yaml", atomically: true, encoding: .utf8)
        let run = try await HuiliuCommand.run(["run", "f"], in: project)
        #expect(run.stdout.contains("read 3, written 2, failed 0") && run.stdout.contains("1 record was passed on by no step"),
                "\(run.stdout)\(run.stderr)")
    }

    /// A pipeline whose file has problems is named with them, not called missing.
    @Test func runByNameSaysWhatIsWrongWithTheFile() async throws {
        let project = try temporaryProject("broken-by-name")
        try "version: 1\nname: pay\nsinks: [stdout]\nsource:\n  file: { path: in.jsonl, encodng: x }\nname: again\n"
            .write(toFile: project + "/pipelines/pay.yaml", atomically: true, encoding: .utf8)
        let run = try await HuiliuCommand.run(["run", "pay"], in: project)
        #expect(run.status == 2)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.first?.hasPrefix("pipeline 'pay' (") == true, "\(run.stderr)")
        // In file order, the repeated key among the rest.
        #expect(lines.dropFirst().map { $0.split(separator: ":").dropFirst().prefix(2).joined(separator: ":") } == ["5:27", "6:1"], "\(run.stderr)")
        // A file whose name is blank is found by its file name.
        try "version: 1\nname:\nsinks: [stdout]\n".write(toFile: project + "/pipelines/blank.yaml", atomically: true, encoding: .utf8)
        let blank = try await HuiliuCommand.run(["run", "blank"], in: project)
        #expect(blank.status == 2 && blank.stderr.hasPrefix("pipeline 'blank' ("), "\(blank.stderr)")
    }

    @Test func runSuggestsTheNearestPipelineName() async throws {
        let project = try demoProject()
        let result = try await HuiliuCommand.run(["run", "court-case"], in: project)
        #expect(result.status == 2)
        #expect(result.stderr == "no pipeline called 'court-case'; did you mean 'court-cases'?\n")
        let file = try await HuiliuCommand.run(["run", "pipelines/court-case.yaml"], in: project)
        #expect(file.status == 2 && file.stderr == "pipelines/court-case.yaml: no such pipeline file\n", "\(file.stderr)")
        let far = try await HuiliuCommand.run(["dead-letters", "replay", "--pipeline", "my-payments"], in: project)
        #expect(far.status == 2 && far.stderr.contains("a pipeline file outside pipelines/ is given by its path"), "\(far.stderr)")
        // A misspelt status is a mistake to say, not an empty list.
        let status = try await HuiliuCommand.run(["dead-letters", "list", "--status", "abortd"], in: project)
        #expect(status.status != 0 && status.stderr.contains("did you mean 'aborted'?"), "\(status.stderr)")

        // Two files of one name: neither is run, whichever comes first.
        try FileManager.default.copyItem(atPath: project + "/pipelines/court-cases.yaml", toPath: project + "/pipelines/zz-copy.yaml")
        let twice = try await HuiliuCommand.run(["run", "court-cases"], in: project)
        #expect(twice.status == 2)
        #expect(twice.stderr.contains("pipeline name 'court-cases' is used by both ") && twice.stderr.contains("zz-copy.yaml; rename one"),
                "\(twice.stderr)")
        let lint = try await HuiliuCommand.run(["lint", "pipelines/court-cases.yaml", "pipelines/zz-copy.yaml"], in: project)
        #expect(lint.stdout.contains("pipelines/zz-copy.yaml:2:7: pipeline name 'court-cases' is already used by"), "\(lint.stdout)")
    }

    /// The built-in benchmarks run end to end (figures from a debug build mean nothing; that
    /// they run, check their output and report each run does).
    @Test func benchRunsThePipelinesItMeasures() async throws {
        let pipeline = try await HuiliuCommand.run(["bench", "pipeline", "--records", "3000", "--repeat", "2"], in: HuiliuCommand.root.path)
        #expect(pipeline.status == 0, "\(pipeline.stderr)")
        #expect(pipeline.stdout.contains("pipeline file → jsonl — 3,000 records") && pipeline.stdout.contains("over 2 runs: records/s median"),
                "\(pipeline.stdout)")
        let mapping = try await HuiliuCommand.run(["bench", "mapping", "--records", "1000"], in: HuiliuCommand.root.path)
        #expect(mapping.status == 0 && mapping.stdout.contains("map → validate → jsonl"), "\(mapping.stdout)\(mapping.stderr)")
        // A relative work directory is the command's, not the generated pipeline's.
        let folder = try makeTemporaryDirectory("bench-relative")
        let relative = try await HuiliuCommand.run(["bench", "pipeline", "--records", "500", "--work-directory", "wd"], in: folder)
        #expect(relative.status == 0, "\(relative.stderr)")
        #expect(FileManager.default.fileExists(atPath: folder + "/wd/out.jsonl"))
        let refused = try await HuiliuCommand.run(["bench", "pipeline", "--repeat", "0"], in: HuiliuCommand.root.path)
        #expect(refused.status == 2 && refused.stderr.contains("--repeat must be at least 1"), "\(refused.stderr)")
    }

    @Test func badArgumentsExitTwoWithTheUsage() async throws {
        // A port past 65535 wrapped round (70000 listened on 4464); a backfill with --reset
        // forgot the cursor the backfill promises to keep; a log format misspelt logged text.
        for arguments in [["run", "--nope"], ["connector", "new", "Bad_Name"], ["connector", "new", "county-"], ["connector", "new", "a--b"], ["connector", "new", "x", "--template", "graphql"],
                          ["serve", "--port", "70000"], ["serve", "--log-format", "xml"], ["simulate", "--port", "99999"],
                          ["run", "p", "--backfill", "2024-01-01..2024-01-02", "--reset"]] {
            let result = try await HuiliuCommand.run(arguments, in: NSTemporaryDirectory())
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("Error: ") && result.stderr.contains("Usage: huiliu"), "\(arguments): \(result.stderr)")
        }
    }

    /// Outside a project, commands say so instead of reporting an empty one (and leaving a
    /// store behind); files named on the command line are still linted, expressions evaluated.
    @Test func outsideAProjectCommandsSaySo() async throws {
        let directory = try makeTemporaryDirectory("not-a-project")
        for arguments in [["runs"], ["dead-letters", "list"], ["lint"], ["status"], ["connector", "test"], ["connector", "new", "x"]] {
            let result = try await HuiliuCommand.run(arguments, in: directory)
            #expect(result.status == 2 && result.stderr.contains("is not a Huiliu project"), "\(arguments): \(result.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        try "version: 1\nname: p\nsource: { file: { path: in.jsonl } }\nsinks: [ stdout ]\n".write(toFile: directory + "/p.yaml", atomically: true, encoding: .utf8)
        #expect(try await HuiliuCommand.run(["lint", "p.yaml"], in: directory).status == 0)
        // A project's pipeline linted from its pipelines/ folder: the mapping it names is looked up
        // there, and the note says where the project is.
        try FileManager.default.createDirectory(atPath: directory + "/project/pipelines", withIntermediateDirectories: true)
        try "version: 1\nname: q\nsource: { file: { path: in.jsonl } }\nsteps: [ map: treasury/payments ]\nsinks: [ stdout ]\n"
            .write(toFile: directory + "/project/pipelines/q.yaml", atomically: true, encoding: .utf8)
        let inside = try await HuiliuCommand.run(["lint", "q.yaml"], in: directory + "/project/pipelines")
        #expect(inside.status == 1)
        #expect(inside.stdout.contains("mapping 'treasury/payments' not found"), "\(inside.stdout)")
        #expect(inside.stderr.contains("is not a Huiliu project") && inside.stderr.contains("(\(directory)/project)"), "\(inside.stderr)")
        // connector list there lists the built-in components and says the project's are not among them.
        let listed = try await HuiliuCommand.run(["connector", "list"], in: directory)
        #expect(listed.status == 0 && listed.stdout.contains("jsonl"))
        #expect(listed.stderr.contains("only the built-in components are listed"), "\(listed.stderr)")
        #expect(try await HuiliuCommand.run(["expr", "a"], in: directory, stdin: Data(#"{"a":1}"#.utf8)).stdout == "1\n")
        let missing = try await HuiliuCommand.run(["expr", "a", "nofile.json"], in: directory)
        #expect(missing.status == 2 && missing.stderr == "nofile.json: cannot read: no such file\n", "\(missing.stderr)")
    }

    /// A scheduling duration without a unit is read as seconds: lint says so where it is written
    /// (`timeout: 2` meant as hours cancelled every run after two seconds, unremarked).
    @Test func lintWarnsOfADurationWithoutAUnit() async throws {
        let project = try temporaryProject("unitless")
        try "version: 1\n".write(toFile: project + "/config/huiliu.yaml", atomically: true, encoding: .utf8)
        try """
            version: 1
            name: p
            source: { file: { path: in.jsonl } }
            sinks: [ stdout ]
            scheduling:
              timeout: 2
              jitter: 0
              retry: { attempts: 2, initial_delay: 1.5 }
            """.write(toFile: project + "/pipelines/p.yaml", atomically: true, encoding: .utf8)
        let lint = try await HuiliuCommand.run(["lint", "pipelines/p.yaml"], in: project)
        #expect(lint.status == 0, "\(lint.stdout)\(lint.stderr)")
        #expect(lint.stdout.contains("pipelines/p.yaml:6:12: warning: 'timeout: 2' has no unit and is read as 2 seconds: write 2s (or 2m, 2h)"), "\(lint.stdout)")
        // A fraction is said in milliseconds (1.5s is no duration); zero is zero in any unit.
        #expect(lint.stdout.contains("warning: 'initial_delay: 1.5' has no unit and is read as 1.5 seconds: write 1500ms"), "\(lint.stdout)")
        #expect(!lint.stdout.contains("'jitter"), "\(lint.stdout)")
        // A negative one is no duration, with a unit or without: lint refused -5s and only warned of -5.
        try """
            version: 1
            name: p
            source: { file: { path: in.jsonl } }
            sinks: [ stdout ]
            scheduling: { timeout: -5 }
            """.write(toFile: project + "/pipelines/p.yaml", atomically: true, encoding: .utf8)
        let negative = try await HuiliuCommand.run(["lint", "pipelines/p.yaml"], in: project)
        #expect(negative.status == 1 && negative.stdout.contains("'timeout' must be a duration such as 30s, 5m or 1h30m, got '-5'"),
                "\(negative.stdout)\(negative.stderr)")
    }

    /// A `.yml` in pipelines/ is left out by the default `pipelines/*.yaml`: run by name, it was
    /// "no pipeline called …, a pipeline file outside pipelines/ is given by its path"; lint
    /// checked every other file and said nothing of it.
    @Test func aPipelineFileThePatternsLeaveOutIsNamed() async throws {
        let project = try temporaryProject("yml")
        try "version: 1\n".write(toFile: project + "/config/huiliu.yaml", atomically: true, encoding: .utf8)
        try "version: 1\nname: myfirst\nsource: { file: { path: in.jsonl } }\nsinks: [ stdout ]\n"
            .write(toFile: project + "/pipelines/myfirst.yml", atomically: true, encoding: .utf8)
        let run = try await HuiliuCommand.run(["run", "myfirst"], in: project)
        #expect(run.status == 2 && run.stderr.contains("pipelines/myfirst.yml is not read as a pipeline: config/huiliu.yaml's `pipelines` patterns are pipelines/*.yaml"), "\(run.stderr)")
        let lint = try await HuiliuCommand.run(["lint"], in: project)
        #expect(lint.stdout.contains("pipelines/myfirst.yml: warning: not read as a pipeline"), "\(lint.stdout)\(lint.stderr)")
    }

    /// `lint --config` from another folder reads the project's files where they are (it opened
    /// their project-relative paths from the current folder, and found none).
    @Test func lintWithAConfigFromElsewhereReadsTheProjectsFiles() async throws {
        let elsewhere = try makeTemporaryDirectory("elsewhere")
        let result = try await HuiliuCommand.run(["lint", "--config", HuiliuCommand.root.path + "/config/huiliu.yaml"], in: elsewhere)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("files checked, no problems"), "\(result.stderr)")
    }

    /// A daemon killed without its shutdown leaves data/daemon.json behind, and its process
    /// number soon belongs to another program: that is no daemon (`status` exits 1, so
    /// `huiliu status || huiliu serve` starts one). A daemon that does not answer is said so,
    /// exit 2, where ArgumentParser's raw error and exit 1 read "no daemon".
    @Test func aStaleOrSilentDaemonIsToldApart() async throws {
        let project = try temporaryProject("stale-daemon")
        try "version: 1\n".write(toFile: project + "/config/huiliu.yaml", atomically: true, encoding: .utf8)
        func announce(_ pid: Int32) throws {
            try #"{"pid":\#(pid),"address":"127.0.0.1","port":9,"started_at":"2026-11-30T00:00:00Z"}"#
                .write(toFile: project + "/data/daemon.json", atomically: true, encoding: .utf8)
        }
        try announce(getpid())
        let stale = try await HuiliuCommand.run(["status"], in: project)
        #expect(stale.status == 1 && stale.stdout.contains("no daemon is running"), "\(stale.stdout)\(stale.stderr)")
        // A process holding the daemon's lock, listening nowhere.
        let impostor = try SpawnedProcess("/usr/bin/flock", [project + "/data/daemon.lock", "sleep", "60"], standardOutput: .null, standardError: .null)
        defer { kill(impostor.pid, SIGKILL); _ = impostor.wait(timeout: .seconds(10)) }
        try await Task.sleep(for: .milliseconds(300))
        try announce(impostor.pid)
        let silent = try await HuiliuCommand.run(["status"], in: project)
        #expect(silent.status == 2, "\(silent.stdout)\(silent.stderr)")
        #expect(silent.stderr.contains("the daemon (pid \(impostor.pid)) did not answer at http://127.0.0.1:9"), "\(silent.stderr)")
    }

    /// A secret filled into a value a problem quotes (a rule's or a schema's name) is never
    /// printed by lint or run; text that merely equals an unused secret is left alone.
    @Test func lintAndRunNeverPrintASecret() async throws {
        let project = try temporaryProject("lint-secret")
        try "t: { salt: saltyPepper99, unused: huiliu }\n".write(toFile: project + "/config/secrets.yaml", atomically: true, encoding: .utf8)
        try "version: 1\nsecrets: { file: config/secrets.yaml }\n".write(toFile: project + "/config/huiliu.yaml", atomically: true, encoding: .utf8)
        try """
            version: 1
            name: salted
            source: { file: { path: data/in.jsonl } }
            steps:
              - rule: "${secret:t/salt}"
              - validate: { schema: "${secret:t/salt}.v1" }
            sinks: [ jsonl: data/huiliu-out.jsonl ]
            """.write(toFile: project + "/pipelines/salted.yaml", atomically: true, encoding: .utf8)
        for arguments in [["lint"], ["run", "salted"]] {
            let result = try await HuiliuCommand.run(arguments, in: project)
            let said = result.stdout + result.stderr
            #expect(result.status != 0 && said.contains("***") && !said.contains("saltyPepper99"), "\(arguments): \(said)")
            #expect(said.contains("salted"), "\(arguments): \(said)")
        }
    }

    /// The gateway's configuration is linted as what it is: its problems are findings.
    @Test func lintChecksTheGatewayConfiguration() async throws {
        let project = try temporaryProject("lint-gateway")
        try "timezone: Asia/Shanghai\n".write(toFile: project + "/config/huiliu.yaml", atomically: true, encoding: .utf8)
        let good = try await HuiliuCommand.run(["lint", "config/huiliu.yaml"], in: project)
        #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
        try "timezone: Asia/Shangai\nbogus: 1\n".write(toFile: project + "/config/huiliu.yaml", atomically: true, encoding: .utf8)
        for arguments in [["lint"], ["lint", "config/huiliu.yaml"]] {
            let bad = try await HuiliuCommand.run(arguments, in: project)
            #expect(bad.status == 1, "\(arguments): \(bad.stderr)")
            #expect(bad.stdout.contains("config/huiliu.yaml:1:11: timezone must be an IANA time zone"), "\(bad.stdout)")
            #expect(bad.stdout.contains("config/huiliu.yaml:2:1: unknown key 'bogus' in gateway config"), "\(bad.stdout)")
        }
    }

    /// A project whose HJ 212 listener has `settings` and whose station registry misspells a key (line 4).
    func projectWithAMisspeltStation(_ name: String, listener settings: String) throws -> String {
        let project = try temporaryProject(name)
        try FileManager.default.createDirectory(atPath: project + "/config/hj212", withIntermediateDirectories: true)
        try "listeners:\n  hj212: { port: 9999, \(settings) }\n".write(toFile: project + "/config/huiliu.yaml", atomically: true, encoding: .utf8)
        try "stations:\n  - mn: \"A1\"\n    password: \"x\"\n    agncy: y\n"
            .write(toFile: project + "/config/hj212/stations.yaml", atomically: true, encoding: .utf8)
        return project
    }

    /// The HJ 212 listener's station registry stops `serve` as its settings do: lint reads it.
    @Test func lintChecksTheStationRegistry() async throws {
        let project = try projectWithAMisspeltStation("lint-stations", listener: "stations: config/hj212/stations.yaml")
        let lint = try await HuiliuCommand.run(["lint"], in: project)
        #expect(lint.status == 1 && lint.stdout.contains("stations.yaml:4:5: unknown key 'agncy'"), "\(lint.stdout)\(lint.stderr)")
    }

    /// A station registry with problems does not take the listener's settings with it: a run
    /// still reads the buffer the listener names, not the default one.
    @Test func aBadStationRegistryKeepsTheListenersBuffer() async throws {
        let project = try projectWithAMisspeltStation("stations-buffer", listener: "buffer: data/custom-buffer.db")
        try "version: 1\nname: h\nsource:\n  hj212: { assess: false }\nsinks: [stdout]\n"
            .write(toFile: project + "/pipelines/h.yaml", atomically: true, encoding: .utf8)
        let run = try await HuiliuCommand.run(["run", "h"], in: project)
        #expect(run.stdout.contains("no HJ 212 buffer at \(project)/data/custom-buffer.db") || run.stderr.contains("custom-buffer.db"),
                "\(run.stdout)\(run.stderr)")
    }

    /// On a shared store, a `file` source and `jsonl`/`sqlite` sinks are files of one host: lint
    /// warns where they are written, without failing; on the embedded store it says nothing.
    @Test func lintWarnsOfOneHostsFilesOnASharedStore() async throws {
        let project = try temporaryProject("lint-shared")
        try """
            version: 1
            name: p
            source: { file: { path: data/in.jsonl } }
            sinks:
              - stdout
              - jsonl: data/out.jsonl
            """.write(toFile: project + "/pipelines/p.yaml", atomically: true, encoding: .utf8)
        let embedded = try await HuiliuCommand.run(["lint", "pipelines/p.yaml"], in: project)
        #expect(embedded.status == 0 && embedded.stdout.isEmpty, "\(embedded.stdout)\(embedded.stderr)")
        try "store: { postgres: \"postgresql://huiliu@127.0.0.1:1/huiliu\" }\n".write(toFile: project + "/config/huiliu.yaml", atomically: true, encoding: .utf8)
        let shared = try await HuiliuCommand.run(["lint", "pipelines/p.yaml"], in: project)
        #expect(shared.status == 0, "\(shared.stdout)\(shared.stderr)")
        let lines = shared.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("pipelines/p.yaml:3:11: warning: a 'file' source on a shared store reads this host's files") == true, "\(shared.stdout)")
        #expect(lines.last?.hasPrefix("pipelines/p.yaml:6:5: warning: a 'jsonl' sink on a shared store writes a file of this host") == true, "\(shared.stdout)")
        #expect(shared.stderr.contains("1 file checked, no problems, 2 warnings"))
        // An sql source's SQLite file is one host's too; its PostgreSQL URL is not.
        try """
            version: 1
            name: q
            source: { sql: { path: data/exchange.db, table: cases, key: id } }
            sinks: [stdout]
            """.write(toFile: project + "/pipelines/q.yaml", atomically: true, encoding: .utf8)
        let sqlite = try await HuiliuCommand.run(["lint", "pipelines/q.yaml"], in: project)
        #expect(sqlite.status == 0 && sqlite.stdout.hasPrefix("pipelines/q.yaml:3:11: warning: an 'sql' source with 'path' on a shared store"),
                "\(sqlite.stdout)\(sqlite.stderr)")
    }

    /// A webhook source's channel must be one the push endpoint here takes, or nothing arrives.
    @Test func lintWarnsOfAChannelNobodyPushesTo() async throws {
        let project = try temporaryProject("lint-channel")
        try "version: 1\nname: w\nsource: { webhook: { channel: goverment } }\nsinks: [stdout]\n"
            .write(toFile: project + "/pipelines/w.yaml", atomically: true, encoding: .utf8)
        let none = try await HuiliuCommand.run(["lint", "pipelines/w.yaml"], in: project)
        #expect(none.status == 0 && none.stdout.contains("pipelines/w.yaml:3:11: warning: channel 'goverment' is pushed to a push endpoint, but"),
                "\(none.stdout)\(none.stderr)")
        try "listeners:\n  webhook:\n    channels: { government: \"${env:GOV_PUSH_TOKEN:-0123456789abcdef0}\", court: \"${env:COURT_PUSH_TOKEN:-0123456789abcdef0}\" }\n"
            .write(toFile: project + "/config/huiliu.yaml", atomically: true, encoding: .utf8)
        let misspelt = try await HuiliuCommand.run(["lint", "pipelines/w.yaml"], in: project)
        #expect(misspelt.stdout.contains("warning: channel 'goverment' is not one of listeners.webhook.channels in config/huiliu.yaml (government, court); did you mean 'government'?"),
                "\(misspelt.stdout)\(misspelt.stderr)")
        try "version: 1\nname: w\nsource: { webhook: { channel: government } }\nsinks: [stdout]\n"
            .write(toFile: project + "/pipelines/w.yaml", atomically: true, encoding: .utf8)
        let right = try await HuiliuCommand.run(["lint", "pipelines/w.yaml"], in: project)
        #expect(right.status == 0 && right.stdout.isEmpty, "\(right.stdout)\(right.stderr)")
        // What would stop `huiliu serve` is a problem for lint too: a guessable token, an unknown option.
        try "listeners:\n  webhook:\n    max_body: 10\n    channels: { government: \"${env:GOV_PUSH_TOKEN:-short}\" }\n"
            .write(toFile: project + "/config/huiliu.yaml", atomically: true, encoding: .utf8)
        let unknown = try await HuiliuCommand.run(["lint", "pipelines/w.yaml"], in: project)
        #expect(unknown.status == 1 && unknown.stdout.contains("config/huiliu.yaml:3:5: unknown key 'max_body' in listeners.webhook"),
                "\(unknown.stdout)\(unknown.stderr)")
        try "listeners:\n  webhook:\n    channels: { government: \"${env:GOV_PUSH_TOKEN:-short}\" }\n"
            .write(toFile: project + "/config/huiliu.yaml", atomically: true, encoding: .utf8)
        let weak = try await HuiliuCommand.run(["lint", "pipelines/w.yaml"], in: project)
        #expect(weak.status == 1 && weak.stdout.contains("shorter than 16 characters"), "\(weak.stdout)\(weak.stderr)")
    }

    /// A mapping file is linted as the map step that loads it would check it, not as a pipeline.
    @Test func lintChecksMappingFilesAsMappings() async throws {
        let good = try await HuiliuCommand.run(["lint", "connectors/budget-network/mappings/payments.yaml"], in: HuiliuCommand.root.path)
        #expect(good.status == 0 && good.stdout.isEmpty, "\(good.stdout)\(good.stderr)")
        // A connector's folder: its manifest and mappings, not its recorded fixtures.
        let folder = try await HuiliuCommand.run(["lint", "connectors/budget-network"], in: HuiliuCommand.root.path)
        #expect(folder.status == 0 && folder.stderr.contains("4 files checked, no problems"), "\(folder.stdout)\(folder.stderr)")
        let project = try temporaryProject("lint-mapping")
        try FileManager.default.createDirectory(atPath: project + "/connectors/x/mappings", withIntermediateDirectories: true)
        try "type: budget.payment.v1\nfields:\n  payee.name: trimm(payee)\n".write(
            toFile: project + "/connectors/x/mappings/m.yaml", atomically: true, encoding: .utf8)
        let bad = try await HuiliuCommand.run(["lint", "connectors/x/mappings/m.yaml"], in: project)
        #expect(bad.status == 1)
        #expect(bad.stdout == "connectors/x/mappings/m.yaml:3:15: invalid expression: unknown function 'trimm()'; did you mean 'trim()'?\n",
                "\(bad.stdout)")
    }

    /// The README's pipeline example lints clean in the shipped project, once the secrets and
    /// variables it names are there: an example that no longer matches what lint accepts misleads.
    @Test func theReadmesPipelineExampleLints() async throws {
        let project = try demoProject()
        let readme = try String(contentsOf: HuiliuCommand.root.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.range(of: "### A pipeline file\n\n```yaml\n"))
        let end = try #require(readme.range(of: "\n```", range: section.upperBound..<readme.endIndex))
        try String(readme[section.upperBound..<end.lowerBound]).write(toFile: project + "/pipelines/readme-example.yaml", atomically: true, encoding: .utf8)
        let secrets = project + "/config/secrets.example.yaml"
        try (String(contentsOfFile: secrets, encoding: .utf8) + "pii: { sm4: 0123456789abcdeffedcba98765432100123456789abcdeffedcba9876543210 }\nplatform: { token: readme-platform-token }\n")
            .write(toFile: secrets, atomically: true, encoding: .utf8)
        let lint = try await HuiliuCommand.run(["lint", "pipelines/readme-example.yaml"], in: project,
                                               environment: ["HUILIU_PG_URL": "postgresql://huiliu@127.0.0.1/huiliu", "PLATFORM_URL": "https://platform.example/events"])
        #expect(lint.status == 0, "\(lint.stdout)\(lint.stderr)")
    }

    /// A run whose process was killed shows `interrupted`, not `running` until its pipeline runs
    /// again; one whose pipeline's lock is held (a live run) stays `running`.
    @Test func runsMarksTheRunsOfKilledProcessesInterrupted() async throws {
        let project = try demoProject()
        _ = try await HuiliuCommand.run(["run", "court-cases"], in: project)
        try SQLiteProbe.execute(path: project + "/data/huiliu.db", """
            INSERT INTO huiliu_runs (id, pipeline, trigger, started_at, status) VALUES
                ('r-killed', 'court-cases', 'cli', '2026-11-30T01:00:00.000Z', 'running'),
                ('r-live', 'budget-payments', 'cli', '2026-11-30T01:00:00.000Z', 'running');
            """)
        // The live run's process holds its pipeline's lock, as a run does.
        try FileManager.default.createDirectory(atPath: project + "/data/locks", withIntermediateDirectories: true)
        let descriptor = open(project + "/data/locks/budget-payments.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        defer { close(descriptor) }
        #expect(flock(descriptor, LOCK_EX | LOCK_NB) == 0)
        let runs = try await HuiliuCommand.run(["runs", "--json"], in: project)
        let statuses = Dictionary(uniqueKeysWithValues: try runs.stdout.split(separator: "\n").map { line in
            let run = try JSONReader.parse(String(line))
            return (run["id"]?.stringValue ?? "", run["status"]?.stringValue ?? "")
        })
        #expect(statuses["r-killed"] == "interrupted" && statuses["r-live"] == "running", "\(statuses)")
    }

    @Test func runsListsHistory() async throws {
        let project = try demoProject()
        _ = try await HuiliuCommand.run(["run", "court-cases"], in: project)
        let result = try await HuiliuCommand.run(["runs", "--pipeline", "court-cases"], in: project)
        #expect(result.stdout.hasPrefix("RUN "))
        #expect(result.stdout.contains("court-cases  cli      succeeded"), "\(result.stdout)")
        // A failure behind more succeeded runs than any one query reads (a pipeline every
        // 30 seconds makes 2,880 a day) is still listed by --failed.
        let database = project + "/data/huiliu.db"
        try SQLiteProbe.execute(path: database, """
            INSERT INTO huiliu_runs (id, pipeline, trigger, started_at, status, error)
                VALUES ('r-old-failure', 'court-cases', 'schedule', '2026-01-01T00:00:00Z', 'failed', 'connection refused');
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12000)
            INSERT INTO huiliu_runs (id, pipeline, trigger, started_at, status)
                SELECT 'r-ok-' || i, 'court-cases', 'schedule', '2026-02-01T00:00:00Z', 'succeeded' FROM n;
            """)
        let failed = try await HuiliuCommand.run(["runs", "--failed"], in: project)
        #expect(failed.status == 0 && failed.stdout.contains("r-old-failure"), "\(failed.stdout)\(failed.stderr)")
    }

    @Test func connectorSpecComesFromTheDeclaration() async throws {
        let markdown = try await HuiliuCommand.run(["connector", "spec", "file"], in: NSTemporaryDirectory())
        #expect(markdown.stdout.hasPrefix("# file (source)\n"))
        #expect(markdown.stdout.contains("| `encoding` | one of `auto`, `utf-8`, `gb18030`, `gbk` | no | `\"auto\"` |"))
        let schema = try await HuiliuCommand.run(["connector", "spec", "jsonl", "--format", "json-schema"], in: NSTemporaryDirectory())
        let value = try JSONReader.parse(schema.stdout)
        #expect(value["anyOf"]?[1]?["properties"]?["path"]?["type"] == "string")
        let list = try await HuiliuCommand.run(["connector", "list"], in: NSTemporaryDirectory())
        #expect(list.stdout.contains("source  file"))
        #expect(list.stdout.contains("sink    sqlite"))
        // The pipeline file and config/huiliu.yaml have references of every field, nested ones too.
        let pipeline = try await HuiliuCommand.run(["connector", "spec", "pipeline"], in: NSTemporaryDirectory())
        #expect(pipeline.status == 0 && pipeline.stdout.contains("## scheduling.retry\n"), "\(pipeline.stdout)")
        #expect(pipeline.stdout.contains("| `size` | integer | `1000` |"))
        let gateway = try await HuiliuCommand.run(["connector", "spec", "gateway"], in: NSTemporaryDirectory())
        #expect(gateway.stdout.contains("## listeners.webhook\n") && gateway.stdout.contains("| `max_body_bytes` | integer | `16777216` |"), "\(gateway.stdout)")
        let unknown = try await HuiliuCommand.run(["connector", "spec", "sqlit"], in: NSTemporaryDirectory())
        #expect(unknown.status == 2)
        #expect(unknown.stderr == "no connector called 'sqlit'; did you mean 'sqlite'?\n")
    }
}
