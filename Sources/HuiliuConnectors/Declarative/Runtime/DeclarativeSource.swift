import Foundation
public import HuiliuCore
import HuiliuExpression
public import HuiliuKit
import HuiliuTransport
import Logging

/// A source run from a connector manifest: one stream of it, configured by the pipeline.
///
/// Records leave already mapped into the common schema when the stream names a mapping
/// (the raw record stays as `original`, for dead letters and replay) — or raw, with the mapping
/// as a step for the runner to run (``deferringSteps()``); `mapping: none` passes them on raw,
/// typed `<connector>.<stream>.raw.v1`.
public struct DeclarativeSource: BackfillableSource, StagedSource, ConnectionCheckable {
    /// A placeholder: manifest sources are registered with their own specs (``ConnectorManifest/componentSpec``).
    public static let spec = ComponentSpec(name: "manifest", kind: .source, summary: "A connector declared in a manifest.", fields: [])

    /// The manifest.
    public let manifest: ConnectorManifest
    /// The stream this source reads.
    public let stream: ManifestStream
    let config: Value
    let secretValues: [String]
    let context: ConnectorContext
    var assembler: RecordAssembler
    /// The backfill range as cursor numbers, checked when the source is built; `nil` without one.
    let backfillBounds: (from: Int, to: Int)?

    /// Manifest sources are built with their manifest; see ``init(manifest:config:context:)``.
    public init(config: ParsedConfig, context: ConnectorContext) throws {
        throw ConfigError(.invalidValue, at: config.location, "a manifest source is built from its connector.yaml")
    }

    /// The source for the stream `config` names.
    public init(manifest: ConnectorManifest, config parsed: ParsedConfig, context: ConnectorContext) throws {
        self.manifest = manifest
        self.context = context
        let name = parsed["stream"]?.stringValue ?? manifest.streams.first?.name ?? ""
        guard let stream = manifest.stream(name) else {
            throw parsed.error("stream", "\(manifest.name) has no stream '\(name)'")
        }
        self.stream = stream
        var object = Object(minimumCapacity: manifest.fields.count)
        var secrets: [String] = []
        for field in manifest.fields {
            if let secret = parsed.secrets[field.name] {
                object[field.name] = .string(secret.value)
                secrets.append(secret.value)
            } else {
                object[field.name] = parsed[field.name] ?? field.defaultValue ?? .null
            }
        }
        config = .object(object)
        // Secrets filled into fields the manifest does not type as secret (a `base_url` holding
        // a key) are hidden from logs and errors as well.
        secretValues = secrets + parsed.secretValues.filter { !secrets.contains($0) }.sorted()
        var mapStep: MapStep?
        var mappingName = stream.mapping ?? "none"
        let override = parsed["mapping"]?.stringValue
        if override != "none", let reference = override ?? stream.mapping.map({ manifest.directory + "/mappings/\($0).yaml" }) {
            var mappingConfig = ParsedConfig(location: parsed.location(of: "mapping"), baseDirectory: context.projectDirectory)
            mappingConfig.values["mapping"] = .string(reference)
            mapStep = try MapStep(config: mappingConfig, context: context)
            mappingName = override ?? mappingName
        }
        let keyPaths = stream.primaryKey.map { $0.split(separator: ".", omittingEmptySubsequences: false).map(String.init) }
        assembler = RecordAssembler(keyPaths: keyPaths, rawType: "\(manifest.name).\(stream.name).raw.v1", mapping: mapStep,
                                    mappingName: mappingName)
        if let range = context.backfill {
            guard let incremental = stream.incremental else {
                throw parsed.error("stream", "stream '\(name)' of \(manifest.name) has no incremental cursor, so it cannot be backfilled")
            }
            // Bounds that are not cursor values (2024-02-30, a word), or that hold nothing between
            // them, are refused before a run starts.
            let cursor = CursorMath(definition: incremental)
            func number(_ side: String, _ bound: String) throws -> Int {
                do {
                    return try cursor.number(Value.string(bound))
                } catch let error as ManifestRuntimeError {
                    throw ManifestRuntimeError("backfill \(side) '\(bound)' is not a value of the \(name) cursor: \(error.message)")
                }
            }
            let from = try number("from", range.from), to = try number("to", range.to)
            guard from < to else {
                throw ManifestRuntimeError("backfill \(range) holds nothing: its start is not before its end (which is exclusive)")
            }
            backfillBounds = (from, to)
        } else {
            backfillBounds = nil
        }
    }

    /// The stream's mapping as a step of its own, and this source yielding the raw records.
    public func deferringSteps() throws -> (source: any SourceConnector, steps: [(label: String, step: any StepConnector)]) {
        guard let mapping = assembler.mapping else { return (self, []) }
        var raw = self
        raw.assembler.mapping = nil
        return (raw, [("mapping \(assembler.mappingName)", mapping)])
    }

