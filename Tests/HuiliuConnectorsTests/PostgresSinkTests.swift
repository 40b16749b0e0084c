import Foundation
@testable import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import HuiliuKitTesting
import HuiliuStore
@testable import HuiliuTestSupport
import Testing

/// The PostgreSQL sink against a real server on loopback.
struct PostgresSinkTests {
    /// Each test writes tables of its own prefix, so tests sharing the server do not meet.
    let prefix = "t\(UUID().uuidString.prefix(8).lowercased())_"

    func sink(_ url: String) throws -> PostgresSink {
        var config = ParsedConfig(testing: ["table_prefix": .string(prefix)])
        config.secrets["url"] = Secret(reference: "env:HUILIU_PG_URL", value: url)
        return try PostgresSink(config: config, context: .testing())
    }

    func envelope(_ key: String, amount: Int, type: String = "budget.payment.v1", time: String? = "2024-03-01T09:30:00+08:00") -> Envelope {
        Envelope(id: Envelope.deterministicID(source: "/huiliu/test", type: type, key: key), source: "/huiliu/test", type: type,
                 subject: key, time: time, data: ["amount_fen": .integer(amount), "payee": "北京市某某建筑工程有限公司"],
                 extensions: ["region": "110105"])
    }

    /// Rows of a query, as text (on a connection named apart from the sinks').
    func rows(_ server: PostgresServer, _ sql: String) throws -> [[String?]] {
        try PostgresConnection(url: server.url + "?application_name=huiliu-test") { $0 }.execute(sql)
    }

