import Foundation
import HuiliuCore
import HuiliuEngine
import HuiliuKit
import HuiliuKitTesting
import HuiliuStore
@testable import HuiliuTestSupport
import Logging
import Testing

/// Gateways sharing a PostgreSQL state store (`store: { postgres: URL }`).
struct SharedStoreTests {
    let directory = NSTemporaryDirectory() + "huiliu-shared-\(UUID().uuidString)"

    /// A gateway in its own directory whose store is a new database on the test server.
    func gateway() async throws -> GatewayConfig {
        try await gateway(database: nil)
    }

    /// Ends every other session on the gateway's database, as a server restart or a dropped
    /// connection would.
    /// Ends every other session on the gateway's database, and waits (up to ten seconds) until
    /// the server lists none: `pg_terminate_backend` only signals the backends.
    func dropSessions(_ gateway: GatewayConfig) throws {
        let url = try #require(gateway.storeURL)
        let database = String(url.split(separator: "/").last!)
        let admin = try PostgresConnection(url: url) { $0 }
        try admin.execute("""
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()
            """, [database])
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let others = try admin.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [database])
            if others.first?.first == "0" { return }
            usleep(20_000)
        }
        Issue.record("sessions on \(database) were still listed ten seconds after they were terminated")
    }

    func gateway(database: String?) async throws -> GatewayConfig {
        let server = try await require(PostgresServer.shared)
        let name = database ?? "gateway_\(UUID().uuidString.prefix(8).lowercased())"
        if database == nil { try PostgresConnection(url: server.url) { $0 }.execute("CREATE DATABASE \(name)") }
        try FileManager.default.createDirectory(atPath: directory + "/config", withIntermediateDirectories: true)
        try """
            version: 1
            store:
              postgres: postgresql://huiliu@127.0.0.1:\(server.port)/\(name)
            """.write(toFile: directory + "/config/huiliu.yaml", atomically: true, encoding: .utf8)
        return try GatewayConfig.load(path: nil, projectDirectory: directory)
    }

    /// A pipeline runs on one gateway at a time: the lock is an advisory lock in the shared
    /// database, so a second gateway (here, a second lock from the same configuration) is
    /// refused until the first lets go.
    @Test func aPipelineRunsOnOneGatewayAtATime() async throws {
        let gateway = try await gateway()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var first = try await PipelineLock.acquire(pipeline: "budget", gateway: gateway)
        #expect(first != nil)
        #expect(try PipelineLock(pipeline: "budget", gateway: gateway) == nil)
        #expect(try PipelineLock(pipeline: "court", gateway: gateway) != nil, "other pipelines are not held")
        first = nil
        #expect(try PipelineLock(pipeline: "budget", gateway: gateway) != nil)
    }

    /// A run left `running` by a gateway that died is marked interrupted by any other, told from
    /// the server's lock table; one whose lock a live session holds stays running, and the test
    /// takes no lock (a run starting meanwhile is never refused).
    @Test func aDeadGatewaysRunIsMarkedInterruptedByAnother() async throws {
        let gateway = try await gateway()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try gateway.openStateStore()
        let live = try await store.startRun(pipeline: "budget", trigger: "schedule")
        let dead = try await store.startRun(pipeline: "court", trigger: "schedule")
        let lock = try await PipelineLock.acquire(pipeline: "budget", gateway: gateway)
        #expect(lock != nil)
        #expect(try await PipelineLock.held(["budget", "court"], gateway: gateway) == ["budget"])
        #expect(try await StaleRuns.mark(store: store, gateway: gateway) == 1)
        #expect(try await store.run(id: live.id)?.status == .running)
        #expect(try await store.run(id: dead.id)?.status == .interrupted)
        // Advisory locks are per database: the same pipeline held by a deployment in another
        // database on the server is not this store's.
        let other = try await self.gateway()
        let elsewhere = try await PipelineLock.acquire(pipeline: "court", gateway: other)
        #expect(elsewhere != nil)
        #expect(try await PipelineLock.held(["court"], gateway: gateway).isEmpty)
        withExtendedLifetime((lock, elsewhere)) {}
    }

    /// A run records its history, checkpoint and dead letters in the shared store, where any
    /// gateway reads them; the next run resumes from that checkpoint.
    @Test func aRunKeepsItsStateInTheSharedStore() async throws {
        let gateway = try await gateway()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(gateway.storeURL?.hasPrefix("postgresql://") == true)
        var registry = ConnectorRegistry()
        try registry.register(source: ScriptedSource.self)
        let sink = RecordingSink()
        try registry.register(sinkSpec: ComponentSpec(name: "shared", kind: .sink, summary: "Test sink.", fields: [])) { _, _ in sink }
        try "version: 1\nname: shared-store\nsource: { scripted: { records: 7, batch: 3 } }\nsinks: [ shared: {} ]\n"
            .write(toFile: directory + "/p.yaml", atomically: true, encoding: .utf8)
        guard case .pipeline(let definition) = PipelineLoader(registry: registry, resolver: ReferenceResolver(), projectDirectory: directory)
            .load(path: directory + "/p.yaml") else {
            Issue.record("pipeline did not load")
            return
        }
        let store = try gateway.openStateStore()
        #expect(store is PostgresStateStore)
        let runner = PipelineRunner(definition: definition, registry: registry, store: store, gateway: gateway,
                                    logger: Logger(label: "t") { _ in SwiftLogNoOpLogHandler() })
        let run = try await runner.run(trigger: "test")
        #expect(run.status == .succeeded, "\(run.error ?? "")")
        let elsewhere = try gateway.openStateStore()
        #expect(try await elsewhere.run(id: run.id)?.recordsWritten == 7)
        #expect(try await elsewhere.checkpoint(pipeline: "shared-store", stream: "main")?.checkpoint.value == .integer(7))
        let again = try await runner.run(trigger: "test")
        #expect(again.recordsRead == 0, "the second run resumes after the committed checkpoint")
    }

    /// A lock whose session ends (the server restarted, the network dropped it) is no longer
    /// held, and says so before the next commit; the store carries on over a new connection.
    @Test func aLostLockIsNoticedAndTheStoreReconnects() async throws {
        let gateway = try await gateway()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try gateway.openStateStore()
        let run = try await store.startRun(pipeline: "budget", trigger: "test")
        let lock = try #require(try PipelineLock(pipeline: "budget", gateway: gateway))
        try await lock.verify()
        try dropSessions(gateway)
        await #expect { try await lock.verify() } throws: { "\($0)".contains("lock in the shared store was lost") }
        // The server released it with the session, once the ended session's process is gone.
        try await eventually("the server to release the lock with the session", timeout: .seconds(10)) {
            try PipelineLock(pipeline: "budget", gateway: gateway) != nil
        }
        #expect(try await store.run(id: run.id)?.status == .running, "the store's first call after the drop reconnects")
    }
}
