import Foundation
import HuiliuCore
import HuiliuKit
import HuiliuKitTesting
@testable import HuiliuTestSupport
import Testing

/// `huiliu serve` with a push endpoint: an upstream system POSTs records to a channel, the
/// daemon answers once they are stored, and the channel's pipeline delivers them.
struct PushEndpointTests {
    /// The daemon runs several servers: one that cannot bind says which it is.
    @Test func aTakenPortIsNamedWithItsServer() async throws {
        let project = try temporaryProject("push-taken")
        let taken = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(taken) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(taken, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        #expect(bound == 0 && listen(taken, 1) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(taken, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        try """
            admin: { port: 0 }
            listeners:
              webhook: { address: 127.0.0.1, port: \(port), channels: { government: "${env:GOV_TOKEN:-gov-token-0123456789}" } }
            """.write(toFile: project + "/config/huiliu.yaml", atomically: true, encoding: .utf8)
        let serve = try await HuiliuCommand.run(["serve"], in: project)
        #expect(serve.status == 2 && serve.stderr.contains("push endpoint 127.0.0.1:\(port): the port is taken by another process"), "\(serve.stderr)")
        // The simulator too, and it leaves the exchange database of the one holding the port alone.
        let simulate = try await HuiliuCommand.run(["simulate", "--port", "\(port)", "--exchange-database", "exchange.db"], in: project)
        #expect(simulate.status == 2, "\(simulate.stdout)\(simulate.stderr)")
        #expect(simulate.stderr == "simulator http://127.0.0.1:\(port): the port is taken by another process (another huiliu serve or simulate, or another server); stop it or choose another port (--port)\n")
        #expect(!FileManager.default.fileExists(atPath: project + "/exchange.db"))
        // And the HJ 212 listener, whose message was NIO's ("bind(descriptor:ptr:bytes:): Address
        // already in use) (errno: 98)"), exit 1.
        try "stations: []\n".write(toFile: project + "/stations.yaml", atomically: true, encoding: .utf8)
        let listen = try await HuiliuCommand.run(["hj212", "listen", "--address", "127.0.0.1:\(port)", "--buffer", "hj.db", "--stations", "stations.yaml"], in: project)
        #expect(listen.status == 2, "\(listen.stdout)\(listen.stderr)")
        #expect(listen.stderr.hasSuffix("HJ 212 listener on 127.0.0.1:\(port): the port is taken by another process (another huiliu serve or hj212 listen, or another server); stop it or choose another port\n"), "\(listen.stderr)")
    }

    @Test func pushedRecordsAreStoredThenDeliveredByTheChannelsPipeline() async throws {
        let project = try temporaryProject("push")
        let push = freePort()
        try """
            secrets: { file: config/secrets.yaml }
            admin:
              port: 0
              tokens: [{ name: ops, token: "${secret:admin/ops}", role: write }]
            listeners:
              webhook:
                address: 127.0.0.1
                port: \(push)
                channels: { government: "${secret:push/government}" }
            """.write(toFile: project + "/config/huiliu.yaml", atomically: true, encoding: .utf8)
        try "admin: { ops: ops-7f3a }\npush: { government: gov-token-0123456789 }\n"
            .write(toFile: project + "/config/secrets.yaml", atomically: true, encoding: .utf8)
        try """
            version: 1
            name: government-push
            source: { webhook: { channel: government, key: project_id } }
            steps:
              - map: { type: livelihood.project.raw.v1, key: project_id, fields: { id: project_id, name: name } }
            sinks: [ jsonl: data/out.jsonl ]
            """.write(toFile: project + "/pipelines/government-push.yaml", atomically: true, encoding: .utf8)
        let serve = try HuiliuCommand.start(["serve", "--log-format", "json"], in: project, output: .file(project + "/serve.log"))
        defer { serve.signal(SIGTERM) }

        func curl(_ arguments: [String]) async throws -> (status: Int, body: String) {
            let text = try await ChildCommand.output("/usr/bin/curl", ["-s", "--max-time", "30", "-o", "-", "-w", "\n%{http_code}"] + arguments,
                                                     timeout: .seconds(60)).stdoutText
            let split = text.split(separator: "\n", omittingEmptySubsequences: false)
            return (Int(split.last ?? "") ?? 0, split.dropLast().joined(separator: "\n"))
        }
        var answer = (status: 0, body: "")
        for _ in 0..<150 where answer.status == 0 {
            answer = try await curl(["-X", "POST", "http://127.0.0.1:\(push)/ingest/government", "-H", "Authorization: Bearer gov-token-0123456789",
                               "-H", "Content-Type: application/x-ndjson",
                               "--data-binary", "{\"project_id\":\"M1\",\"name\":\"老旧小区改造\"}\n{\"project_id\":\"M2\",\"name\":\"口袋公园\"}\n"])
            if answer.status == 0 { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(answer.status == 202, "\(answer) \((try? String(contentsOfFile: project + "/serve.log", encoding: .utf8)) ?? "")")

        // The admin API's port, from data/daemon.json; readiness includes the endpoint.
        var admin = 0
        for _ in 0..<300 where admin == 0 {
            if let data = FileManager.default.contents(atPath: project + "/data/daemon.json"), let info = try? JSONReader.parse([UInt8](data)) {
                admin = info["port"]?.intValue ?? 0
            }
            if admin == 0 { try await Task.sleep(for: .milliseconds(100)) }
        }
        let ready = try await curl(["http://127.0.0.1:\(admin)/readyz"])
        #expect(ready.status == 200 && ready.body.contains(#""webhook":true"#), "\(ready)")
        let run = try await curl(["-X", "POST", "http://127.0.0.1:\(admin)/api/v1/pipelines/government-push/runs", "-H", "Authorization: Bearer ops-7f3a"])
        #expect(run.status == 202, "\(run)")
        var lines: [Substring] = []
        for _ in 0..<300 where lines.count < 2 {
            lines = ((try? String(contentsOfFile: project + "/data/out.jsonl", encoding: .utf8)) ?? "").split(separator: "\n")
            if lines.count < 2 { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(lines.count == 2)
        #expect(lines.first?.contains(#""subject":"M1""#) == true && lines.first?.contains(#""name":"老旧小区改造""#) == true, "\(lines)")
    }
}
