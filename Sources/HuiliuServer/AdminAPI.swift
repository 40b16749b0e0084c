import Foundation
public import HuiliuCore
public import HuiliuEngine
public import HuiliuKit
public import HuiliuStore
import HTTPTypes
public import Hummingbird
import Logging
import NIOCore

/// The daemon's admin API (JSON, versioned under `/api/v1`), plus `/healthz`, `/readyz` and
/// `/metrics`. Everything but health needs a bearer token; writes need a `write` token.
public struct AdminAPI: Sendable {
    /// What the API serves from.
    public struct Dependencies: Sendable {
        /// The daemon.
        public var daemon: Daemon
        /// Runs and dead letters.
        public var store: any StateStore
        /// The components available now (for `/connectors`): a reload may add manifests.
        public var registry: @Sendable () -> ConnectorRegistry
        /// Accepted bearer tokens.
        public var tokens: [GatewayConfig.AdminToken]
        /// Replays dead letters of a pipeline (`ids` empty for all pending).
        public var replay: @Sendable (String, [Int]) async throws -> DeadLetterReplayer.Outcome
        /// Prometheus text of every metric.
        public var metrics: @Sendable () async -> String
        /// Extra readiness checks (listeners bound …): name and whether it is ready.
        public var readiness: @Sendable () async -> [(String, Bool)]
        /// Whether a pipeline's lock is held now, by this process or another (a `huiliu run`,
        /// another gateway sharing the store).
        public var isLocked: @Sendable (String) async -> Bool = { _ in false }

        /// Dependencies of the API.
        public init(daemon: Daemon, store: any StateStore, registry: @escaping @Sendable () -> ConnectorRegistry,
                    tokens: [GatewayConfig.AdminToken],
                    replay: @escaping @Sendable (String, [Int]) async throws -> DeadLetterReplayer.Outcome,
                    metrics: @escaping @Sendable () async -> String,
                    readiness: @escaping @Sendable () async -> [(String, Bool)] = { [] }) {
            self.daemon = daemon
            self.store = store
            self.registry = registry
            self.tokens = tokens
            self.replay = replay
            self.metrics = metrics
            self.readiness = readiness
        }
    }

    let dependencies: Dependencies

    /// An API over its dependencies.
    public init(_ dependencies: Dependencies) {
        self.dependencies = dependencies
    }

