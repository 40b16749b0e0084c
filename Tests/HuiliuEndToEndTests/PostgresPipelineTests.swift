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
}