    /// `config`, `stream` and `now`: what every template sees.
    var baseContext: Object {
        let now = (try? TimeText.format(Int(context.clock() / 1000))) ?? ""
        return ["config": config, "stream": ["name": .string(stream.name)], "now": .string(now), "partition": .null, "slice": .null]
    }

    public func reader(after checkpoint: Checkpoint?) async throws -> any BatchReader {
        switch stream.kind {
        case .http(let http):
            let runtime = try makeRuntime(http)
            return HTTPStreamReader(runtime: runtime, assembler: assembler, base: baseContext, plan: try plan(checkpoint, http: http))
        case .files(let files):
            return try FileStreamReader(source: self, definition: files, checkpoint: checkpoint)
        }
    }

    /// How this source's traffic leaves the gateway: its `http.proxy`.
    var proxy: Proxy { Proxy(context.services[OutboundProxy.self] ?? .direct) }

    /// Where a file stream's files are, rendered against this source's configuration.
    func fileLocation(_ files: FileStreamDefinition) throws -> FileLocation {
        try FileLocation(files, context: .object(baseContext), projectDirectory: context.projectDirectory, proxy: proxy,
                         secrets: secretValues + SecretStore.filledInValues)
    }

    func makeRuntime(_ http: HTTPStreamDefinition) throws -> HTTPStreamRuntime {
        let context = Value.object(baseContext)
        let log = self.context.services[ExchangeLog.self]
        // Signatures always carry the real time: the context clock may be pinned (fixture replay), a gateway's window is not.
        let builder = RequestBuilder(definition: http.request, proxy: proxy, secrets: secretValues + SecretStore.filledInValues,
                                     projectDirectory: self.context.projectDirectory)
        let authenticator = try Authenticator(http.auth, context: context, client: DeclarativeRuntime.client, proxy: proxy,
                                              tls: try builder.tls(context), clock: RequestSigner.systemMilliseconds)
        log?.noteSensitive(values: secretValues + authenticator.secretValues, names: authenticator.volatileNames)
        var upstream = UpstreamClient(connector: manifest.name, stream: stream.name, client: DeclarativeRuntime.client,
                                      authenticator: authenticator, policy: http.errors, format: http.response.format,
                                      rateLimit: http.rateLimit, circuitBreaker: http.circuitBreaker, logger: self.context.logger,
                                      exchanges: log)
        upstream.secrets = (secretValues + authenticator.secretValues).filter { $0.count >= 3 }
        upstream.waits = self.context.services[RecordedTime.self] == nil
        var pageSize: Int?
        if let size = http.pagination.size {
            let value = try size.render(context)
            pageSize = value.intValue ?? value.stringValue.flatMap { Int($0) }
            guard let pageSize, pageSize > 0 else {
                throw ManifestRuntimeError("\(manifest.name)/\(stream.name): paginate.size gave \(value.jsonText), not a positive number")
            }
        }
        return HTTPStreamRuntime(stream: stream, http: http, builder: builder,
                                 decoder: try ResponseDecoder(http.response, context: context), upstream: upstream,
                                 cursor: stream.incremental.map(CursorMath.init), pageSize: pageSize)
    }

    /// Partitions, cursor bounds and the saved state, resolved for this run.
    func plan(_ checkpoint: Checkpoint?, http: HTTPStreamDefinition?) throws -> StreamPlan {
        let context = Value.object(baseContext)
        var partitions: [(String, Value)] = [(PartitionedCheckpoint.wholeStream, .null)]
        if let template = stream.partitions {
            let values = try template.render(context)
            guard case .array(let items) = values else {
                throw ManifestRuntimeError("\(manifest.name)/\(stream.name): partitions gave \(values.typeName), not a list")
            }
            partitions = items.map { (StreamPlan.key($0), $0) }
        }
        let cursor = stream.incremental.map(CursorMath.init)
        var start: Value = .null, end: Value?
        if let incremental = stream.incremental {
            start = try incremental.start.render(context)
            end = try incremental.end?.render(context)
        }
        let state = PartitionedCheckpoint(checkpoint, stream: stream.name) ?? PartitionedCheckpoint(stream: stream.name)
        let first = http.map { PageState.first($0.pagination) } ?? PageState(index: 0, number: 1, offset: 0, token: nil, url: nil)
        var plan = StreamPlan(stream: stream.name, partitions: partitions, cursor: cursor, start: start, end: end,
                              now: Int(self.context.clock() / 1000), backfill: backfillBounds, original: checkpoint, initialState: state,
                              firstPage: first)
        plan.positionalPaging = http?.pagination.isPredictable ?? false
        return plan
    }

    public func checkConnection() async -> ConnectionReport {
        await ConnectionChecker(source: self).run()
    }
}

/// What manifest sources share in a process.
enum DeclarativeRuntime {
    /// One HTTP client, so kept-alive connections are reused across pages, streams and runs.
    static let client = HTTPClient()
}