    @Test func upsertsEachEventOnceInATablePerTypeAndTheLastVersionWins() async throws {
        let server = try await require(PostgresServer.shared)
        let sink = try sink(server.url)
        try await sink.open(resumingAt: nil)
        // Within one batch, the same event twice: the later version is stored.
        #expect(try await sink.write([envelope("a", amount: 1), envelope("b", amount: 2), envelope("a", amount: 3),
                                      envelope("m1", amount: 7, type: "environment.measurement.v1")]) == nil)
        let payments = "\(prefix)budget_payment_v1"
        #expect(try rows(server, "SELECT subject, (data ->> 'amount_fen')::bigint, data ->> 'payee', extensions ->> 'region' FROM \(payments) ORDER BY subject")
                == [["a", "3", "北京市某某建筑工程有限公司", "110105"], ["b", "2", "北京市某某建筑工程有限公司", "110105"]])
        #expect(try rows(server, "SELECT time = '2024-03-01T01:30:00Z'::timestamptz FROM \(payments) WHERE subject = 'a'") == [["t"]])
        #expect(try rows(server, "SELECT count(*) FROM \(prefix)environment_measurement_v1") == [["1"]])
        // Re-delivered after a crash, with a change: still one row each, now updated.
        _ = try await sink.write([envelope("a", amount: 4), envelope("b", amount: 2)])
        try await sink.close()
        #expect(try rows(server, "SELECT subject, data ->> 'amount_fen' FROM \(payments) ORDER BY subject") == [["a", "4"], ["b", "2"]])
    }

    /// Larger than one statement takes: split, and all in one transaction.
    @Test func writesBatchesLargerThanOneStatement() async throws {
        let server = try await require(PostgresServer.shared)
        let sink = try sink(server.url)
        try await sink.open(resumingAt: nil)
        _ = try await sink.write((0..<2500).map { envelope("k\($0)", amount: $0) })
        try await sink.close()
        #expect(try rows(server, "SELECT count(*), sum((data ->> 'amount_fen')::bigint) FROM \(prefix)budget_payment_v1")
                == [["2500", "\((0..<2500).reduce(0, +))"]])
    }

    /// One bad event fails the write with PostgreSQL's reason, and nothing of the batch is
    /// kept, so the run's checkpoint and the table agree.
    @Test func aFailingBatchIsRolledBackWhole() async throws {
        let server = try await require(PostgresServer.shared)
        let sink = try sink(server.url)
        try await sink.open(resumingAt: nil)
        _ = try await sink.write([envelope("a", amount: 1)])
        await #expect {
            _ = try await sink.write([envelope("b", amount: 2), envelope("c", amount: 3, time: "yesterday-ish")])
        } throws: { "\($0)".contains("postgres: ERROR:") && "\($0)".contains("yesterday-ish") }
        // The connection is still usable for the next batch.
        _ = try await sink.write([envelope("d", amount: 4)])
        try await sink.close()
        #expect(try rows(server, "SELECT subject FROM \(prefix)budget_payment_v1 ORDER BY subject") == [["a"], ["d"]])
    }

    /// NUL, which PostgreSQL text and jsonb refuse, is stored as U+FFFD instead of blocking the
    /// pipeline for good; an escaped backslash before `u0000` stays as it was.
    @Test func nulCharactersDoNotBlockThePipeline() async throws {
        let server = try await require(PostgresServer.shared)
        let sink = try sink(server.url)
        try await sink.open(resumingAt: nil)
        var event = envelope("n\u{0}1", amount: 1)
        event.data = ["payee": "a\u{0}b", "note": "\\u0000 as text"]
        _ = try await sink.write([event])
        try await sink.close()
        #expect(try rows(server, "SELECT subject, data ->> 'payee', data ->> 'note' FROM \(prefix)budget_payment_v1")
                == [["n\u{FFFD}1", "a\u{FFFD}b", "\\u0000 as text"]])
    }

    /// Types that do not make plain table names (too long for 63 bytes, other characters) get
    /// a hash in theirs, so they never share a table; each row says its type.
    @Test func typesThatDoNotMakePlainNamesGetTablesOfTheirOwn() async throws {
        let server = try await require(PostgresServer.shared)
        let sink = try sink(server.url)
        try await sink.open(resumingAt: nil)
        let long = "environment.measurement.station.hourly.aggregate.normalized.v1"
        _ = try await sink.write([envelope("a", amount: 1, type: long), envelope("b", amount: 2, type: long + "2"),
                                  envelope("c", amount: 3, type: "预算.v1"), envelope("d", amount: 4, type: "决算.v1")])
        try await sink.close()
        let tables = try rows(server, "SELECT table_name FROM information_schema.tables WHERE table_name LIKE '\(prefix)%' ORDER BY 1").compactMap { $0[0] }
        #expect(tables.count == 4 && tables.allSatisfy { $0.utf8.count <= 63 }, "\(tables)")
        for table in tables {
            #expect(try rows(server, "SELECT count(*), count(DISTINCT type) FROM \"\(table)\"") == [["1", "1"]])
        }
    }

    /// A `table_prefix` that would need quoting in SQL is refused when the sink is made, before
    /// anything connects: it is spliced into table names.
    @Test func refusesATablePrefixThatWouldNeedQuoting() throws {
        var config = ParsedConfig(testing: ["table_prefix": "x\"y"])
        config.secrets["url"] = Secret(reference: "env:HUILIU_PG_URL", value: "postgresql://nobody@127.0.0.1:1/none")
        let error = try #require(throws: (any Error).self) { try PostgresSink(config: config, context: .testing()) }
        #expect("\(error)".contains("'table_prefix' may hold only lower-case letters, digits and underscores"), "\(error)")
    }

    /// A connection the server dropped between batches is made again, and the batch written.
    /// Pipelines of one event type first writing at the same fire time each create its table:
    /// all of them succeed (PostgreSQL failed all but one on its catalog's unique index).
    @Test func sinksCreatingOneTableAtOnceAllSucceed() async throws {
        let server = try await require(PostgresServer.shared)
        for round in 0..<4 {
            let sinks = try (0..<6).map { _ in try sink(server.url) }
            for sink in sinks { try await sink.open(resumingAt: nil) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, sink) in sinks.enumerated() {
                    group.addTask { _ = try await sink.write([envelope("s\(index)", amount: index, type: "race.r\(round).v1")]) }
                }
                try await group.waitForAll()
            }
            for sink in sinks { try await sink.close() }
            #expect(try rows(server, "SELECT count(*) FROM \(prefix)race_r\(round)_v1") == [["6"]])
        }
    }

    /// A write stopped while it waits (behind another session's lock) ends as stopped: it is
    /// not written again on a new connection, which nothing could stop any more.
    @Test(.timeLimit(.minutes(1))) func aStoppedWriteIsNotWrittenAgain() async throws {
        let server = try await require(PostgresServer.shared)
        let sink = try sink(server.url)
        try await sink.open(resumingAt: nil)
        _ = try await sink.write([envelope("a", amount: 1)])
        let locker = try PostgresConnection(url: server.url) { $0 }
        try locker.execute("BEGIN")
        try locker.execute("LOCK TABLE \(prefix)budget_payment_v1 IN ACCESS EXCLUSIVE MODE")
        let started = ContinuousClock.now
        let writing = Task { try await sink.write([envelope("b", amount: 2)]) }
        try await Task.sleep(for: .milliseconds(500))
        writing.cancel()
        await #expect(throws: CancellationError.self) { try await writing.value }
        #expect(ContinuousClock.now - started < .seconds(10))
        try locker.execute("ROLLBACK")
        // Nothing went on writing behind the stop.
        try await Task.sleep(for: .milliseconds(500))
        #expect(try rows(server, "SELECT subject FROM \(prefix)budget_payment_v1 ORDER BY subject") == [["a"]])
        // The next batch goes on a new connection.
        _ = try await sink.write([envelope("c", amount: 3)])
        try await sink.close()
        #expect(try rows(server, "SELECT subject FROM \(prefix)budget_payment_v1 ORDER BY subject") == [["a"], ["c"]])
    }

    /// A write that starts already stopped (a daemon's hard shutdown) opens no connection for
    /// itself: one made after the cancel would be beyond its reach.
    @Test func aWriteStartedStoppedWritesNothing() async throws {
        let server = try await require(PostgresServer.shared)
        let sink = try sink(server.url)
        try await sink.open(resumingAt: nil)
        _ = try await sink.write([envelope("a", amount: 1)])
        let stopped = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await sink.write([envelope("b", amount: 2)])
        }
        await #expect(throws: CancellationError.self) { try await stopped.value }
        _ = try await sink.write([envelope("c", amount: 3)])
        try await sink.close()
        #expect(try rows(server, "SELECT subject FROM \(prefix)budget_payment_v1 ORDER BY subject") == [["a"], ["c"]])
    }

    @Test func aDroppedConnectionIsMadeAgain() async throws {
        let server = try await require(PostgresServer.shared)
        let sink = try sink(server.url + "?application_name=\(prefix)")
        try await sink.open(resumingAt: nil)
        _ = try await sink.write([envelope("a", amount: 1)])
        let dropped = try rows(server, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '\(prefix)'")
        #expect(dropped == [["1"]])
        _ = try await sink.write([envelope("b", amount: 2)])
        try await sink.close()
        #expect(try rows(server, "SELECT subject FROM \(prefix)budget_payment_v1 ORDER BY subject") == [["a"], ["b"]])
    }

    /// A server that cannot be reached is named, and the password in the URL is not.
    @Test func aConnectionFailureNeverShowsThePassword() async throws {
        let closed = freePort()
        let sink = try sink("postgresql://huiliu:s3cret-Pa55@127.0.0.1:\(closed)/postgres?connect_timeout=5")
        await #expect { try await sink.open(resumingAt: nil) } throws: { error in
            "\(error)".hasPrefix("postgres: cannot connect:") && "\(error)".contains("\(closed)") && !"\(error)".contains("s3cret-Pa55")
        }
        #expect(PostgresConnection.password(in: "postgresql://u:p%40ss@h/db") == "p@ss")
        #expect(PostgresConnection.password(in: "postgresql://u@h/db") == nil)
        #expect(PostgresConnection.password(in: "postgresql://u:Xk9@Tz#q7-Prod@h/db") == "Xk9@Tz#q7-Prod")
        #expect(PostgresConnection.password(in: "postgresql://u:Xk9?Tz@h/db") == "Xk9?Tz")
        #expect(PostgresConnection.password(in: "postgresql://u:p@h/db?application_name=a@b") == "p")
    }

    /// A keyword connection string whose password has a space left unquoted: libpq quotes the
    /// piece after the space as a key missing its `=`, and that piece is masked too.
    @Test func aKeywordPasswordIsNotShownInPieces() async throws {
        let closed = freePort()
        let sink = try sink("host=127.0.0.1 port=\(closed) dbname=postgres user=huiliu password=PGSPACE-first secondhalf-8181")
        let error = try await #require(throws: (any Error).self) { try await sink.open(resumingAt: nil) }
        let text = "\(error)"
        #expect(text.hasPrefix("postgres: cannot connect:") && text.contains("***"), "\(text)")
        #expect(!text.contains("PGSPACE") && !text.contains("secondhalf"), "\(text)")
        // Quoted, a password is one piece, as libpq reads it; unquoted, its pieces up to the next key.
        #expect(PostgresConnection.keywordPasswordPieces(in: "host=h password='pass word' user=u") == ["pass word"])
        #expect(PostgresConnection.keywordPasswordPieces(in: "host=h password=ab cd user=u") == ["ab cd", "ab", "cd"])
        // The keyword itself, not sslpassword's; spaces around `=`, as libpq allows.
        #expect(PostgresConnection.keywordPasswordPieces(in: "sslpassword=abcdefgh password=mypass word") == ["mypass word", "mypass", "word"])
        #expect(PostgresConnection.keywordPasswordPieces(in: "user=u password = mypass word") == ["mypass word", "mypass", "word"])
        // A short piece is masked only where it stands alone: "password" stays readable.
        #expect(PostgresConnection.masking("pass", in: "password authentication failed: pass") == "password authentication failed: ***")
    }

    /// A password written into the URL unencoded splits it where libpq parses it, and libpq
    /// quotes the pieces (as a host name, a port): none of them is shown, and the error says why.
    @Test func anUnencodedPasswordIsNotShownInPieces() async throws {
        let closed = freePort()
        for password in ["Xk9@Tz#q7-Prod", "Xk9/Tz7q-Prod"] {
            let sink = try sink("postgresql://huiliu:\(password)@127.0.0.1:\(closed)/postgres?connect_timeout=5")
            let error = try await #require(throws: (any Error).self) { try await sink.open(resumingAt: nil) }
            let text = "\(error)"
            #expect(text.hasPrefix("postgres: cannot connect:") && text.contains("must be percent-encoded") == false
                    && text.contains("which a URL needs percent-encoded"), "\(text)")
            #expect(!text.contains("Xk9") && !text.contains("Tz#q7-Prod") && !text.contains("Tz7q-Prod"), "\(text)")
        }
    }
}