    /// The router with every route.
    public func router() -> Router<BasicRequestContext> {
        // HEAD on every GET route: probes and `curl -I` ask for headers only.
        let router = Router(options: .autoGenerateHeadEndpoints)
        let deps = dependencies
        router.get("/") { _, _ in StatusPage.response() }
        router.get("healthz") { _, _ in jsonResponse(["status": "ok"]) }
        router.get("readyz") { _, _ in
            var checks = Object()
            var ready = true
            do {
                _ = try await deps.store.runs(pipeline: nil, status: nil, limit: 1)
                checks["store"] = true
            } catch {
                checks["store"] = false
                ready = false
            }
            for (name, ok) in await deps.readiness() {
                checks[name] = .bool(ok)
                ready = ready && ok
            }
            return jsonResponse(["ready": .bool(ready), "checks": .object(checks)], status: ready ? .ok : .serviceUnavailable)
        }
        let secured = router.group().add(middleware: BearerAuthMiddleware(tokens: deps.tokens))
        secured.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: await deps.metrics())))
        }
        let api = secured.group("api/v1")
        api.get("openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"],
                     body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
        api.get("status") { _, _ in jsonResponse(await deps.daemon.status()) }
        api.post("reload") { _, _ in
            switch await deps.daemon.reload() {
            case .success(let count): return jsonResponse(["reloaded": .integer(count)])
            case .failure(let problems):
                return jsonResponse(["error": "pipelines have problems; the running set is kept",
                             "problems": .array(problems.errors.map { .string($0.description) })], status: .unprocessableContent)
            }
        }
        addPipelineRoutes(api, deps)
        addRunRoutes(api, deps)
        addDeadLetterRoutes(api, deps)
        addProvenanceRoutes(api, deps)
        addConnectorRoutes(api, deps)
        return router
    }

    /// A pipeline's latest run that read its source (a dead-letter replay after a failed sync
    /// would otherwise show the pipeline as succeeded; the latest replay when there is no other),
    /// and a replay after it, if any.
    static func lastRuns(_ pipeline: String, _ store: any StateStore) async throws -> (sync: RunRecord?, replay: RunRecord?) {
        let recent = try await store.runs(pipeline: pipeline, status: nil, limit: 50)
        let sync = recent.first { $0.trigger != DeadLetterReplayer.trigger } ?? recent.first
        let replay = recent.first.flatMap { $0.trigger == DeadLetterReplayer.trigger && $0.id != sync?.id ? $0 : nil }
        return (sync, replay)
    }

    /// `last_run`, and `last_replay` when a replay came after it (one that failed is seen there).
    static func lastRunFields(_ item: inout Value, _ pipeline: String, _ store: any StateStore) async throws {
        let (sync, replay) = try await lastRuns(pipeline, store)
        item["last_run"] = sync.map(Self.json) ?? .null
        if let replay { item["last_replay"] = Self.json(replay) }
    }

    func addPipelineRoutes(_ api: RouterGroup<BasicRequestContext>, _ deps: Dependencies) {
        api.get("pipelines") { _, _ in
            var items: [Value] = []
            for name in await deps.daemon.pipelineNames() {
                guard var item = await deps.daemon.pipelineStatus(name) else { continue }
                try await Self.lastRunFields(&item, name, deps.store)
                items.append(item)
            }
            return jsonResponse(["pipelines": .array(items)])
        }
        api.get("pipelines/:name") { _, context in
            let name = try context.parameters.require("name")
            guard var item = await deps.daemon.pipelineStatus(name) else { return notFound("no pipeline '\(name)'") }
            try await Self.lastRunFields(&item, name, deps.store)
            return jsonResponse(item)
        }
        api.post("pipelines/:name/runs") { request, context in
            let name = try context.parameters.require("name")
            // An optional body: {"backfill": "FROM..TO"} reads that range of the cursor again.
            let body = try await request.body.collect(upTo: 64 << 10)
            var backfill: BackfillRange?
            if body.readableBytes > 0 {
                guard let options = try? JSONReader.parse(Array(body.readableBytesView)), case .object(let members) = options else {
                    return jsonResponse(["error": "the body must be a JSON object, such as {\"backfill\": \"2024-01-01..2024-02-01\"}"], status: .badRequest)
                }
                // A misspelt option must not quietly run a plain sync.
                if let unknown = members.keys.first(where: { $0 != "backfill" }) {
                    return jsonResponse(["error": .string("unknown option '\(unknown)'; the only one is 'backfill'")], status: .badRequest)
                }
                if let text = options["backfill"], !text.isNull {
                    guard let range = text.stringValue.flatMap(BackfillRange.init(parsing:)), !range.isEmpty else {
                        return jsonResponse(["error": .string("'backfill' takes FROM..TO with FROM before TO, such as 2024-01-01..2024-02-01; got \(text.jsonText)")],
                                            status: .badRequest)
                    }
                    backfill = range
                }
            }
            // A caller that is part of a trace (W3C traceparent) has the run continue it.
            let trace = request.headers[HTTPField.Name("traceparent")!].flatMap(TraceContext.init(traceparent:))
            // The run records which token asked for it (`api:operator`).
            let by = request.headers[BearerAuthMiddleware<BasicRequestContext>.tokenName].map { "api:" + $0 } ?? "api"
            // Running elsewhere, the run would be accepted here and then not start: said now, as
            // `huiliu run` says it.
            if await deps.daemon.pipelineStatus(name)?["running"]?.isNull == true, await deps.isLocked(name) {
                return jsonResponse(["error": .string("pipeline '\(name)' is already running (its lock is held: by a replay, another process, or another gateway sharing the store)")],
                                    status: .conflict)
            }
            switch await deps.daemon.trigger(name, by: by, backfill: backfill, trace: trace) {
            case .accepted:
                return jsonResponse(["pipeline": .string(name), "status": "accepted", "backfill": backfill.map { .string($0.description) } ?? .null],
                                    status: .accepted)
            case .unknownPipeline: return notFound("no pipeline '\(name)'")
            case .alreadyRunning: return jsonResponse(["error": .string("pipeline '\(name)' is already running")], status: .conflict)
            case .shuttingDown: return jsonResponse(["error": "the daemon is shutting down"], status: .serviceUnavailable)
            case .cannotBackfill(let reason): return jsonResponse(["error": .string(reason)], status: .unprocessableContent)
            }
        }
    }

    func addRunRoutes(_ api: RouterGroup<BasicRequestContext>, _ deps: Dependencies) {
        api.get("runs") { request, _ in
            let query = request.uri.queryParameters
            // A misspelt filter must not quietly return everything.
            var status: RunStatus?
            if let text = query.get("status") {
                guard let known = RunStatus(rawValue: text) else {
                    let names = RunStatus.allCases.map(\.rawValue).joined(separator: ", ")
                    return jsonResponse(["error": .string("unknown status '\(text)'; one of \(names)")], status: .badRequest)
                }
                status = known
            }
            var limit = 50
            if let text = query.get("limit") {
                guard let number = Int(text), number > 0 else {
                    return jsonResponse(["error": .string("limit must be a positive number, got '\(text)'")], status: .badRequest)
                }
                limit = min(number, 1000)
            }
            let runs = try await deps.store.runs(pipeline: query.get("pipeline"), status: status, limit: limit)
            return jsonResponse(["runs": .array(runs.map(Self.json))])
        }
        api.get("runs/:id") { _, context in
            let id = try context.parameters.require("id")
            guard let run = try await deps.store.run(id: id) else { return notFound("no run '\(id)'") }
            return jsonResponse(Self.json(run))
        }
        api.post("runs/:id/cancel") { _, context in
            let id = try context.parameters.require("id")
            if await deps.daemon.cancel(runID: id) {
                return jsonResponse(["run": .string(id), "status": "stopping at the next batch boundary"], status: .accepted)
            }
            guard try await deps.store.run(id: id) != nil else { return notFound("no run '\(id)'") }
            return jsonResponse(["error": .string("run '\(id)' is not running")], status: .conflict)
        }
    }

    /// The provenance chains: each one checked, and its entries for a platform that keeps a copy
    /// (what makes a chain rewritten in the store show).
    func addProvenanceRoutes(_ api: RouterGroup<BasicRequestContext>, _ deps: Dependencies) {
        // Each chain is checked from where a request found it intact in the last quarter hour (a
        // dashboard polls this), otherwise in full; `?full=true` checks every entry now.
        let checked = CheckedChains()
        api.get("provenance") { request, _ in
            let full = request.uri.queryParameters.get("full") == "true"
            let audit = ProvenanceAudit(store: deps.store)
            var chains: [Value] = []
            let stored = try await deps.store.provenancePipelines()
            // A chain this gateway found before and the store no longer has was deleted.
            for (name, prefix) in await checked.all() where !stored.contains(name) {
                var gone = ProvenanceAudit.Report(pipeline: name)
                gone.problems = ["the chain is gone: it had \(prefix.sequence) entries, the last with hash \(prefix.hash)"]
                chains.append(gone.jsonValue())
            }
            for name in stored {
                let start = full ? nil : await checked.recent(name)
                let checkpointCommitted = await deps.daemon.keepsChain(name)
                var report = try await audit.verify(pipeline: name, after: start, checkpointCommitted: checkpointCommitted)
                if start != nil && !report.problems.isEmpty {
                    // What is wrong, in full: the entries and head as the store has them now.
                    let problems = report.problems
                    report = try await audit.verify(pipeline: name, checkpointCommitted: checkpointCommitted)
                    report.problems = problems + report.problems.filter { !problems.contains($0) }
                    report.intactThrough = nil
                }
                await checked.record(name, report.intactThrough, startedFrom: start)
                chains.append(report.jsonValue(problems: 20))
            }
            return jsonResponse(["chains": .array(chains)])
        }
        api.get("provenance/:pipeline") { request, context in
            let pipeline = try context.parameters.require("pipeline")
            let query = request.uri.queryParameters
            guard let after = Int(query.get("after") ?? "0"), after >= 0,
                  let limit = Int(query.get("limit") ?? "100"), limit > 0 else {
                return jsonResponse(["error": "after must be 0 or more and limit more than 0"], status: .badRequest)
            }
            let links = try await deps.store.provenance(pipeline: pipeline, after: after, limit: min(limit, 1000))
            if links.isEmpty, try await deps.store.provenance(pipeline: pipeline, after: 0, limit: 1).isEmpty {
                return notFound("pipeline '\(pipeline)' has no provenance chain")
            }
            // The text as stored, to hash; the entry parsed, to read.
            return jsonResponse(["entries": .array(links.map { link in
                ["sequence": .integer(link.sequence), "hash": .string(link.hash), "text": .string(link.text),
                 "entry": (try? JSONReader.parse(link.text)) ?? .null]
            })])
        }
    }

    func addDeadLetterRoutes(_ api: RouterGroup<BasicRequestContext>, _ deps: Dependencies) {
        api.get("dead-letters") { request, _ in
            let query = request.uri.queryParameters
            let status = query.get("status") ?? "pending"
            // A misspelt status would list nothing and look like "none" (the CLI refuses it too).
            guard DeadLetter.statusFilters.contains(status) else {
                return jsonResponse(["error": .string("unknown status '\(status)'; one of \(DeadLetter.statusFilters.joined(separator: ", "))")],
                                    status: .badRequest)
            }
            var limit = 50
            if let text = query.get("limit") {
                // A negative limit meant every letter to SQLite and an error to PostgreSQL.
                guard let number = Int(text), number > 0 else {
                    return jsonResponse(["error": .string("limit must be a positive number, got '\(text)'")], status: .badRequest)
                }
                limit = min(number, 1000)
            }
            let letters = try await deps.store.deadLetters(pipeline: query.get("pipeline"), status: status == "all" ? nil : status,
                                                           limit: limit, payloads: false)
            let readOnly = request.headers[BearerAuthMiddleware<BasicRequestContext>.tokenRole] != "write"
            return jsonResponse(["dead_letters": .array(letters.map { letter in
                var letter = letter
                if readOnly { letter.reason = BearerAuthMiddleware<BasicRequestContext>.redactingQuotes(letter.reason) }
                return Self.json(letter, payload: false)
            })])
        }
        api.get("dead-letters/:id") { _, context in
            guard let id = Int(try context.parameters.require("id")), let letter = try await deps.store.deadLetter(id: id) else {
                return notFound("no such dead letter")
            }
            return jsonResponse(Self.json(letter, payload: true))
        }
        // Discarding and reopening take the same body and answer alike: the ids changed, and the rest.
        for (route, done) in [("discard", "discarded"), ("reopen", "reopened")] {
            api.post("dead-letters/\(route)") { request, _ in
                let body = try await request.body.collect(upTo: 1 << 20)
                guard let input = try? JSONReader.parse([UInt8](buffer: body)), let items = input["ids"]?.arrayValue,
                      !items.isEmpty, items.allSatisfy({ $0.intValue != nil }) else {
                    return jsonResponse(["error": "expected a JSON body {\"ids\": [1, 2]}"], status: .badRequest)
                }
                var ids: [Int] = []
                for id in items.compactMap(\.intValue) where !ids.contains(id) { ids.append(id) }
                let changed = route == "discard" ? try await deps.store.discardDeadLetters(ids: ids)
                    : try await deps.store.reopenDeadLetters(ids: ids)
                return jsonResponse([done: .array(changed.map { .integer($0) }),
                                     "unchanged": .array(ids.filter { !changed.contains($0) }.map { .integer($0) })])
            }
        }
        api.post("dead-letters/replay") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            guard let input = try? JSONReader.parse([UInt8](buffer: body)), let pipeline = input["pipeline"]?.stringValue else {
                return jsonResponse(["error": "expected a JSON body {\"pipeline\": \"name\", \"ids\": [1, 2]}"], status: .badRequest)
            }
            let ids = input["ids"]?.arrayValue?.compactMap(\.intValue) ?? []
            do {
                let outcome = try await deps.replay(pipeline, ids)
                return jsonResponse(["run": .string(outcome.run.id), "delivered": .array(outcome.delivered.map { .integer($0) }),
                             "still_failing": .array(outcome.stillFailing.map { ["id": .integer($0.id), "reason": .string($0.reason)] }),
                             "source_rejects": .array(outcome.sourceRejects.map { .integer($0) }),
                             "passed_on_by_no_step": .array(outcome.passedOnByNoStep.map { .integer($0) })])
            } catch {
                return jsonResponse(["error": .string("\(error)")], status: .unprocessableContent)
            }
        }
    }

    func addConnectorRoutes(_ api: RouterGroup<BasicRequestContext>, _ deps: Dependencies) {
        api.get("connectors") { _, _ in
            jsonResponse(["connectors": .array(deps.registry().allSpecs.map { spec in
                ["name": .string(spec.name), "kind": .string(spec.kind.rawValue), "status": .string(spec.status.description),
                 "summary": .string(spec.summary)]
            })])
        }
        api.get("connectors/:kind/:name") { _, context in
            let kindText = try context.parameters.require("kind")
            let name = try context.parameters.require("name")
            guard let kind = ComponentKind(rawValue: kindText), let spec = deps.registry().spec(named: name, kind: kind) else {
                return notFound("no \(kindText) called '\(name)'")
            }
            return jsonResponse(["name": .string(spec.name), "kind": .string(kind.rawValue), "summary": .string(spec.summary),
                         "json_schema": spec.jsonSchema, "markdown": .string(spec.markdown)])
        }
    }

    static func json(_ run: RunRecord) -> Value { run.jsonValue }

    static func json(_ letter: DeadLetter, payload: Bool) -> Value {
        letter.jsonValue(payload: payload)
    }
}

