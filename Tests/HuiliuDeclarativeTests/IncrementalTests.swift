import Foundation
import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import Testing

/// Incremental sync against the simulated budget network and environment platform:
/// slices, state per stream and partition, lookback, resumption and backfill.
struct IncrementalTests {
    /// 2024-03-01T00:00:00+08:00: the clock the tests pin.
    static let now: Int64 = 1_709_222_400_000

    static func budget() throws -> TestConnector {
        try TestConnector.shipped("budget-network")
    }

    func source(_ connector: TestConnector, backfill: BackfillRange? = nil, clock: Int64 = now) async throws -> DeclarativeSource {
        let url = try await SimulatorServer.url()
        return try connector.source("base_url: \(url)\napp_key: demo-app-key\napp_secret: ${secret:app}\npage_size: 40", stream: "payments",
                                    context: connector.context(secrets: ["app": "demo-app-secret-not-for-production"], backfill: backfill,
                                                               clock: { clock }))
    }

    @Test func slicesAdvanceTheCursorAndASecondRunReadsOnlyTheLookback() async throws {
        let connector = try Self.budget()
        let first = try await drained(try await source(connector))
        // 300 payments 17 minutes apart: all inside the first 30-day slice.
        #expect(first.records.count == 300)
        let state = try #require(first.lastCheckpoint)
        #expect(state.value["cursors"]?["*"] == "2024-03-01 00:00:00")
        // An hour later, only the one-hour lookback before the cursor is read again, and it is empty.
        let second = try await drained(try await source(connector, clock: Self.now + 3_600_000), after: state)
        #expect(second.records.isEmpty)
        #expect(second.lastCheckpoint?.value["cursors"]?["*"] == "2024-03-01 01:00:00")
    }

    /// Page numbers are positions in data that changes between runs (a record updated meanwhile
    /// moves to the end and shifts an unread one onto a page already read): an interrupted
    /// slice is read again from its first page, never resumed at the page it stopped before.
    @Test func anInterruptedSliceIsReadAgainFromItsStart() async throws {
        let connector = try Self.budget()
        let all = try await drained(try await source(connector))
        let checkpoint = try #require(all.batches[2].checkpoint)
        #expect(checkpoint.value["current"]?["page"]?["number"] == 4)
        #expect(checkpoint.value["current"]?["slice"]?["start"] == "2024-01-01 00:00:00")
        let rest = try await drained(try await source(connector), after: checkpoint)
        #expect(rest.records.map(\.key) == all.records.map(\.key))
        #expect(rest.lastCheckpoint?.value["cursors"]?["*"] == all.lastCheckpoint?.value["cursors"]?["*"])
    }

    @Test func aBackfillReadsItsRangeAndLeavesTheCursorAlone() async throws {
        let connector = try Self.budget()
        let saved = Checkpoint(["stream": "payments", "cursors": ["*": "2024-03-01 00:00:00"]])
        let result = try await drained(try await source(connector, backfill: BackfillRange(from: "2024-01-02", to: "2024-01-03")), after: saved)
        // One day of payments 17 minutes apart: 84 or 85.
        #expect((84...85).contains(result.records.count))
        #expect(result.records.allSatisfy { ($0.time ?? "").hasPrefix("2024-01-02") })
        #expect(result.batches.allSatisfy { $0.checkpoint == saved })
    }

