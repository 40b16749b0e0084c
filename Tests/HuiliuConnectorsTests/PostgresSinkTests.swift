import Foundation
@testable import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import HuiliuKitTesting
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

    /// Rows of a query, as text.
    func rows(_ server: PostgresServer, _ sql: String) throws -> [[String?]] {
        try PostgresConnection(url: server.url, secrets: []).execute(sql)
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

    /// A server that cannot be reached is named, and the password in the URL is not.
    @Test func aConnectionFailureNeverShowsThePassword() async throws {
        let closed = freePort()
        let sink = try sink("postgresql://huiliu:s3cret-Pa55@127.0.0.1:\(closed)/postgres?connect_timeout=5")
        await #expect { try await sink.open(resumingAt: nil) } throws: { error in
            "\(error)".hasPrefix("postgres: cannot connect:") && "\(error)".contains("\(closed)") && !"\(error)".contains("s3cret-Pa55")
        }
        #expect(PostgresSink.password(in: "postgresql://u:p%40ss@h/db") == "p@ss")
        #expect(PostgresSink.password(in: "postgresql://u@h/db") == nil)
    }
}
