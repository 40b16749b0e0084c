import Foundation
@testable import HuiliuTestSupport
import Testing

/// A pipeline into PostgreSQL through the command line: the URL from the environment, each
/// event once however often the sync runs.
struct PostgresPipelineTests {
    @Test func aPipelineUpsertsIntoPostgresAndRerunsLeaveOneRowPerEvent() async throws {
        let server = try await require(PostgresServer.shared)
        let psql = try #require(findExecutable("psql"), "psql is not installed (Debian package postgresql-client)")
        let project = try temporaryProject("postgres")
        let prefix = "e\(UUID().uuidString.prefix(8).lowercased())_"
        try (1...3).map { #"{"id":"P\#($0)","amount":"\#($0).50","payee":"收款人\#($0)"}"# }.joined(separator: "\n")
            .write(toFile: project + "/in.jsonl", atomically: true, encoding: .utf8)
        try """
            version: 1
            name: to-postgres
            source:
              file: { path: in.jsonl, key: id, type: demo.payment.v1 }
            sinks:
              - postgres: { url: "${env:HUILIU_PG_URL}", table_prefix: \(prefix) }
            """.write(toFile: project + "/pipelines/to-postgres.yaml", atomically: true, encoding: .utf8)
        let environment = ["HUILIU_PG_URL": server.url]
        for arguments in [["run", "to-postgres"], ["run", "to-postgres", "--reset"]] {
            let run = try await HuiliuCommand.run(arguments, in: project, environment: environment)
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        }
        let query = try run(psql, [server.url, "-Atc", "SELECT subject, data ->> 'payee' FROM \(prefix)demo_payment_v1 ORDER BY subject"])
        #expect(query.status == 0 && query.output == "P1|收款人1\nP2|收款人2\nP3|收款人3\n", "\(query.output)")

        // The URL may hold a password, so a literal one is refused.
        try """
            version: 1
            name: literal
            source: { file: { path: in.jsonl } }
            sinks: [ postgres: "postgresql://huiliu:pw@127.0.0.1/postgres" ]
            """.write(toFile: project + "/pipelines/literal.yaml", atomically: true, encoding: .utf8)
        let lint = try await HuiliuCommand.run(["lint", "pipelines/literal.yaml"], in: project)
        #expect(lint.status == 1)
        #expect(lint.stdout.contains("literal.yaml:4:20:"), "\(lint.stdout)")
        #expect(!lint.stdout.contains("pw@"), "\(lint.stdout)")
    }

    /// An exchange database (前置库) read by the `sql` source: the URL from the environment,
    /// each run the rows changed since the last, mapped on the way.
    @Test func anSQLSourceReadsOnlyWhatChangedSinceTheLastRun() async throws {
        let server = try await require(PostgresServer.shared)
        let psql = try #require(findExecutable("psql"), "psql is not installed (Debian package postgresql-client)")
        let project = try temporaryProject("sql-source")
        let table = "payments_\(UUID().uuidString.prefix(8).lowercased())"
        func sql(_ statement: String) throws {
            let result = try run(psql, [server.url, "-Atqc", statement])
            #expect(result.status == 0, "\(result.output)")
        }
        try sql("""
            CREATE TABLE \(table) (zfpzh text PRIMARY KEY, zfje numeric(14,2), gxsj timestamptz);
            INSERT INTO \(table) VALUES ('ZF1', 12.30, '2024-03-01 09:00+08'), ('ZF2', 0.05, '2024-03-01 10:00+08')
            """)
        try """
            version: 1
            name: exchange
            source:
              sql: { url: "${env:EXCHANGE_DB}", table: \(table), key: zfpzh, cursor: gxsj }
            steps:
              - map: { type: demo.payment.v1, key: zfpzh, time: gxsj, fields: { payment_id: zfpzh, amount_fen: to_fen(zfje) } }
            sinks:
              - jsonl: data/out.jsonl
            """.write(toFile: project + "/pipelines/exchange.yaml", atomically: true, encoding: .utf8)
        let environment = ["EXCHANGE_DB": server.url]
        func sync() async throws -> [String] {
            let result = try await HuiliuCommand.run(["run", "exchange"], in: project, environment: environment)
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            return try String(contentsOfFile: project + "/data/out.jsonl", encoding: .utf8).split(separator: "\n").map(String.init)
        }
        let first = try await sync()
        #expect(first.count == 2)
        #expect(first.first?.contains(#""time":"2024-03-01T09:00:00+08:00","data":{"payment_id":"ZF1","amount_fen":1230}"#) == true,
                "\(first.first ?? "")")
        try sql("INSERT INTO \(table) VALUES ('ZF3', 7, '2024-03-02 08:00+08'); UPDATE \(table) SET zfje = 0.06 WHERE zfpzh = 'ZF2'")
        let second = try await sync()
        // The row at the last run's cursor value comes again, as the same event (here with an
        // amount changed without its update time, which nothing else would have caught), then
        // the row added since.
        #expect(second.count == 4)
        #expect(second[2].contains(#""subject":"ZF2""#) && second[2].contains(#""payment_id":"ZF2","amount_fen":6}"#), "\(second[2])")
        #expect(second[2].hasPrefix(first[1].prefix(60)), "\(second[2])")
        #expect(second[3].contains(#""payment_id":"ZF3","amount_fen":700"#), "\(second[3])")
    }
}
