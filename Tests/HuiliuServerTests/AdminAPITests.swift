import HuiliuCore
import HuiliuEngine
import HuiliuKit
@testable import HuiliuServer
import HuiliuStore
import Hummingbird
import Logging
import Testing
import Foundation

struct AdminAPITests {
    func api() throws -> AdminAPI {
        let store = try SQLiteStateStore(path: NSTemporaryDirectory() + "huiliu-api-\(UUID().uuidString).db")
        let daemon = Daemon(pipelines: [], store: store, defaultZone: .current, logger: Logger(label: "t"),
                            loadPipelines: { .success([]) },
                            makeRunner: { _ in fatalError("no runs in this test") })
        return AdminAPI(.init(daemon: daemon, store: store, registry: { ConnectorRegistry() }, tokens: [],
                              replay: { _, _ in throw RunError("no replay") }, metrics: { "" }))
    }

    /// A read-only token sees a dead letter's reason with the values it quotes starred out (the
    /// raw payload is refused to it for the personal data in it); apostrophes are no quotes.
    @Test func quotedValuesAreStarredForReaders() {
        typealias Auth = BearerAuthMiddleware<BasicRequestContext>
        #expect(Auth.redactingQuotes("birth_date = to_date(birth): parse_time(): '420102199001011234' does not match format yyyy-MM-dd")
                == "birth_date = to_date(birth): parse_time(): '***' does not match format yyyy-MM-dd")
        #expect(Auth.redactingQuotes("the sink's condition 'abs(data.x)' cannot be evaluated") == "the sink's condition '***' cannot be evaluated")
        #expect(Auth.redactingQuotes("no code '已冲销' in table 'payment_status'") == "no code '***' in table '***'")
        #expect(Auth.redactingQuotes("expected 2 fields, found 1") == "expected 2 fields, found 1")
        #expect(Auth.redactingQuotes("an unclosed 'quote stays") == "an unclosed 'quote stays")
    }

    /// Every route the router serves is described in the OpenAPI document, with its method.
    @Test func everyRouteIsInTheOpenAPIDocument() throws {
        let document = try YAMLDocument.parse(OpenAPIDocument.yaml, file: "openapi.yaml")
        guard case .mapping(let paths, _)? = document["paths"] else {
            Issue.record("no paths in the document")
            return
        }
        var described: Set<String> = []
        for path in paths {
            guard case .mapping(let methods, _) = path.value else { continue }
            for method in methods { described.insert("\(method.key.uppercased()) \(path.key)") }
        }
        let routes = try api().router().routes.map { route -> String in
            let path = route.path.description.split(separator: "/").map { part in
                part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
            }.joined(separator: "/")
            return "\(route.method) /\(path)"
        }
        #expect(routes.count == 22)
        for route in routes { #expect(described.contains(route), "\(route) is not in the OpenAPI document") }
        #expect(described.count == Set(routes).count, "the document describes routes the router does not serve")
        // A client generated from the document decodes every status a letter can have.
        let statuses = document["components"]?["schemas"]?["DeadLetter"]?["properties"]?["status"]?["enum"]
        guard case .sequence(let items, _)? = statuses else {
            Issue.record("no status enum for DeadLetter")
            return
        }
        #expect(items.compactMap(\.scalarText) == DeadLetter.statusFilters.filter { $0 != "all" })
    }

    /// A pipeline's last run is its latest sync: a replay after a failed run does not show
    /// the pipeline as succeeded; with only replays, the latest replay.
    @Test func theLastRunIsTheLatestSyncNotAReplay() async throws {
        let store = try SQLiteStateStore(path: NSTemporaryDirectory() + "huiliu-api-\(UUID().uuidString).db")
        #expect(try await AdminAPI.lastRuns("p", store).sync == nil)
        var replay = try await store.startRun(pipeline: "p", trigger: DeadLetterReplayer.trigger)
        replay.status = .succeeded
        try await store.finishRun(replay)
        #expect(try await AdminAPI.lastRuns("p", store).sync?.id == replay.id)
        // Runs are ordered by their start, to the millisecond.
        try await Task.sleep(for: .milliseconds(3))
        var sync = try await store.startRun(pipeline: "p", trigger: "schedule")
        sync.status = .failed
        try await store.finishRun(sync)
        try await Task.sleep(for: .milliseconds(3))
        var later = try await store.startRun(pipeline: "p", trigger: DeadLetterReplayer.trigger)
        later.status = .succeeded
        try await store.finishRun(later)
        let last = try await AdminAPI.lastRuns("p", store).sync
        #expect(last?.id == sync.id && last?.status == .failed)
        #expect(try await AdminAPI.lastRuns("p", store).replay?.id == later.id, "the replay after it is shown beside it")
    }

    /// The provenance route's memory: a full check's intact prefix is where the next check
    /// starts; a check that started from a prefix replaced meanwhile does not overwrite it; a
    /// problem clears it, so the next check is full; a vanished chain stays known.
    @Test func checkedChainsKeepOnlyWhatAFullCheckFoundIntact() async {
        let chains = CheckedChains()
        let one = ProvenanceAudit.Checked(sequence: 1, hash: "a"), two = ProvenanceAudit.Checked(sequence: 2, hash: "b")
        #expect(await chains.recent("p") == nil)
        await chains.record("p", one, startedFrom: nil)
        #expect(await chains.recent("p") == one)
        await chains.record("p", two, startedFrom: one)
        #expect(await chains.recent("p") == two)
        await chains.record("p", ProvenanceAudit.Checked(sequence: 9, hash: "z"), startedFrom: one)
        #expect(await chains.recent("p") == two, "a check from a stale prefix is ignored")
        await chains.record("p", nil, startedFrom: nil)
        #expect(await chains.recent("p") == nil)
        #expect(await chains.all().map(\.0) == ["p"])
    }
}
