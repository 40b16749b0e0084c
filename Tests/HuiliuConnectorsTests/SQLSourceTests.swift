import Foundation
@testable import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import HuiliuKitTesting
import HuiliuStore
@testable import HuiliuTestSupport
import Testing

/// The `sql` source against SQLite files and a real PostgreSQL server on loopback.
struct SQLSourceTests {
    func source(_ values: Object, batchSize: Int = 1000, url: String? = nil) throws -> SQLSource {
        var config = ParsedConfig(testing: values)
        if let url { config.secrets["url"] = Secret(reference: "env:EXCHANGE_DB", value: url) }
        return try SQLSource(config: config, context: .testing(batchSize: batchSize))
    }

    /// Every record of a run from `checkpoint`, and the checkpoint it ends with.
    /// The checkpoint goes through JSON text, as the state store keeps it.
    func run(_ source: SQLSource, after checkpoint: Checkpoint?) async throws -> (records: [Record], checkpoint: Checkpoint?) {
        let batches = try await drain(source, after: checkpoint)
        let last = batches.last?.checkpoint ?? checkpoint
        return (batches.flatMap(\.records), try last.map { Checkpoint(try JSONReader.parse($0.value.jsonText)) })
    }

    func sqliteFile(_ statements: String) throws -> String {
        let path = NSTemporaryDirectory() + "sql-source-\(UUID().uuidString.prefix(8)).db"
        try SQLiteDatabase(path: path).execute(statements)
        return path
    }

    @Test func readsAnSQLiteTableInPagesAndThenOnlyWhatChanged() async throws {
        var rows = (0..<10).map { "('c\($0)', \($0 / 3), \($0).5, NULL, X'0001')" }
        rows.append("('late', NULL, 1.0, 'no cursor', NULL)")
        let path = try sqliteFile("""
            CREATE TABLE cases (case_number TEXT PRIMARY KEY, updated_at INTEGER, amount REAL, note TEXT, scan BLOB);
            INSERT INTO cases VALUES \(rows.joined(separator: ", "));
            """)
        let source = try source(["path": .string(path), "table": "cases", "key": "case_number", "cursor": "updated_at",
                                 "type": "court.case.raw.v1"], batchSize: 4)
        let batches = try await drain(source)
        // Ten rows in pages of four; the row without a cursor value cannot be placed and is not read.
        #expect(batches.map(\.records.count) == [4, 4, 2])
        let first = try #require(batches.first?.records.first)
        #expect(first.key == "c0")
        #expect(first.type == "court.case.raw.v1")
        #expect(first.origin.description == "cases/c0")
        #expect(first.data == ["case_number": "c0", "updated_at": 0, "amount": .double(0.5), "note": .null, "scan": "AAE="])
        let checkpoint = batches.last?.checkpoint
        #expect(checkpoint?.value == ["columns": ["updated_at", "case_number"], "after": [3, "c9"]])

        // Nothing new: the rows at the last cursor value come again (idempotent), nothing else.
        let again = try await run(source, after: checkpoint)
        #expect(again.records.map(\.key) == ["c9"])

        // A row changed, and a row added later at the cursor value the last run stopped at,
        // with a key that sorts before the last one delivered: both are read.
        try SQLiteDatabase(path: path).execute("""
            UPDATE cases SET updated_at = 7, note = 'changed' WHERE case_number = 'c1';
            INSERT INTO cases VALUES ('a-late', 3, 2.0, NULL, NULL);
            """)
        let next = try await run(source, after: checkpoint)
        #expect(next.records.map(\.key) == ["a-late", "c9", "c1"])
        #expect(next.records.last?.data["note"] == "changed")
        #expect(next.checkpoint?.value == ["columns": ["updated_at", "case_number"], "after": [7, "c1"]])
    }

    /// The kit's harness: the same ids every time, and every resume (here from inside runs of
    /// rows sharing a cursor value, which pages of three split) yields exactly the rest.
    @Test func passesTheConnectorConformanceHarness() async throws {
        let rows = (0..<20).map { "(\($0), \($0 / 4), 'r\($0)')" }.joined(separator: ", ")
        let path = try sqliteFile("CREATE TABLE t (id INTEGER PRIMARY KEY, seq INTEGER, v TEXT); INSERT INTO t VALUES \(rows);")
        let problems = try await ConnectorConformance.sourceProblems(resumes: 6) {
            try source(["path": .string(path), "table": "t", "key": "id", "cursor": "seq"], batchSize: 3)
        }
        #expect(problems == [])
    }