/// A JSON response.
func jsonResponse(_ value: Value, status: HTTPResponse.Status = .ok) -> Response {
    var writer = JSONWriter()
    writer.write(value)
    writer.append(0x0A)
    return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                    body: .init(byteBuffer: writer.withBytes { ByteBuffer(bytes: $0) }))
}

func notFound(_ message: String) -> Response {
    jsonResponse(["error": .string(message)], status: .notFound)
}

/// Where each chain was last found intact, so the next check reads only what was added.
actor CheckedChains {
    private var prefixes: [String: (checked: ProvenanceAudit.Checked, fullAt: ContinuousClock.Instant)] = [:]
    /// Chains found at all, with the last prefix found intact: a chain that vanishes is reported.
    private var seen: [String: ProvenanceAudit.Checked] = [:]
    /// How long a full check's result lets later checks start from its prefix.
    static let fullCheckInterval = Duration.seconds(15 * 60)

    /// The prefix to start from, if a full check found the chain intact recently enough.
    func recent(_ pipeline: String) -> ProvenanceAudit.Checked? {
        guard let entry = prefixes[pipeline], ContinuousClock.now - entry.fullAt < Self.fullCheckInterval else { return nil }
        return entry.checked
    }

    /// Chains found before, with their last intact prefix.
    func all() -> [(String, ProvenanceAudit.Checked)] {
        seen.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// What a check that started from `start` (nil: a full check) found. A check that started
    /// from a prefix another request has replaced since does not overwrite it, and a problem
    /// found clears the prefix, so the next check is a full one.
    func record(_ pipeline: String, _ intact: ProvenanceAudit.Checked?, startedFrom start: ProvenanceAudit.Checked?) {
        if let start, prefixes[pipeline]?.checked != start { return }
        guard let intact else {
            prefixes[pipeline] = nil
            return
        }
        prefixes[pipeline] = (intact, start == nil ? .now : prefixes[pipeline]?.fullAt ?? .now)
        seen[pipeline] = intact
    }
}
