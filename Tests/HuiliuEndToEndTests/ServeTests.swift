import Foundation
import HuiliuKit
import HuiliuKitTesting
import HuiliuCore
@testable import HuiliuTestSupport
import Testing

/// `huiliu serve` with three pipelines on second-level schedules: they run on schedule, as the
/// API and /metrics show; the API refuses missing, wrong and read-only tokens; SIGTERM in the
/// middle of a run leaves committed checkpoints and loses nothing.
@Suite(.serialized) struct ServeTests {
    static let bigRecords = 60_000

    func project() throws -> String {
        let project = try temporaryProject("serve")
        try """
            version: 1
            secrets: { file: config/secrets.yaml }
            admin:
              port: 0
              tokens:
                - { name: ops, token: "${secret:admin/ops}", role: write }
                - { name: viewer, token: "${secret:admin/viewer}", role: read }
            serve: { grace_period: 30s }
            """.write(toFile: project + "/config/huiliu.yaml", atomically: true, encoding: .utf8)
        try "admin:\n  ops: ops-7f3a\n  viewer: viewer-91c2\n".write(toFile: project + "/config/secrets.yaml", atomically: true, encoding: .utf8)
        var small = ""
        for i in 1...50 { small += #"{"id":"S\#(i)"}"# + "\n" }
        try small.write(toFile: project + "/data/small.jsonl", atomically: true, encoding: .utf8)
        var big = ""
        for i in 1...Self.bigRecords { big += #"{"id":"B\#(i)","note":"大批量记录\#(i)"}"# + "\n" }
        try big.write(toFile: project + "/data/big.jsonl", atomically: true, encoding: .utf8)
        // The big one runs when asked, so that it is surely in the middle of its run when the
        // test stops the daemon, however long the steps before took.
        for (name, input, batch) in [("fast-a", "small", 10), ("fast-b", "small", 10), ("big", "big", 5)] {
            try """
                version: 1
                name: \(name)
                \(name == "big" ? "" : #"schedule: "*/2 * * * * *""#)
                provenance: \(name == "fast-a")
                source: { file: { path: data/\(input).jsonl, key: id } }
                sinks: [ jsonl: data/out-\(name).jsonl ]
                batch: { size: \(batch), parallelism: 1 }
                """.write(toFile: project + "/pipelines/\(name).yaml", atomically: true, encoding: .utf8)
        }
        return project
    }

    struct API {
        let port: Int
        func call(_ method: String, _ path: String, token: String?, body: String? = nil) async throws -> (status: Int, body: String) {
            // Bounded: a request the daemon never answers fails the test instead of hanging the suite.
            var arguments = ["-s", "--max-time", "60", "-o", "-", "-w", "\n%{http_code}"] + (method == "HEAD" ? ["-I"] : ["-X", method]) + ["http://127.0.0.1:\(port)\(path)"]
            if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
            if let body { arguments += ["-H", "Content-Type: application/json", "--data-raw", body] }
            // Not Foundation's Process: a server another test starts meanwhile could inherit the
            // pipe of its output, and reading it to the end would then wait for that server.
            // Waited for on a thread of its own: the two cooperative threads are every test's.
            let text = try await ChildCommand.output("/usr/bin/curl", arguments, timeout: .seconds(90)).stdoutText
            let split = text.split(separator: "\n", omittingEmptySubsequences: false)
            return (Int(split.last ?? "") ?? 0, split.dropLast().joined(separator: "\n"))
        }

        func json(_ path: String) async throws -> Value {
            try JSONReader.parse(await call("GET", path, token: "viewer-91c2").body)
        }
    }

    /// The admin API port the daemon of `project` wrote to data/daemon.json once listening.
    func daemonPort(_ project: String) async throws -> Int {
        var port = 0
        try await waitFor("data/daemon.json") {
            guard let data = FileManager.default.contents(atPath: project + "/data/daemon.json"),
                  let info = try? JSONReader.parse([UInt8](data)) else { return false }
            port = info["port"]?.intValue ?? 0
            return port > 0
        }
        return port
    }

    func waitFor(_ what: String, timeout: TimeInterval = 90, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("timed out waiting for \(what)")
    }

    @Test func schedulesServesAndStopsCleanly() async throws {
        let project = try project()
        let serve = try HuiliuCommand.start(["serve", "--log-format", "json"], in: project, output: .file(project + "/serve.log"))
        defer { serve.signal(SIGTERM) }

        let api = try await API(port: daemonPort(project))

        // Tokens: none, wrong, read-only on a write.
        #expect(try await api.call("GET", "/api/v1/pipelines", token: nil).status == 401)
        #expect(try await api.call("GET", "/api/v1/pipelines", token: "ops-7f3b").status == 401)
        #expect(try await api.call("GET", "/metrics", token: nil).status == 401)
        #expect(try await api.call("POST", "/api/v1/pipelines/fast-a/runs", token: "viewer-91c2").status == 403)
        #expect(try await api.call("GET", "/healthz", token: nil).status == 200)
        // The status page needs no token to load; it holds no data until given one.
        let page = try await api.call("GET", "/", token: nil)
        #expect(page.status == 200 && page.body.contains("<title>汇流 Huiliu — status</title>") && page.body.contains("api/v1/"))
        #expect(try await api.call("GET", "/readyz", token: nil).status == 200)

        // The fast pipelines run on their schedule: each fire time starts a run of its own.
        // (That runs start on time is HuiliuScheduleTests' business, with a clock of their own:
        // here the machine may be busy with other tests.)
        try await waitFor("two scheduled runs of each fast pipeline") {
            let runs = try await api.json("/api/v1/runs?limit=200")["runs"]?.arrayValue ?? []
            return ["fast-a", "fast-b"].allSatisfy { name in
                runs.filter { $0["pipeline"]?.stringValue == name && $0["trigger"] == "schedule" && $0["status"] == "succeeded" }.count >= 2
            }
        }
        let runs = try await api.json("/api/v1/runs?limit=200")["runs"]?.arrayValue ?? []
        for name in ["fast-a", "fast-b"] {
            let scheduled = runs.filter { $0["pipeline"]?.stringValue == name && $0["trigger"] == "schedule" && $0["status"] == "succeeded" }
            let starts = scheduled.compactMap { $0["started_at"]?.stringValue.flatMap(ISO8601DateFormatter.withFractions.date(from:)) }
            #expect(scheduled.count >= 2 && starts.count == scheduled.count, "\(name): \(scheduled)")
            #expect(Set(starts).count == starts.count, "\(name) has two scheduled runs started at once: \(starts)")
        }
        // The chains of pipelines that keep one, checked, and their entries for a copy elsewhere.
        let chains = try await api.json("/api/v1/provenance")["chains"]?.arrayValue ?? []
        #expect(chains.map { $0["pipeline"] } == ["fast-a"])
        #expect(chains.first?["intact"] == true && (chains.first?["entries"]?.intValue ?? 0) >= 2, "\(chains)")
        let entries = try await api.json("/api/v1/provenance/fast-a?after=1&limit=1")["entries"]?.arrayValue ?? []
        #expect(entries.map { $0["sequence"] } == [2])
        #expect(entries.first?["hash"]?.stringValue == entries.first?["text"]?.stringValue.map { Digest.sha256.hex($0) })
        #expect(entries.first?["entry"]?["pipeline"] == "fast-a")
        #expect(try await api.call("GET", "/api/v1/provenance/fast-b", token: "viewer-91c2").status == 404)
        #expect(try await api.call("POST", "/api/v1/pipelines/nope/runs", token: "ops-7f3a").status == 404)
        // A pipeline another process runs (it holds its lock) is refused, not accepted and then not started.
        try FileManager.default.createDirectory(atPath: project + "/data/locks", withIntermediateDirectories: true)
        let elsewhere = open(project + "/data/locks/big.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        #expect(flock(elsewhere, LOCK_EX | LOCK_NB) == 0)
        let busy = try await api.call("POST", "/api/v1/pipelines/big/runs", token: "ops-7f3a")
        close(elsewhere)
        #expect(busy.status == 409 && busy.body.contains("already running (its lock is held"), "\(busy)")
        // A dead letter's raw payload (personal data) needs a write token; the list does not.
        #expect(try await api.call("GET", "/api/v1/dead-letters/1", token: "viewer-91c2").status == 403)
        #expect(try await api.call("GET", "/api/v1/dead-letters/+1", token: "viewer-91c2").status == 403)
        #expect(try await api.call("GET", "/api/v1/dead-letters/987654", token: "ops-7f3a").status == 404)
        #expect(try await api.call("GET", "/api/v1/dead-letters", token: "viewer-91c2").status == 200)
        // Discarding dead letters is an operator's: ids that are no pending letter are left as they were.
        #expect(try await api.call("POST", "/api/v1/dead-letters/discard", token: "viewer-91c2", body: #"{"ids":[1]}"#).status == 403)
        #expect(try await api.call("POST", "/api/v1/dead-letters/discard", token: "ops-7f3a", body: #"{"ids":[]}"#).status == 400)
        let discard = try await api.call("POST", "/api/v1/dead-letters/discard", token: "ops-7f3a", body: #"{"ids":[987654]}"#)
        #expect(discard.status == 200 && discard.body.contains(#""unchanged":[987654]"#), "\(discard)")
        // Reopening too, as `huiliu dead-letters reopen` does.
        #expect(try await api.call("POST", "/api/v1/dead-letters/reopen", token: "viewer-91c2", body: #"{"ids":[1]}"#).status == 403)
        let reopen = try await api.call("POST", "/api/v1/dead-letters/reopen", token: "ops-7f3a", body: #"{"ids":[987654]}"#)
        #expect(reopen.status == 200 && reopen.body.contains(#""reopened":[]"#) && reopen.body.contains(#""unchanged":[987654]"#), "\(reopen)")
        let misspelt = try await api.call("GET", "/api/v1/runs?status=faild", token: "viewer-91c2")
        #expect(misspelt.status == 400 && misspelt.body.contains("unknown status 'faild'"), "\(misspelt)")

        // `huiliu run` goes through the running daemon (its token comes from admin.tokens). It is
        // refused while a scheduled run of fast-a is going: then it is asked again.
        var viaDaemon = try await HuiliuCommand.run(["run", "fast-a"], in: project)
        try await eventually("a manual run of fast-a between its scheduled ones", interval: .milliseconds(200)) {
            let refused = viaDaemon.status == 2 && viaDaemon.stderr.contains("already running")
            if refused { viaDaemon = try await HuiliuCommand.run(["run", "fast-a"], in: project) }
            return !refused
        }
        #expect(viaDaemon.stderr.contains("started by the running daemon"), "\(viaDaemon.stderr)")
        #expect(viaDaemon.stdout.hasPrefix("fast-a: succeeded"))
        // The run records which token asked for it.
        let requested = try await api.json("/api/v1/runs?pipeline=fast-a&limit=50")["runs"]?.arrayValue ?? []
        #expect(requested.contains { $0["trigger"] == "api:ops" }, "\(requested.map { $0["trigger"] })")

        // `status` shows every pipeline, as a table or as JSON lines for scripts.
        let table = try await HuiliuCommand.run(["status"], in: project)
        #expect(table.status == 0 && table.stdout.contains("PIPELINE") && table.stdout.contains("fast-a"), "\(table)")
        // Next runs read in the schedule's zone (Asia/Shanghai by default), as the schedule does.
        #expect(table.stdout.split(separator: "\n").first { $0.hasPrefix("fast-a") }?.contains(" +08:00") == true, "\(table.stdout)")
        let lines = try await HuiliuCommand.run(["status", "--json"], in: project)
        let statuses = lines.stdout.split(separator: "\n").compactMap { try? JSONReader.parse(String($0)) }
        #expect(lines.status == 0 && statuses.count == lines.stdout.split(separator: "\n").count, "\(lines)")
        // fast-a runs every 2 s: its last run is one that succeeded, or the one going on right
        // now, which the row then also shows as running.
        let fastA = statuses.first { $0["name"] == "fast-a" }, fastALast = fastA?["last_run"]
        #expect(fastALast?["status"] == "succeeded" || (fastALast?["status"] == "running" && fastA?["running"]?["run"] == fastALast?["id"]),
                "\(lines.stdout)")

        // A backfill goes through the daemon too: a malformed range is refused at once, and the
        // file source, which has no cursor, refuses the range instead of reading everything.
        let malformed = try await api.call("POST", "/api/v1/pipelines/fast-b/runs", token: "ops-7f3a", body: #"{"backfill":"2024"}"#)
        #expect(malformed.status == 400 && malformed.body.contains("FROM..TO"), "\(malformed)")
        let misspeltOption = try await api.call("POST", "/api/v1/pipelines/fast-b/runs", token: "ops-7f3a", body: #"{"backfil":"2024-01-01..2024-02-01"}"#)
        #expect(misspeltOption.status == 400 && misspeltOption.body.contains("unknown option 'backfil'"), "\(misspeltOption)")
        let backfill = try await HuiliuCommand.run(["run", "fast-b", "--backfill", "2024-01-01..2024-02-01"], in: project)
        #expect(backfill.status == 2, "\(backfill.stderr)")
        #expect(backfill.stderr.contains("the 'file' source of fast-b cannot read a range again"), "\(backfill.stderr)")

        // A pipeline file changed since the daemon loaded it is not run as the daemon's older
        // copy, which would commit past the new sinks; nor is one the daemon does not know.
        let fastB = project + "/pipelines/fast-b.yaml"
        let original = try String(contentsOfFile: fastB, encoding: .utf8)
        try (original + "\ndescription: changed\n").write(toFile: fastB, atomically: true, encoding: .utf8)
        let stale = try await HuiliuCommand.run(["run", "fast-b"], in: project)
        #expect(stale.status == 2 && stale.stderr.contains("loaded") && stale.stderr.contains("huiliu reload"), "\(stale.stderr)")
        try original.write(toFile: fastB, atomically: true, encoding: .utf8)
        try original.replacingOccurrences(of: "name: fast-b", with: "name: elsewhere")
            .write(toFile: project + "/elsewhere.yaml", atomically: true, encoding: .utf8)
        let unknown = try await HuiliuCommand.run(["run", "elsewhere.yaml"], in: project)
        #expect(unknown.status == 2 && unknown.stderr.contains("--standalone"), "\(unknown.stderr)")

        // Metrics show the runs and records, and the dead letters waiting.
        try SQLiteProbe.execute(path: project + "/data/huiliu.db", """
            INSERT INTO huiliu_dead_letters (pipeline, run_id, step, origin, reason, payload, created_at, status)
                VALUES ('fast-b', 'r', 'source', 'x:1', 'bad', '1', '2026-01-01T00:00:00Z', 'pending');
            """)
        // A reader sees the reason without the value it quotes; an operator sees it whole.
        try SQLiteProbe.execute(path: project + "/data/huiliu.db", """
            INSERT INTO huiliu_dead_letters (pipeline, run_id, step, origin, reason, payload, created_at, status)
                VALUES ('fast-b', 'r', 'map', 'x:2', 'parse_time(): ''420102199001011234'' does not match', '1', '2026-01-01T00:00:00Z', 'pending');
            """)
        let viewed = try await api.call("GET", "/api/v1/dead-letters?pipeline=fast-b", token: "viewer-91c2").body
        #expect(viewed.contains("parse_time(): '***' does not match") && !viewed.contains("420102199001011234"), "\(viewed)")
        #expect(try await api.call("GET", "/api/v1/dead-letters?pipeline=fast-b", token: "ops-7f3a").body.contains("420102199001011234"))
        let metrics = try await api.call("GET", "/metrics", token: "viewer-91c2").body
        // Probes that ask for headers only get them, from every GET route.
        #expect(try await api.call("HEAD", "/metrics", token: "viewer-91c2").status == 200)
        #expect(try await api.call("HEAD", "/healthz", token: nil).status == 200)
        #expect(metrics.contains(#"huiliu_runs_total{pipeline="fast-a",status="succeeded"}"#))
        #expect(metrics.contains(#"huiliu_records_read_total{pipeline="fast-b"}"#))
        #expect(metrics.contains("huiliu_store_size_bytes"))
        #expect(metrics.contains(#"huiliu_dead_letters_pending{pipeline="fast-b"} 2"#), "\(metrics)")
        #expect(metrics.contains("# HELP huiliu_runs_total Pipeline runs finished, by pipeline and status.\n# TYPE huiliu_runs_total counter\n"))

        // SIGTERM while the big pipeline is in the middle of its first run.
        #expect(try await api.call("POST", "/api/v1/pipelines/big/runs", token: "ops-7f3a").status == 202)
        try await waitFor("the big pipeline to be running") {
            let big = try await api.json("/api/v1/pipelines/big")
            return (big["running"]?["written"]?.intValue ?? 0) > 0
        }
        serve.signal(SIGTERM)
        let ended = await HuiliuCommand.exit(of: serve)
        #expect(ended.signal == nil && ended.status == 0, "serve exited with \(ended.status)")
        #expect(!FileManager.default.fileExists(atPath: project + "/data/daemon.json"))
        let logText = try String(contentsOfFile: project + "/serve.log", encoding: .utf8)
        #expect(logText.contains(#""message":"admin API listening on"#), "the daemon logs JSON lines")
        #expect(!logText.contains("ops-7f3a") && !logText.contains("viewer-91c2"), "tokens never reach the log")

        // What was delivered matches the committed checkpoint; a standalone run completes the rest exactly.
        let history = try await HuiliuCommand.run(["runs", "--pipeline", "big", "--json"], in: project)
        let last = try JSONReader.parse(String(history.stdout.split(separator: "\n").first ?? ""))
        #expect(last["status"] == "cancelled" || last["status"] == "succeeded")
        let delivered = try String(contentsOfFile: project + "/data/out-big.jsonl", encoding: .utf8).split(separator: "\n").count
        #expect(delivered < Self.bigRecords || last["status"] == "succeeded")
        let rest = try await HuiliuCommand.run(["run", "big"], in: project)
        #expect(rest.status == 0, "\(rest.stdout)\(rest.stderr)")
        let subjects = try String(contentsOfFile: project + "/data/out-big.jsonl", encoding: .utf8).split(separator: "\n")
            .map { try JSONReader.parse(String($0))["subject"]?.stringValue ?? "" }
        #expect(subjects == (1...Self.bigRecords).map { "B\($0)" })
    }
}

extension ServeTests {
    /// A connector added while the daemon runs (a new manifest and a pipeline using it) is
    /// picked up by reload, without a restart.
    @Test func reloadPicksUpANewConnectorManifest() async throws {
        let project = try project()
        for name in ["fast-a", "fast-b", "big"] { try FileManager.default.removeItem(atPath: project + "/pipelines/\(name).yaml") }
        for folder in ["schema", "lookups"] {
            try FileManager.default.copyItem(atPath: HuiliuCommand.root.path + "/config/" + folder, toPath: project + "/config/" + folder)
        }
        let serve = try HuiliuCommand.start(["serve"], in: project)
        defer {
            serve.signal(SIGTERM)
            if serve.wait(timeout: .seconds(120)).timedOut {
                Issue.record("huiliu serve did not stop within 2 minutes of SIGTERM")
            }
        }
        let api = try await API(port: daemonPort(project))
        let created = try await HuiliuCommand.run(["connector", "new", "inventory", "--template", "file"], in: project)
        #expect(created.status == 0, "\(created.stderr)")
        try """
            version: 1
            name: inventory
            source: { inventory: { stream: organizations, location: connectors/inventory/fixtures/files } }
            sinks: [ jsonl: data/out-inventory.jsonl ]
            """.write(toFile: project + "/pipelines/inventory.yaml", atomically: true, encoding: .utf8)
        let reload = try await api.call("POST", "/api/v1/reload", token: "ops-7f3a")
        #expect(reload.status == 200, "\(reload.body)")
        let connectors = try await api.json("/api/v1/connectors")["connectors"]?.arrayValue ?? []
        #expect(connectors.contains { $0["name"] == "inventory" }, "the API lists the new connector")
        #expect(try await api.call("POST", "/api/v1/pipelines/inventory/runs", token: "ops-7f3a").status == 202)
        try await waitFor("the inventory run") {
            let runs = try await api.json("/api/v1/runs?pipeline=inventory")["runs"]?.arrayValue ?? []
            return runs.contains { $0["status"] == "succeeded" }
        }
        let lines = try String(contentsOfFile: project + "/data/out-inventory.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3, "the three organizations of the sample files")
        #expect(try JSONReader.parse(String(lines[0]))["type"] == "organization.v1")
    }
}

extension ISO8601DateFormatter {
    static var withFractions: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