    @Test func aBackfillOfDatesThatDoNotExistIsRefusedBeforeItStarts() async throws {
        let connector = try Self.budget()
        let error = await #expect(throws: (any Error).self) {
            _ = try await source(connector, backfill: BackfillRange(from: "2024-02-30", to: "2024-03-02"))
        }
        #expect("\(error.map { "\($0)" } ?? "")".contains("backfill from '2024-02-30' is not a value of the payments cursor"), "\(String(describing: error))")
        let notADate = await #expect(throws: (any Error).self) {
            _ = try await source(connector, backfill: BackfillRange(from: "2024-02-01", to: "next week"))
        }
        #expect("\(notADate.map { "\($0)" } ?? "")".contains("backfill to 'next week' is not a value of the payments cursor"), "\(String(describing: notADate))")
        // Bounds of different shapes that hold nothing between them, which only the cursor can tell.
        let empty = await #expect(throws: (any Error).self) {
            _ = try await source(connector, backfill: BackfillRange(from: "2024-03-01", to: "2024-2-1"))
        }
        #expect("\(empty.map { "\($0)" } ?? "")".contains("holds nothing"), "\(String(describing: empty))")
    }

    @Test func partitionsKeepACursorEach() async throws {
        let url = try await SimulatorServer.url()
        let connector = try TestConnector.shipped("environment")
        let source = try connector.source("base_url: \(url)\nstart_time: \"2024-01-01 00:00:00\"\nend_time: \"2024-01-02 00:00:00\"",
                                          stream: "water-hourly", context: connector.context(clock: { Self.now }))
        let result = try await drained(source)
        // 2 stations × 24 hours × 5 parameters.
        #expect(result.records.count == 240)
        #expect(Set(result.records.compactMap { $0.data["station_id"]?.stringValue }) == ["42110200SW0001", "42110200SW0002"])
        let cursors = try #require(result.lastCheckpoint?.value["cursors"]?.objectValue)
        #expect(cursors.keys.sorted() == ["42110200SW0001", "42110200SW0002"])
        #expect(cursors["42110200SW0001"] == "2024-01-02 00:00:00")

        // A sync that ends between hours, then one that goes on: it reads again the two days
        // before the cursor (readings appear after their hour, 补传 later still), so every
        // reading of the first is read again, and none is missed.
        func sync(until end: String, after checkpoint: Checkpoint?) async throws -> Drained {
            try await drained(try connector.source("base_url: \(url)\nstart_time: \"2024-01-01 00:00:00\"\nend_time: \"\(end)\"",
                                                   stream: "water-hourly", context: connector.context(clock: { Self.now })),
                              after: checkpoint)
        }
        let first = try await sync(until: "2024-01-01 05:30:00", after: nil)
        let rest = try await sync(until: "2024-01-02 00:00:00", after: first.lastCheckpoint)
        #expect(first.records.count == 2 * 6 * 5)
        #expect(rest.records.count == 240)
        func readings(_ drained: Drained) -> Set<String> {
            Set(drained.records.map { "\($0.data["station_id"] ?? .null) \($0.data["period_start"] ?? .null) \($0.data["parameter_code"] ?? .null)" })
        }
        #expect(readings(first).isSubset(of: readings(rest)) && readings(rest).count == 240)
    }

    /// A partition that keeps failing (a decommissioned station) holds back only itself: the
    /// partitions after it are read and their batches delivered, and the run fails at the end
    /// naming it. It stopped every partition after it, for good.
    @Test func aFailingPartitionHoldsBackOnlyItself() async throws {
        let server = try await ScenarioServer.get()
        func read(_ partitions: String) async throws -> (ids: [String], checkpoint: Checkpoint?, error: String) {
            let connector = try PaginationTests.connector("""
                  path: /partitions/one-down
                  query: { part: "{{ partition }}" }
                records: items
                partitions: { values: [\(partitions)] }
                incremental: { type: integer, cursor_field: n, start: "0" }
                errors: { attempts: 1 }
                """)
            var reader = try await connector.source("base_url: \(server.url)", stream: "items").reader(after: nil)
            var ids: [String] = []
            var checkpoint: Checkpoint?
            let error = await #expect(throws: (any Error).self) {
                while let batch = try await reader.next() {
                    ids += batch.records.compactMap { $0.data["id"]?.stringValue }
                    checkpoint = batch.checkpoint ?? checkpoint
                }
            }
            await reader.close()
            return (ids, checkpoint, error.map { "\($0)" } ?? "")
        }
        let between = try await read("a, down, b")
        #expect(between.ids == ["a-0", "a-1", "a-2", "b-0", "b-1", "b-2"])
        #expect(between.error.contains("partition failed (the others were read, and their cursors moved): 'down': "), "\(between.error)")
        #expect(between.checkpoint?.value["cursors"] == ["a": 2, "b": 2])
        // Failing last, it is saved as no longer in progress: resumed there, the next run would
        // fail on it before reaching the others.
        let last = try await read("a, b, down")
        #expect(last.ids.count == 6 && last.checkpoint?.value["current"] == nil)
        // Several in a row are the system, not a station: the rest are not tried.
        let run = try await read("down1, down2, down3, c")
        #expect(run.ids.isEmpty)
        #expect(run.error.contains("3 partitions failed (3 in a row, so the partitions after them were not tried)"), "\(run.error)")
    }

    @Test func backfillNeedsACursor() throws {
        let connector = try TestConnector.make(ManifestLintTests.valid)
        let error = #expect(throws: (any Error).self) {
            _ = try connector.source("base_url: http://127.0.0.1:1", stream: "items",
                                     context: connector.context(backfill: BackfillRange(from: "1", to: "2")))
        }
        #expect("\(error.map { "\($0)" } ?? "")".contains("stream 'items' of scenario has no incremental cursor, so it cannot be backfilled"), "\(String(describing: error))")
    }

    /// Ids 0–24 read in slices of ten by an integer cursor taken with `cursorField`.
    static func slicedIDs(cursorField: String) throws -> TestConnector {
        try TestConnector.make("""
            version: 1
            name: ids
            summary: Integer cursor.
            spec:
              base_url: { type: url, description: The server. }
            streams:
              items:
                request:
                  base_url: "{{ config.base_url }}"
                  path: /pages/since
                  query: { from: "{{ slice.start }}", to: "{{ slice.end }}" }
                records: items
                incremental: { type: integer, cursor_field: \(cursorField), start: "0", end: "25", step: "10" }
            """, name: "ids")
    }

    /// One record whose cursor cannot be read is delivered like a record without one (its
    /// mapping may reject it), not a failure of every run from then on.
    @Test func aRecordWithAnUnreadableCursorDoesNotStopTheStream() async throws {
        let server = try await ScenarioServer.get()
        let connector = try Self.slicedIDs(cursorField: #""id == `3` && 'not a number' || id""#)
        let result = try await drained(try connector.source("base_url: \(server.url)", stream: "items"))
        #expect(result.ids == Array(0..<25))
        #expect(result.lastCheckpoint?.value["cursors"]?["*"] == 25)
    }

    /// Ids 0–24 by an open-ended integer cursor: `from` is the query's, `incremental` adds to the cursor's settings.
    static func openIDs(query: String, incremental: String) throws -> TestConnector {
        try PaginationTests.connector("""
              path: /pages/since
              query: { from: "\(query)" }
            records: items
            incremental: { type: integer, cursor_field: id, start: "0", \(incremental) }
            """)
    }

    @Test func integerCursorsSliceByStepAndContinueFromTheLargestValue() async throws {
        let server = try await ScenarioServer.get()
        let sliced = try Self.slicedIDs(cursorField: "id")
        let result = try await drained(try sliced.source("base_url: \(server.url)", stream: "items"))
        #expect(result.ids == Array(0..<25))
        #expect(result.batches.count == 3)
        #expect(result.lastCheckpoint?.value["cursors"]?["*"] == 25)

        // Open-ended: the next run starts from the largest id seen, and the filter drops what is older.
        let open = try Self.openIDs(query: "0", incremental: "filter_records: true")
        let first = try await drained(try open.source("base_url: \(server.url)", stream: "items"))
        #expect(first.ids == Array(0..<25))
        #expect(first.lastCheckpoint?.value["cursors"]?["*"] == 24)
        let second = try await drained(try open.source("base_url: \(server.url)", stream: "items"), after: first.lastCheckpoint)
        #expect(second.ids == [24], "only records at or after the saved cursor pass the filter")
    }

    /// An open-ended integer slice starts at the saved cursor less the lookback: a run that
    /// finds nothing newer leaves the cursor where it was. It went back to the slice's start,
    /// so each empty run slid it back by the lookback and delivered old records again.
    @Test func anEmptyReadLeavesAnIntegerCursorWhereItWas() async throws {
        let server = try await ScenarioServer.get()
        let open = try Self.openIDs(query: "{{ slice.start }}", incremental: #"lookback: "5""#)
        let beyond = Checkpoint(["stream": "items", "cursors": ["*": 40]])
        let empty = try await drained(try open.source("base_url: \(server.url)", stream: "items"), after: beyond)
        #expect(empty.ids.isEmpty)
        #expect(empty.lastCheckpoint?.value["cursors"]?["*"] == 40)
        let behind = Checkpoint(["stream": "items", "cursors": ["*": 22]])
        let newer = try await drained(try open.source("base_url: \(server.url)", stream: "items"), after: behind)
        #expect(newer.ids == Array(17..<25))
        #expect(newer.lastCheckpoint?.value["cursors"]?["*"] == 24)
    }
}