    /// A REAL cursor (julianday times) resumes after its checkpoint came back from the store,
    /// where the JSON reader reads `2460374.5` as an exact decimal; NaN and infinities are text.
    @Test func resumesOnARealCursor() async throws {
        let path = try sqliteFile("""
            CREATE TABLE readings (id INTEGER PRIMARY KEY, at REAL, v REAL);
            INSERT INTO readings VALUES (1, 2460374.5, 1e999), (2, 2460374.75, 0.25), (3, 2460375.0, -1e999);
            """)
        let source = try source(["path": .string(path), "table": "readings", "key": "id", "cursor": "at"], batchSize: 2)
        let first = try await run(source, after: nil)
        #expect(first.records.map { $0.data["v"] } == ["inf", .double(0.25), "-inf"])
        #expect(first.checkpoint?.value["after"]?.jsonText == "[2460375.0,3]")
        try SQLiteDatabase(path: path).execute("INSERT INTO readings VALUES (4, 2460375.5, 2)")
        let second = try await run(source, after: first.checkpoint)
        #expect(second.records.map(\.key) == ["3", "4"])
        let third = try await run(source, after: second.checkpoint)
        #expect(third.records.map(\.key) == ["4"])
    }

    /// Text written in another encoding (GBK bytes as TEXT), named with its row, column and
    /// bytes. Read with each fault replaced, it was wrong data in a column and, as the position
    /// after a key, skipped every row sorting between (a run that "succeeded" with half the rows)
    /// or read the same row again for ever: in a key or cursor column it fails the read; in
    /// another column the row is a dead letter and the rest go on.
    @Test func textThatIsNotUTF8IsNamedWithItsRowAndColumn() async throws {
        func table(_ row: String) throws -> SQLSource {
            let path = try sqliteFile("""
                CREATE TABLE t (id TEXT PRIMARY KEY, s TEXT, upd INTEGER);
                INSERT INTO t VALUES ('a', 'ascii', 1), (\(row), 1), ('中文', 'utf8', 1);
                """)
            return try source(["path": .string(path), "table": "t", "key": "id", "cursor": "upd"], batchSize: 2)
        }
        await #expect { _ = try await drain(try table("CAST(X'D6D0' AS TEXT), 'gbk key'")) } throws: { error in
            "\(error)".contains("of t: column 'id' holds text that is not UTF-8 (bytes d6 d0") && "\(error)".contains("CAST(")
        }
        let batches = try await drain(try table("'k', CAST(X'D6D0CEC4' AS TEXT)"))
        #expect(batches.flatMap(\.records).map(\.key) == ["a", "中文"])
        let rejects = batches.flatMap(\.rejects)
        #expect(rejects.map(\.origin.description) == ["t/k"])
        #expect(rejects.first?.reason.hasPrefix("column 's' holds text that is not UTF-8 (bytes d6 d0 ce c4)") == true)
    }

    @Test func withoutACursorEveryRunReadsEveryRowInKeyOrder() async throws {
        let path = try sqliteFile("""
            CREATE TABLE units (region TEXT, code INTEGER, name TEXT, PRIMARY KEY (region, code));
            INSERT INTO units VALUES ('421100', 2, '财政局'), ('421100', 1, '教育局'), ('42/11%', 1, '卫健委');
            """)
        let source = try source(["path": .string(path), "table": "units", "key": ["region", "code"]], batchSize: 2)
        let first = try await run(source, after: nil)
        // Two key columns: joined by '/', with '/' and '%' inside a value encoded so keys stay apart.
        #expect(first.records.map(\.key) == ["42%2F11%25/1", "421100/1", "421100/2"])
        let second = try await run(source, after: first.checkpoint)
        #expect(second.records.map(\.key) == first.records.map(\.key))
    }

    @Test func readsAQueryAndNamesWhatIsWrongWithIt() async throws {
        let path = try sqliteFile("""
            CREATE TABLE cases (id INTEGER PRIMARY KEY, court TEXT, n INTEGER);
            CREATE TABLE courts (code TEXT PRIMARY KEY, name TEXT);
            INSERT INTO courts VALUES ('J01', '黄州区人民法院');
            INSERT INTO cases VALUES (1, 'J01', 10), (2, 'J01', 20), (3, 'J99', 30);
            """)
        let joined = try source(["path": .string(path), "key": "id", "cursor": "id",
                                 "query": "SELECT c.id, d.name AS court_name, c.n * 2 AS doubled FROM cases c JOIN courts d ON d.code = c.court; /* joined */ -- courts\n"])
        let records = try await run(joined, after: nil).records
        #expect(records.map(\.data) == [["id": 1, "court_name": "黄州区人民法院", "doubled": 20],
                                        ["id": 2, "court_name": "黄州区人民法院", "doubled": 40]])

        let missing = try source(["path": .string(path), "key": "case_id", "table": "cases"])
        await #expect { try await drain(missing) } throws: { "\($0)" == "the key column 'case_id' is not among the columns of cases: id, court, n" }
        // A checkpoint of other columns (the cursor changed, as many values as before) is refused.
        let moved = try source(["path": .string(path), "table": "cases", "key": "id", "cursor": "n"])
        let earlier = Checkpoint(["columns": ["court", "id"], "after": ["J01", 1]])
        await #expect { try await drain(moved, after: earlier) } throws: { "\($0)".contains("--reset") }
        let nowhere = try source(["path": .string(path + ".missing"), "table": "cases", "key": "id"])
        await #expect { try await drain(nowhere) } throws: { "\($0)".contains("no SQLite database at") }
    }

    /// A stopped run cancels the page query in flight and ends as stopped, not as a database failure.
    @Test func aStoppedRunCancelsTheQueryAndIsCancelled() async throws {
        let path = try sqliteFile("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        let slow = try source(["path": .string(path), "key": "id", "query": """
            WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 1000000000) SELECT max(n) AS id FROM r
            """])
        // Stopped while the query runs, and before it has started: a cancel request reaches
        // only a running statement, so the connection must not start one after it.
        for delay in [300, 0] {
            let run = Task { try await drain(slow) }
            try await Task.sleep(for: .milliseconds(delay))
            run.cancel()
            await #expect(throws: CancellationError.self) { try await run.value }
        }
    }

    /// The same against PostgreSQL, whose cancel request reaches only a running query: a stop
    /// just before the page query starts is sent again once it runs.
    @Test func aStoppedPostgreSQLRunCancelsItsQuery() async throws {
        let server = try await require(PostgresServer.shared)
        let slow = try source(["query": "SELECT 1 AS id, pg_sleep(60)::text AS slept", "key": "id"], url: server.url)
        for delay in [500, 0, 30] {
            let started = ContinuousClock.now
            let run = Task { try await drain(slow) }
            try await Task.sleep(for: .milliseconds(delay))
            run.cancel()
            await #expect(throws: CancellationError.self) { try await run.value }
            #expect(ContinuousClock.now - started < .seconds(30), "after \(delay) ms")
        }
    }

    /// A server or network that falls silent mid-query (a firewall dropping the session) does
    /// not hold a stopped run: libpq's cancel request waited for an answer that never came,
    /// and so did the query, and the run, Ctrl-C, its timeout and the daemon's shutdown with them.
    @Test(.timeLimit(.minutes(1))) func aStoppedRunEndsWhenPostgreSQLFallsSilent() async throws {
        let server = try await require(PostgresServer.shared)
        let link = try SilentLink(to: server.port)
        defer { link.close() }
        let marker = "silent_\(UUID().uuidString.prefix(8).lowercased())"
        let slow = try source(["query": .string("SELECT 1 AS id, pg_sleep(2)::text AS \(marker)"), "key": "id"],
                              url: server.url.replacingOccurrences(of: ":\(server.port)/", with: ":\(link.port)/"))
        let run = Task { try await drain(slow) }
        // Connected and the page query running (not the column probe, LIMIT 0, made while
        // connecting); then nothing passes either way, the answer included.
        let watcher = try PostgresConnection(url: server.url) { $0 }
        try await eventually("the page query to run") {
            let active = try watcher.execute("""
                SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%\(marker)%'
                AND query NOT LIKE '%LIMIT 0%' AND pid <> pg_backend_pid()
                """)
            return active.first?.first == "1"
        }
        let started = ContinuousClock.now
        link.silence()
        run.cancel()
        await #expect(throws: CancellationError.self) { try await run.value }
        #expect(ContinuousClock.now - started < .seconds(15))
    }

    @Test func refusesConfigurationsThatCannotWork() throws {
        #expect(throws: ConfigError.self) { try source(["table": "t", "key": "id"]) }
        #expect(throws: ConfigError.self) { try source(["path": "x.db", "key": "id"]) }
        #expect(throws: ConfigError.self) { try source(["path": "x.db", "table": "t", "query": "SELECT 1", "key": "id"]) }
        #expect(throws: ConfigError.self) { try source(["path": "x.db", "table": "t", "key": ["id", "id"]]) }
        #expect(throws: ConfigError.self) { try source(["path": "x.db", "table": "a..b", "key": "id"]) }
        #expect(throws: ConfigError.self) { try source(["path": "x.db", "table": "t", "key": "id"], url: "postgresql://x@h/db") }
    }

    @Test func keepsPostgreSQLTypesAndResumesAtTheExactTimestamp() async throws {
        let server = try await require(PostgresServer.shared)
        let table = "exchange_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try PostgresConnection(url: server.url) { $0 }
        try admin.execute("""
            CREATE TABLE \(table) (id bigint PRIMARY KEY, updated_at timestamptz, amount numeric(14,2), paid boolean,
                                   detail jsonb, scan bytea, ratio float8, day date, tags text[], name text)
            """)
        try admin.execute("""
            INSERT INTO \(table) VALUES
              (1, '2024-03-05 08:00:00.123456+00', 12.30, true, '{"a": [1, "二"]}', '\\x0001ff', 0.1, '2024-03-05', '{x,y}', '黄冈'),
              (2, '2024-03-05 08:00:00.123456+00', 99999999999.99, false, 'null', NULL, NULL, NULL, NULL, NULL),
              (3, '2024-03-05 08:00:00.123457+00', -0.01, NULL, NULL, NULL, 'Infinity', NULL, NULL, NULL)
            """)
        let source = try source(["table": .string(table), "key": "id", "cursor": "updated_at"], batchSize: 2, url: server.url)
        let first = try await run(source, after: nil)
        #expect(first.records.map(\.key) == ["1", "2", "3"])
        let one = try #require(first.records.first?.data)
        #expect(one == ["id": 1, "updated_at": "2024-03-05T16:00:00.123456+08:00", "amount": try JSONReader.parse("12.30"),
                        "paid": true, "detail": ["a": [1, "二"]], "scan": "AAH/", "ratio": .double(0.1), "day": "2024-03-05",
                        "tags": "{x,y}", "name": "黄冈"])
        #expect(first.records[1].data["amount"]?.jsonText == "99999999999.99")
        #expect(first.records[1].data["detail"] == .null)
        #expect(first.records[2].data["ratio"] == "Infinity")
        // The checkpoint is the server's own text, so the next run starts at that microsecond.
        #expect(first.checkpoint?.value == ["columns": ["updated_at", "id"], "after": ["2024-03-05 16:00:00.123457+08", "3"]])
        try admin.execute("INSERT INTO \(table) (id, updated_at) VALUES (4, '2024-03-05 08:00:00.123457+00'), (0, '2024-03-05 08:00:00.123456+00')")
        let next = try await run(source, after: first.checkpoint)
        #expect(next.records.map(\.key) == ["3", "4"])
    }

    /// A checkpoint holding numbers (saved while the table was in SQLite, or restored by hand)
    /// resumes at them: bound as NULL, `cursor >= NULL` would match no row on every run.
    @Test func postgreSQLResumesFromACheckpointOfNumbers() async throws {
        let server = try await require(PostgresServer.shared)
        let table = "moved_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try PostgresConnection(url: server.url) { $0 }
        try admin.execute("CREATE TABLE \(table) (id text PRIMARY KEY, upd int)")
        try admin.execute("INSERT INTO \(table) VALUES ('a', 1), ('b', 1), ('c', 2), ('d', 3), ('e', 0)")
        let source = try source(["table": .string(table), "key": "id", "cursor": "upd"], url: server.url)
        let saved = Checkpoint(["columns": ["upd", "id"], "after": [1, "b"]])
        #expect(try await run(source, after: saved).records.map(\.key) == ["a", "b", "c", "d"])
    }

    @Test func postgreSQLSessionsAreReadOnlyAndErrorsHideThePassword() async throws {
        let server = try await require(PostgresServer.shared)
        let sequence = "seq_\(UUID().uuidString.prefix(8).lowercased())"
        try PostgresConnection(url: server.url) { $0 }.execute("CREATE SEQUENCE \(sequence)")
        let writer = try source(["query": .string("SELECT nextval('\(sequence)') AS n"), "key": "n"], url: server.url)
        await #expect { try await drain(writer) } throws: { "\($0)".contains("read-only transaction") }

        // libpq quotes a password it cannot decode in its error: masked.
        let wrong = try source(["table": "t", "key": "id"], url: "postgresql://huiliu:s3cret%zz@127.0.0.1:1/none")
        await #expect { try await drain(wrong) } throws: { error in
            "\(error)".contains("cannot connect") && "\(error)".contains("***") && !"\(error)".contains("s3cret")
        }
        // SQLite renames a repeated column (id:1); PostgreSQL gives both the same name.
        let ambiguous = try source(["query": "SELECT 1 AS id, 2 AS id", "key": "id"], url: server.url)
        await #expect { try await drain(ambiguous) } throws: { "\($0)" == "query gives two columns named 'id'; name them apart (AS) in a query" }
        let zone = try source(["table": "t", "key": "id", "time_zone": "Mars/Olympus"], url: server.url)
        await #expect { try await drain(zone) } throws: { "\($0)".contains("time_zone 'Mars/Olympus'") }
    }
}
