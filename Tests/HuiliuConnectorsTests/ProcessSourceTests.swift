import Foundation
@testable import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import HuiliuKitTesting
import Logging
@testable import HuiliuTestSupport
import Testing

struct ProcessSourceTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    func source(_ values: Object, batchSize: Int = 100) throws -> ProcessSource {
        try ProcessSource(config: ParsedConfig(testing: values), context: .testing(batchSize: batchSize))
    }

    @Test func endsABatchAtEveryStateSoAStateIsCommittedOnlyWithTheRecordsBeforeIt() async throws {
        let tap = try source(["command": .array([.string(Self.fixtures + "/singer_counter.py")]),
                              "config": ["records": 7, "state_every": 3]])
        let batches = try await drain(tap)
        #expect(batches.map { $0.records.map { $0.data["n"]?.intValue ?? 0 } } == [[1, 2, 3], [4, 5, 6], [7]])
        #expect(batches.map { $0.checkpoint?.value["state"]?["bookmarks"]?["counter"]?["last"]?.intValue } == [3, 6, 7])
        #expect(batches[0].records[0].key == "counter/1")
        #expect(batches[0].records[0].type == "counter.raw.v1")
        #expect(batches[0].records[0].data["label"] == "第1条")
    }

    /// A bare program name is found on PATH, as `command: [tap-csv]` or `[python3, tap.py]`
    /// expect; megabyte records arrive whole.
    @Test func findsTheProgramOnPathAndReadsLongRecords() async throws {
        let tap = try source(["command": .array([.string("python3"), .string(Self.fixtures + "/singer_counter.py")]),
                              "config": ["records": 3, "state_every": 10, "pad": 3_000_000]])
        let records = try await drain(tap).flatMap(\.records)
        #expect(records.map { $0.data["n"]?.intValue ?? 0 } == [1, 2, 3])
        #expect(records.allSatisfy { $0.data["pad"]?.stringValue?.utf8.count == 3_000_000 })
        let missing = try source(["command": .array([.string("no-such-tap-anywhere")])])
        await #expect { _ = try await drain(missing) } throws: { "\($0)".contains("no such program on PATH") }
    }

    /// A run told to stop while the process has gone quiet ends at once: cancelling the read
    /// ends the process instead of waiting for its next line.
    @Test func aQuietProcessStopsWhenTheReadIsCancelled() async throws {
        let tap = try source(["command": .array([.string(Self.fixtures + "/singer_counter.py")]),
                              "config": ["records": 2, "state_every": 10, "hang": 600]])
        let started = ContinuousClock.now
        let reading = Task { try await drain(tap) }
        try await Task.sleep(for: .seconds(1))
        reading.cancel()
        let result = await reading.result
        #expect(ContinuousClock.now - started < .seconds(120), "the read waited for the process instead of ending it")
        // Ended by the cancellation, not by the tap failing to start or finishing early.
        guard case .failure(let error) = result else { Issue.record("the read finished instead of being cancelled"); return }
        #expect(error is CancellationError, "\(error)")
    }

    /// A connector process holds nothing of the gateway's: no descriptor beyond its three (a
    /// daemon's listening socket or device connection would stay open while it runs) and no
    /// blocked signal (the thread that starts it blocks most of them).
    @Test func aTapInheritsNeitherDescriptorsNorBlockedSignals() async throws {
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let script = """
            fd=closed; test -e /proc/$$/fd/\(fds[1]) && fd=open
            blocked=$(grep SigBlk /proc/$$/status | cut -f2)
            echo "{\\"type\\":\\"RECORD\\",\\"stream\\":\\"probe\\",\\"record\\":{\\"fd\\":\\"$fd\\",\\"blocked\\":\\"$blocked\\"}}"
            """
        let tap = try source(["command": .array(["sh", "-c", .string(script)])])
        let records = try await drain(tap).flatMap(\.records)
        #expect(records.map { $0.data["fd"] } == ["closed"])
        #expect(records.map { $0.data["blocked"] } == ["0000000000000000"])
    }

    /// A stop ends a shell-script tap together with what it started (its `sleep` would keep the
    /// output open and the run waiting): the tap runs in a process group of its own.
    @Test func aStopEndsWhatAShellTapStarted() async throws {
        let marker = Int.random(in: 700_000..<800_000)
        let tap = try source(["command": .array(["sh", "-c", .string("sleep \(marker); echo never")])])
        let reading = Task { try await drain(tap) }
        // The stop must find the child running, or there is nothing for it to end.
        try await eventually("the tap's sleep \(marker) to start", timeout: .seconds(30)) { Self.running("sleep\u{0}\(marker)") }
        let cancelled = ContinuousClock.now
        reading.cancel()
        let result = await reading.result
        // Waiting for the child would take days; a loaded machine takes a few seconds to stop.
        #expect(ContinuousClock.now - cancelled < .seconds(120), "the read waited for the tap's child")
        guard case .failure(let error) = result else { Issue.record("the read finished instead of being cancelled"); return }
        #expect(error is CancellationError, "\(error)")
        // The kill is sent; the process may take a moment to go.
        try await eventually("the tap's sleep \(marker) to end", timeout: .seconds(30)) { !Self.running("sleep\u{0}\(marker)") }
    }

    /// Whether a process whose command line (arguments joined by NUL) contains `command` runs.
    static func running(_ command: String) -> Bool {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return pids.contains { pid in
            guard Int(pid) != nil, let line = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8) else { return false }
            return line.contains(command)
        }
    }

    @Test func passesTheSavedStateBackOnTheNextRun() async throws {
        let tap = try source(["command": .array([.string(Self.fixtures + "/singer_counter.py")]),
                              "config": ["records": 7, "state_every": 3]])
        let batches = try await drain(tap, after: Checkpoint(["state": ["bookmarks": ["counter": ["last": 6]]]]))
        #expect(batches.flatMap(\.records).map { $0.data["n"]?.intValue ?? 0 } == [7])
    }

    @Test func failsWithTheEndOfStderrWhenTheProcessFails() async throws {
        let tap = try source(["command": .array([.string(Self.fixtures + "/singer_counter.py")]),
                              "config": ["records": 3, "fail": true]])
        do {
            _ = try await drain(tap)
            Issue.record("a failing tap did not fail the read")
        } catch {
            #expect("\(error)".contains("exited with status 3"))
            #expect("\(error)".contains("boom: the upstream refused"))
        }
    }

    /// A secret the tap prints to stderr (a URL with its key) reaches neither the log nor the
    /// error: the tap's environment holds it through a reference, so the source knows it.
    @Test func secretsAStderrLineQuotesAreMasked() async throws {
        let key = "ak-9f3c2e71"
        var parsed = ParsedConfig(testing: [
            "command": .array(["sh", "-c", "echo \"GET https://upstream/api?ak=$API_KEY\" >&2; exit 3"]),
            "environment": ["API_KEY": .string(key)],
        ])
        parsed.secretValues = [key]
        let logged = CapturedLogs()
        var context = ConnectorContext.testing(batchSize: 100)
        context.logger = logged.logger
        let tap = try ProcessSource(config: parsed, context: context)
        await #expect { _ = try await drain(tap) } throws: { error in
            "\(error)".contains("ak=***") && !"\(error)".contains(key)
        }
        #expect(logged.all.contains { $0.message.contains("ak=***") })
        #expect(!logged.all.contains { $0.message.contains(key) })
    }

    /// Stray text a tap prints on stdout is kept as a reject, a dead letter, with its secrets
    /// masked as in its logs: debug output quoting a token is the usual stray text.
    @Test func strayStdoutIsKeptWithItsSecretsMasked() async throws {
        let key = "tok-51d0a7e2"
        var parsed = ParsedConfig(testing: [
            "command": .array(["sh", "-c", "echo \"DEBUG: fetched page with token=$API_KEY\"; echo '{\"type\":\"RECORD\",\"stream\":\"s\",\"record\":{\"id\":1}}'; echo \"DEBUG: fetched page with token=$API_KEY\""]),
            "environment": ["API_KEY": .string(key)],
        ])
        parsed.secretValues = [key]
        let batches = try await drain(try ProcessSource(config: parsed, context: .testing(batchSize: 100)))
        #expect(batches.flatMap(\.records).count == 1)
        let rejects = batches.flatMap(\.rejects)
        #expect(rejects.map(\.raw) == ["DEBUG: fetched page with token=***", "DEBUG: fetched page with token=***"])
        // Each says which line it was: alike, they are still two dead letters, not one.
        #expect(rejects.map(\.origin.position) == [1, 3])
        #expect(Set(rejects.map(\.origin.description)).count == 2)
    }

    /// A tap's stderr is logged at debug level, but for lines that say they are warnings or
    /// errors, as Python's logging and singer-python write them.
    @Test func stderrWarningsAndErrorsAreLoggedAtTheirLevel() {
        #expect(ProcessBatchReader.stderrLevel("WARNING rate limited, retrying in 5s") == .warning)
        #expect(ProcessBatchReader.stderrLevel("WARNING:root:skipping a bad row") == .warning)
        #expect(ProcessBatchReader.stderrLevel("ERROR Traceback follows") == .error)
        #expect(ProcessBatchReader.stderrLevel("CRITICAL: giving up") == .error)
        #expect(ProcessBatchReader.stderrLevel("INFO METRIC: {\"type\": \"counter\"}") == .debug)
        #expect(ProcessBatchReader.stderrLevel("WARNINGS are not a level") == .debug)
        #expect(ProcessBatchReader.stderrLevel("2024-03-05 14:30:00,123 | WARNING | tap-x | rate limited") == .warning)
        #expect(ProcessBatchReader.stderrLevel("[ERROR] connection refused") == .error)
        #expect(ProcessBatchReader.stderrLevel("fetched 500 rows, 3 had an ERROR column") == .debug)
        #expect(ProcessBatchReader.stderrLevel("INFO | tap-x | Found 3 ERROR rows skipped") == .debug)
        #expect(ProcessBatchReader.stderrLevel("2024-03-05T14:30:00Z\tERROR\ttab separated") == .error)
        #expect(ProcessBatchReader.stderrLevel("2024-03-05 14:30.00 [error    ] request failed") == .error)
        #expect(ProcessBatchReader.stderrLevel(#"{"timestamp": "2024-03-05T14:30:00Z", "message": "x", "level": "WARNING"}"#) == .warning)
        #expect(ProcessBatchReader.stderrLevel("time=2024-03-05T14:30:00Z level=error msg=\"upstream 503\"") == .error)
        #expect(ProcessBatchReader.stderrLevel(#"{"event": "0 error rows", "level": "info"}"#) == .debug)
        #expect(ProcessBatchReader.stderrLevel("2024-03-05 14:30:00,123 - tap_x.client - ERROR - request failed") == .error)
        #expect(ProcessBatchReader.stderrLevel("[2024-03-05, 14:30:00 UTC] {client.py:42} ERROR - request failed") == .error)
        #expect(ProcessBatchReader.stderrLevel("Sync finished with 0 error records") == .debug)
        #expect(ProcessBatchReader.stderrLevel("") == .debug)
    }

    /// A tap that leaves a background child behind (a helper daemon, a `sleep` in a shell
    /// script) still ends when the tap exits. Foundation's exit detection would wait for the
    /// child too, as it inherits the socket that detection watches.
    @Test func aTapThatLeavesAChildBehindStillFinishes() async throws {
        // A duration of its own, so the cleanup below ends this test's child and nobody else's.
        let marker = Int.random(in: 600_000..<700_000)
        let script = """
            sleep \(marker) >/dev/null 2>&1 </dev/null &
            echo '{"type":"RECORD","stream":"s","record":{"id":1}}'
            """
        let tap = try source(["command": .array(["/bin/sh", "-c", .string(script)])])
        let reading = Task { try await drain(tap) }
        let finished = await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await reading.value) != nil }
            group.addTask { try? await Task.sleep(for: .seconds(60)); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        #expect(finished, "the read waited for the tap's background child (a long sleep)")
        _ = try? ChildCommand.run("/usr/bin/pkill", ["-x", "-f", "sleep \(marker)"], timeout: .seconds(60))
    }

    @Test func readsAnAirbyteSourceAndMergesPerStreamState() async throws {
        let catalog = NSTemporaryDirectory() + "catalog-\(UUID().uuidString).json"
        try #"{"streams":[{"stream":{"name":"cases"}},{"stream":{"name":"rulings"}}]}"#.write(toFile: catalog, atomically: true, encoding: .utf8)
        let values: Object = ["command": .array([.string(Self.fixtures + "/airbyte_counter.py")]), "protocol": "airbyte",
                              "catalog": .string(catalog), "config": ["records": 3]]
        let batches = try await drain(try source(values))
        #expect(batches.flatMap(\.records).count == 6)
        let final = try #require(batches.last { $0.checkpoint != nil }?.checkpoint?.value["state"]?.arrayValue)
        #expect(final.count == 2, "one state per stream")
        let resumed = try await drain(try source(values), after: Checkpoint(["state": .array(final)]))
        #expect(resumed.flatMap(\.records).map { "\($0.data["stream"]!.stringValue!)\($0.data["id"]!.intValue!)" } == ["cases3", "rulings3"])
    }

    static func catalog(_ json: String) throws -> String {
        let path = NSTemporaryDirectory() + "catalog-\(UUID().uuidString).json"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Airbyte sources declare keys in the catalog, not in SCHEMA messages: a configured
    /// `primary_key`, else the stream's `source_defined_primary_key`.
    @Test func takesAirbyteKeysFromTheCatalog() async throws {
        let catalog = try Self.catalog(#"""
            {"streams": [{"stream": {"name": "cases", "source_defined_primary_key": [["stream"]]}, "primary_key": [["id"]]},
                         {"stream": {"name": "rulings", "source_defined_primary_key": [["stream"], ["id"]]}, "primary_key": []}]}
            """#)
        let records = try await drain(try source(["command": .array([.string(Self.fixtures + "/airbyte_counter.py")]), "protocol": "airbyte",
                                                  "catalog": .string(catalog), "config": ["records": 2]])).flatMap(\.records)
        #expect(records.map(\.key) == ["cases/1", "cases/2", "rulings/rulings/1", "rulings/rulings/2"])
    }

    /// A keyless record's id comes from its origin: its stream and content, and how often that
    /// content came before in the run. Counted by position, a run's first record took the id of
    /// the run before's first (upserting sinks kept one of them), and a record re-sent after a
    /// state the failed run had committed got a new id (sinks held it twice).
    @Test func keylessRecordsAreKnownByTheirContent() async throws {
        let values: Object = ["command": .array([.string(Self.fixtures + "/airbyte_counter.py")]), "protocol": "airbyte",
                              "catalog": .string(try Self.catalog(#"{"streams":[{"stream":{"name":"cases"}}]}"#)), "config": ["records": 4]]
        let first = try await drain(try source(values))
        let state = try #require(first[0].checkpoint)
        let resumed = try await drain(try source(values), after: state).flatMap(\.records)
        let again = try await drain(try source(values), after: state).flatMap(\.records)
        #expect(resumed.map(\.key) == [nil, nil])
        #expect(resumed.map(\.origin.description) == again.map(\.origin.description))
        // The records re-sent from the state are the first run's last two, ids and all.
        let earlier = first.flatMap(\.records)
        #expect(resumed.map(\.origin.description) == earlier.suffix(2).map(\.origin.description))
        #expect(Set(earlier.map(\.origin.description)).count == 4)
        // The same content twice in a run is two records.
        let twice = try await drain(try source(["command": .array(["sh", "-c", """
            for i in 1 2; do echo '{"type":"RECORD","stream":"s","record":{"v":1}}'; done
            """])])).flatMap(\.records)
        #expect(twice.count == 2 && Set(twice.map(\.origin.description)).count == 2)
        // And in two segments (after two states): two records still.
        let segments = try await drain(try source(["command": .array(["sh", "-c", """
            for i in 1 2; do echo '{"type":"RECORD","stream":"s","record":{"v":1}}'; echo "{\\"type\\":\\"STATE\\",\\"value\\":{\\"n\\":$i}}"; done
            """])])).flatMap(\.records)
        #expect(segments.count == 2 && Set(segments.map(\.origin.description)).count == 2, "\(segments.map(\.origin))")
    }

    /// A tap that never sends a state (a full table) has what it wrote committed at the end of
    /// a run that succeeded: without a checkpoint, the next run cut it from the sinks.
    @Test func theEndOfAStatelessRunIsCommitted() async throws {
        let batches = try await drain(try source(["command": .array(["sh", "-c", """
            echo '{"type":"SCHEMA","stream":"s","key_properties":["id"],"schema":{}}'
            for i in 1 2 3; do echo "{\\"type\\":\\"RECORD\\",\\"stream\\":\\"s\\",\\"record\\":{\\"id\\":$i}}"; done
            """])], batchSize: 2))
        #expect(batches.map(\.records.count) == [2, 1])
        #expect(batches.last?.checkpoint?.value == ["state": .null])
        // Exactly a batch's worth: the end is a batch of its own, to commit the last one.
        let even = try await drain(try source(["command": .array(["sh", "-c", """
            for i in 1 2; do echo "{\\"type\\":\\"RECORD\\",\\"stream\\":\\"s\\",\\"record\\":{\\"id\\":$i}}"; done
            """])], batchSize: 2))
        #expect(even.map(\.records.count) == [2, 0] && even.last?.checkpoint != nil)
        // A tap with state re-sends what came after its last one: left uncommitted, the next run
        // cuts it back and writes it once (committed, an append-only sink held it twice).
        let stateful = try await drain(try source(["command": .array(["sh", "-c", #"""
            echo '{"type":"RECORD","stream":"s","record":{"id":1}}'
            echo '{"type":"STATE","value":{"at":1}}'
            echo '{"type":"RECORD","stream":"s","record":{"id":2}}'
            """#])]))
        #expect(stateful.map(\.records.count) == [1, 1])
        #expect(stateful.map { $0.checkpoint?.value } == [["state": ["at": 1]], nil])
    }

    /// JSON that is no message, a RECORD without its stream, a record of a keyed stream without
    /// its key: dead letters naming their line, not a failed run or a silent drop.
    @Test func linesThatAreNoUsableMessageAreDeadLetters() async throws {
        let batches = try await drain(try source(["command": .array(["sh", "-c", #"""
            echo '{"type":"SCHEMA","stream":"s","key_properties":["id"],"schema":{}}'
            echo '[1,2]'
            echo '{"type":"RECORD","record":{"id":2}}'
            echo '{"type":"record","stream":"s","record":{"id":3}}'
            echo '{"type":"RECORD","stream":"s","record":{"name":"x"}}'
            echo '{"type":"ACTIVATE_VERSION","stream":"s","version":1}'
            echo '{"type":"RECORD","stream":"s","record":{"id":6},"time_extracted":"2024-03-05T09:30:00.5+08:00"}'
            """#])]))
        #expect(batches.flatMap(\.records).map(\.key) == ["s/6"])
        #expect(batches.flatMap(\.records).map(\.time) == ["2024-03-05T09:30:00.5+08:00"], "time_extracted is the event's time")
        let rejects = batches.flatMap(\.rejects)
        #expect(rejects.map(\.origin.position) == [2, 3, 4, 5])
        #expect(rejects.map(\.reason) == [#"a JSON line that is no message (no "type")"#, "a RECORD message without its stream or its record",
                                          "an unknown message type 'record'", "a record of 's' without its key (id)"])
    }

    /// A background job the tap leaves holding its stderr, its stdout or both does not hold the
    /// run: after a grace period it goes with the tap's process group.
    @Test(.timeLimit(.minutes(1)), arguments: [">/dev/null", "2>/dev/null", ""])
    func aBackgroundJobLeftHoldingItsOutputDoesNotHoldTheRun(redirect: String) async throws {
        let script = "echo '{\"type\":\"RECORD\",\"stream\":\"s\",\"record\":{\"id\":1}}'; sleep 300 \(redirect) &"
        let logged = CapturedLogs()
        var context = ConnectorContext.testing(batchSize: 100)
        context.logger = logged.logger
        let batches = try await drain(try ProcessSource(config: ParsedConfig(testing: ["command": .array(["sh", "-c", .string(script)])]),
                                                        context: context))
        #expect(batches.flatMap(\.records).count == 1)
        // Said, as what the job would have written is lost.
        #expect(logged.all.contains { $0.level == .warning && $0.message.contains("leaving processes that hold its output") })
    }

    /// Airbyte streams of one name in two namespaces (two schemas of a database) are two
    /// streams: their rows keep apart.
    @Test func anAirbyteNamespaceIsPartOfItsStream() async throws {
        let catalog = try Self.catalog(#"{"streams":[{"stream":{"name":"orders","namespace":"district_a","source_defined_primary_key":[["oid"]]}},{"stream":{"name":"orders","namespace":"district_b","source_defined_primary_key":[["oid"]]}}]}"#)
        let records = try await drain(try source(["command": .array(["sh", "-c", #"""
            echo '{"type":"RECORD","record":{"stream":"orders","namespace":"district_a","data":{"oid":"1"},"emitted_at":1}}'
            echo '{"type":"RECORD","record":{"stream":"orders","namespace":"district_b","data":{"oid":"1"},"emitted_at":1}}'
            """#]), "protocol": "airbyte", "catalog": .string(catalog)])).flatMap(\.records)
        #expect(records.map(\.key) == ["district_a.orders/1", "district_b.orders/1"])
        let bare = try await drain(try source(["command": .array(["sh", "-c", #"""
            echo '{"type":"RECORD","record":{"stream":"orders","data":{"oid":"7"},"emitted_at":1}}'
            echo '{"type":"RECORD","record":{"stream":"orders","data":{"oid":""},"emitted_at":1}}'
            """#]), "protocol": "airbyte", "catalog": .string(catalog)]))
        #expect(bare.flatMap(\.records).map(\.key) == ["orders/7", nil], "a record without its namespace keyed by its catalog entry; an empty key part no reason to reject")
        #expect(bare.flatMap(\.rejects).isEmpty)
        #expect(records.map(\.time) == ["1970-01-01T00:00:00.001Z", "1970-01-01T00:00:00.001Z"], "emitted_at is the event's time")
        await #expect { _ = try await drain(try source(["command": .array(["true"]), "protocol": "airbyte", "catalog": "/nonexistent/catalog.json"])) } throws: {
            "\($0)".contains("cannot read the catalog /nonexistent/catalog.json: no such file")
        }
    }

    /// A legacy state (type LEGACY, or none) goes back as the `data` the source emitted, which
    /// is what such a source reads from `--state`; wrapped in a list it re-read everything.
    @Test func passesALegacyAirbyteStateBackAsItsData() async throws {
        let values: Object = ["command": .array([.string(Self.fixtures + "/airbyte_counter.py")]), "protocol": "airbyte",
                              "catalog": .string(try Self.catalog(#"{"streams":[{"stream":{"name":"cases"}}]}"#)),
                              "config": ["records": 3, "legacy_state": true]]
        let batches = try await drain(try source(values))
        let state = try #require(batches.last { $0.checkpoint != nil }?.checkpoint)
        #expect(state.value["state"] == ["last": ["cases": 2]])
        let resumed = try await drain(try source(values), after: state).flatMap(\.records)
        #expect(resumed.map { $0.data["id"]?.intValue } == [3])
    }

    /// An Airbyte LOG message is logged with the source's secrets masked, as stderr is.
    @Test func masksSecretsInAirbyteLogMessages() async throws {
        let secret = "cdi-demo-password-\(UUID().uuidString.prefix(6))"
        var parsed = ParsedConfig(testing: ["command": .array([.string(Self.fixtures + "/airbyte_counter.py")]), "protocol": "airbyte",
                                            "catalog": .string(try Self.catalog(#"{"streams":[{"stream":{"name":"cases"}}]}"#)),
                                            "config": ["records": 1, "log_secret": .string(secret)]])
        parsed.secretValues = [secret]
        let logged = CapturedLogs()
        var context = ConnectorContext.testing(batchSize: 100)
        context.logger = logged.logger
        _ = try await drain(try ProcessSource(config: parsed, context: context))
        #expect(logged.all.contains { $0.message == "connecting with ***" && $0.level == .error }, "\(logged.all.map(\.message))")
        #expect(ProcessBatchReader.level("WARN") == .warning && ProcessBatchReader.level("DEBUG") == .debug && ProcessBatchReader.level("INFO") == .info)
        #expect(!logged.all.contains { $0.message.contains(secret) })
    }

    /// A stderr line of megabytes (a one-line stack trace, a progress bar) is kept as its start:
    /// searching it again for every read made the run quadratic, and the error held all of it.
    @Test(.timeLimit(.minutes(1))) func aHugeStderrLineIsCut() async throws {
        let script = """
            head -c 8000000 /dev/zero | tr '\\0' E >&2
            echo '{"type":"RECORD","stream":"s","record":{"id":1}}'
            exit 2
            """
        let tap = try source(["command": .array(["/bin/sh", "-c", .string(script)])])
        let error = try await #require(throws: (any Error).self) { _ = try await drain(tap) }
        let text = "\(error)"
        #expect(text.contains("exited with status 2") && text.contains("EEEE… (cut)"), "\(text.prefix(300))")
        #expect(text.utf8.count < 10_000)
    }

    /// A run killed mid-read leaves its directory behind, with the connector's config (and its
    /// credentials) in it; the next run removes the directories of processes that are gone.
    @Test func removesTheDirectoriesOfKilledRuns() async throws {
        // The pid of a shell that has exited since.
        let pid = try #require(Int32(try ChildCommand.run("/bin/sh", ["-c", "echo $$"]).stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)))
        let gone = NSTemporaryDirectory() + "huiliu-process-\(pid)-\(UUID().uuidString)"
        let alive = NSTemporaryDirectory() + "huiliu-process-\(getpid())-\(UUID().uuidString)"
        for directory in [gone, alive] {
            // Made whole, then put in place: readers of tests running beside this one sweep too.
            let staging = NSTemporaryDirectory() + "staging-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
            try "{\"password\":\"x\"}".write(toFile: staging + "/config.json", atomically: true, encoding: .utf8)
            try FileManager.default.moveItem(atPath: staging, toPath: directory)
        }
        defer { try? FileManager.default.removeItem(atPath: alive) }
        // An earlier version's directory (no pid in its name) goes once it is a day old.
        let old = NSTemporaryDirectory() + "huiliu-process-\(UUID().uuidString)"
        let recent = NSTemporaryDirectory() + "huiliu-process-\(UUID().uuidString)"
        for directory in [old, recent] { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        defer { try? FileManager.default.removeItem(atPath: recent) }
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -2 * 86_400)], ofItemAtPath: old)
        _ = try await drain(try source(["command": .array([.string(Self.fixtures + "/singer_counter.py")]), "config": ["records": 1]]))
        #expect(!FileManager.default.fileExists(atPath: gone))
        #expect(FileManager.default.fileExists(atPath: alive + "/config.json"))
        #expect(!FileManager.default.fileExists(atPath: old) && FileManager.default.fileExists(atPath: recent))
    }

    /// A run killed mid-read leaves its tap running (a quiet one never writes to the pipe that
    /// would end it); the next run stops it before starting another against the same state.
    /// A process that only took the dead tap's pid is left alone.
    @Test func stopsTheTapOfAKilledRun() async throws {
        let pid = try #require(Int32(try ChildCommand.run("/bin/sh", ["-c", "echo $$"]).stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)))
        func leftover(naming: Bool) throws -> SpawnedProcess {
            let directory = NSTemporaryDirectory() + "huiliu-process-\(pid)-\(UUID().uuidString)"
            let staging = NSTemporaryDirectory() + "staging-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
            let tap = try SpawnedProcess("/bin/sh", ["-c", "sleep 300", "tap", "--config", naming ? directory + "/config.json" : "elsewhere.json"],
                                         processGroup: true)
            try "\(tap.pid)".write(toFile: staging + "/process.pid", atomically: true, encoding: .utf8)
            try FileManager.default.moveItem(atPath: staging, toPath: directory)
            return tap
        }
        let orphan = try leftover(naming: true), stranger = try leftover(naming: false)
        defer { stranger.signalGroup(SIGKILL) }
        _ = try await drain(try source(["command": .array([.string(Self.fixtures + "/singer_counter.py")]), "config": ["records": 1]]))
        for _ in 0..<100 where orphan.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!orphan.isRunning, "the dead run's tap still runs")
        #expect(stranger.isRunning, "a process not started for the dead run was killed")
    }

    @Test func failsOnAnAirbyteTraceError() async throws {
        let catalog = NSTemporaryDirectory() + "catalog-\(UUID().uuidString).json"
        try #"{"streams":[{"stream":{"name":"cases"}}]}"#.write(toFile: catalog, atomically: true, encoding: .utf8)
        let tap = try source(["command": .array([.string(Self.fixtures + "/airbyte_counter.py")]), "protocol": "airbyte",
                              "catalog": .string(catalog), "config": ["records": 1, "trace_error": true]])
        let error = try await #require(throws: (any Error).self) { try await drain(tap) }
        #expect("\(error)".contains("quota exhausted"), "\(error)")
    }

    @Test func refusesAnAirbyteSourceWithoutACatalog() {
        #expect(throws: ConfigError.self) { try source(["command": ["x"], "protocol": "airbyte"]) }
    }
}

