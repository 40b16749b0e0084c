import ArgumentParser
import CoreMetrics
import Foundation
import HuiliuConnectors
import HuiliuCore
import HuiliuEngine
import HuiliuEnvironment
import HuiliuHJ212
import HuiliuIngest
import HuiliuKit
import HuiliuServer
import HuiliuStore
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization
import UnixSignals

extension Huiliu {
    /// `huiliu serve`: the 7×24 daemon.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the daemon: every enabled pipeline on its schedule, the listeners, the admin API and metrics.",
            discussion: """
                Pipelines come from config/huiliu.yaml's `pipelines` patterns and must all be valid to start. \
                SIGTERM or SIGINT: stop accepting, let runs stop at a batch boundary with their checkpoints \
                committed (within serve.grace_period), exit 0. SIGHUP or `huiliu reload`: re-read and lint the \
                pipeline files config/huiliu.yaml's `pipelines` patterns match now (a change to that file itself, the patterns \
                included, needs a restart) and apply them only if all are valid. The admin API listens on admin.address:port \
                (127.0.0.1:8470 by default) and needs a bearer token from admin.tokens.

                Examples:
                  huiliu serve
                  huiliu serve --port 0 --log-format json
                """)

        @OptionGroup var options: GlobalOptions

        @Option(help: "Admin API port (0 picks a free one); overrides admin.port.")
        var port: Int?

        @Option(help: "Log lines as json or text (default: text on a terminal, json otherwise).")
        var logFormat: String?

        func validate() throws {
            if let port, !(0...65_535).contains(port) { throw ValidationError("--port must be between 0 and 65535, got \(port)") }
            // A typo (`xml`, `JSON`) logged text where a collector waited for JSON lines.
            if let logFormat, !["json", "text"].contains(logFormat) {
                throw ValidationError("--log-format must be json or text, got '\(logFormat)'")
            }
        }

        func run() async throws {
            let gateway = try options.gateway()
            let configPath = options.config
            let json = logFormat.map { $0 == "json" } ?? !isTerminal(2)
            // A daemon logs its runs at info unless told otherwise.
            let level = options.logLevel ?? .info
            LoggingSystem.bootstrap { label in
                var handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
            let prometheus = PrometheusCollectorRegistry()
            var metrics = PrometheusMetricsFactory(registry: prometheus)
            // Runs last seconds to hours (the default buckets stop at 10 s): each bucket 4× the last.
            metrics.durationHistogramBuckets["huiliu_run_duration_seconds"] =
                [1, 4, 15, 60, 240, 900, 3600, 4 * 3600, 16 * 3600].map { Duration.seconds($0) }
            MetricsSystem.bootstrap(metrics)
            let logger = { var logger = Logger(label: "huiliu"); logger.logLevel = level; return logger }()

            let connectors = CurrentConnectors(try builtInRegistry(gateway))
            let services = try gatewayServices(gateway)
            let pipelines: [PipelineDefinition]
            switch loadAll(PipelineLookup(gateway: gateway, registry: connectors.registry), services: services) {
            case .success(let loaded): pipelines = loaded
            case .failure(let problems):
                for problem in problems.errors { printError(problem.description) }
                printError("not starting: fix the pipeline files first (huiliu lint)")
                throw ExitCode(2)
            }
            if gateway.adminTokens.isEmpty {
                logger.warning("admin.tokens is empty: every admin API request except /healthz and /readyz will be refused")
            }
            // One daemon per project: a second would run every schedule twice and take over
            // data/daemon.json, which the commands use to find the daemon.
            guard let daemonLock = try FileLock(path: gateway.dataDirectory + "/daemon.lock") else {
                printError("another huiliu serve is running for this project (see \(gateway.dataDirectory)/daemon.json)")
                throw ExitCode(2)
            }
            defer { withExtendedLifetime(daemonLock) {} }
            let store = try gateway.openStateStoreOrExit()
            // Runs left 'running' by a crash of this daemon or of a `huiliu run`: those whose
            // pipeline's lock is free. A run of another process (or gateway) still holds its lock.
            _ = try await StaleRuns.mark(store: store, gateway: gateway)
            // Listeners named in config/huiliu.yaml: HJ 212 devices, and the push endpoint.
            var listeners: [HJ212ListenerService] = []
            var pushEndpoint: IngestListener?
            var listenerNames: [String] = [], pushName = ""
            let sections = ListenerSections.read(gateway)
            guard sections.problems.isEmpty else {
                for problem in ConfigErrors(sections.problems).errors { printError(problem.description) }
                throw ExitCode(2)
            }
            for section in sections.settings {
                do {
                    switch section {
                    case .hj212(let settings):
                        listeners.append(try HJ212ListenerService(settings: settings, resolver: ReferenceResolver(secrets: gateway.secrets),
                                                                  logger: logger))
                        listenerNames.append("HJ 212 listener \(settings.host):\(settings.port)")
                    case .webhook(let settings):
                        pushEndpoint = try IngestListener(settings: settings, logger: logger)
                        pushName = "push endpoint \(settings.host):\(settings.port)"
                    }
                } catch {
                    printError("\(error)")
                    throw ExitCode(2)
                }
            }
            let running = listeners, push = pushEndpoint
            let daemon = Daemon(
                pipelines: pipelines, store: store, defaultZone: TimeZone(named: gateway.timezone) ?? .current,
                logger: logger,
                loadPipelines: {
                    // The station registry too: a station added, or a password changed (a leaked
                    // one revoked), holds without a restart. Read first: one with problems refuses
                    // the reload before the connectors' manifests are swapped in.
                    var registries: [(HJ212Listener, StationRegistry)] = []
                    // With the secrets file read again: a device password kept there (as the shipped
                    // registry does) is rotated by editing it.
                    let secrets = (try? GatewayConfig.load(path: configPath))?.secrets ?? gateway.secrets
                    for listener in running {
                        do throws(ConfigErrors) {
                            registries.append((listener.listener, try listener.listener.readStations(resolver: ReferenceResolver(secrets: secrets))))
                        } catch {
                            return .failure(error)
                        }
                    }
                    let loaded = connectors.reload(gateway, services: services)
                    if case .success = loaded { for (listener, stations) in registries { listener.use(stations) } }
                    return loaded
                },
                makeRunner: { PipelineRunner(definition: $0, registry: connectors.registry, store: store, gateway: gateway,
                                             logger: logger, services: services) })
            let storeSize = Gauge(label: "huiliu_store_size_bytes")
            // Each pipeline's last success from before the restart: the series a staleness alert
            // (`time() - huiliu_last_success_timestamp_seconds > …`) reads would otherwise be
            // absent, and absent series never fire, until the pipeline next succeeds.
            for definition in pipelines {
                if let last = try? await store.runs(pipeline: definition.name, status: .succeeded, limit: 1).first,
                   let finished = last.finishedAt.flatMap(Timestamp.parse) {
                    Gauge(label: "huiliu_last_success_timestamp_seconds", dimensions: [("pipeline", definition.name)])
                        .record(finished.timeIntervalSince1970)
                }
            }
            // Pending dead letters by pipeline, 0 for those that had some and have none now.
            let lettered = Mutex<Set<String>>([])
            var dependencies = AdminAPI.Dependencies(
                daemon: daemon, store: store, registry: { connectors.registry }, tokens: gateway.adminTokens,
                replay: { pipeline, ids in
                    let registry = connectors.registry
                    guard let definition = PipelineLookup(gateway: gateway, registry: registry).all().first(where: { $0.name == pipeline }) else {
                        throw RunError("no pipeline '\(pipeline)'")
                    }
                    let runner = PipelineRunner(definition: definition, registry: registry, store: store, gateway: gateway,
                                                logger: logger, services: services)
                    return try await DeadLetterReplayer(runner: runner).replay(ids: ids)
                },
                metrics: {
                    if let size = try? await store.sizeInBytes() { storeSize.record(size) }
                    if let counts = try? await store.pendingDeadLetterCounts() {
                        let names = lettered.withLock { $0.formUnion(counts.keys); return $0 }
                        for name in names {
                            Gauge(label: "huiliu_dead_letters_pending", dimensions: [("pipeline", name)]).record(counts[name] ?? 0)
                        }
                    }
                    return MetricHelp.annotate(prometheus.emitToString())
                },
                // A full disk reads as ready otherwise: the store still answers reads while no run
                // can start or be recorded.
                readiness: { [("disk", FreeSpace.hasRoom(at: gateway.dataDirectory))] + running.map { ("hj212", $0.readiness().isReady) }
                    + (push.map { [("webhook", $0.isReady)] } ?? []) })
            dependencies.isLocked = { name in (try? await PipelineLock.held([name], gateway: gateway).contains(name)) ?? false }
            let api = AdminAPI(dependencies)
            let address = gateway.adminAddress
            let daemonFile = gateway.dataDirectory + "/daemon.json"
            let app = Application(
                router: api.router(),
                // A connection left open and silent is closed: held by the thousand, they took every
                // descriptor the daemon had, and its runs could not open their lock files.
                server: .http1(configuration: .init(additionalChannelHandlers: [HeaderDeadline()], idleTimeout: .seconds(60))),
                // And however busy they keep them, past 256 the next waits for one to close; one
                // whose headers take more than 30 seconds is closed (HeaderDeadline).
                configuration: .init(address: .hostname(address, port: port ?? gateway.adminPort), serverName: "huiliu",
                                     availableConnectionsDelegate: .maximum(OpenFileLimit.usableConnections(256), logger: logger)),
                onServerRunning: { channel in
                    let bound = channel.localAddress?.port ?? 0
                    let info: Value = ["pid": .integer(Int(getpid())), "address": .string(address), "port": .integer(bound),
                                       "started_at": .string(Timestamp.now())]
                    try? FileManager.default.createDirectory(atPath: gateway.dataDirectory, withIntermediateDirectories: true)
                    try? info.jsonText.write(toFile: daemonFile, atomically: true, encoding: .utf8)
                    logger.notice("admin API listening on \(address):\(bound)", metadata: ["pipelines": "\(pipelines.count)"])
                },
                logger: logger)
            // Shutdown runs in reverse: the API stops first, then the listeners flush and
            // acknowledge, then runs stop at a batch boundary.
            var groupServices: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: NamedService(name: "scheduler", service: SchedulerService(daemon: daemon)))]
            groupServices += zip(listeners, listenerNames).map { .init(service: NamedService(name: $1, service: $0),
                                                                   successTerminationBehavior: .gracefullyShutdownGroup,
                                                                   failureTerminationBehavior: .gracefullyShutdownGroup) }
            if let push { groupServices.append(.init(service: NamedService(name: pushName, service: push), failureTerminationBehavior: .gracefullyShutdownGroup)) }
            groupServices.append(.init(service: NamedService(name: "run history", service: RunHistoryService(store: store, gateway: gateway, logger: logger))))
            var configuration = ServiceGroupConfiguration(
                services: groupServices
                    + [.init(service: NamedService(name: "reload on SIGHUP", service: ReloadOnHangupService(daemon: daemon, logger: logger))),
                       .init(service: NamedService(name: "admin API \(address):\(port ?? gateway.adminPort)", service: app))],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger)
            configuration.maximumGracefulShutdownDuration = gateway.gracePeriod
            // Gone with the daemon however it stops: left behind, it named a daemon not running.
            defer { try? FileManager.default.removeItem(atPath: daemonFile) }
            do {
                try await ServiceGroup(configuration: configuration).run()
            } catch {
                // A service that could not start (the admin port taken) or failed: say so and
                // exit, after the others stopped.
                printError("huiliu serve stopped: \(error)")
                throw ExitCode(2)
            }
            logger.notice("stopped")
        }
    }
}

/// The connectors the daemon runs pipelines with: the built-ins and the manifests of
/// `connectors/`, read again on reload so that a new or changed manifest needs no restart.
final class CurrentConnectors: Sendable {
    private let current: Mutex<ConnectorRegistry>

    init(_ registry: ConnectorRegistry) {
        current = Mutex(registry)
    }

    /// The registry in use.
    var registry: ConnectorRegistry { current.withLock { $0 } }

    /// Reads the manifests and pipeline files again; the new connectors take over only if
    /// every pipeline loads with them, as the pipelines do.
    func reload(_ gateway: GatewayConfig, services: ServiceValues) -> Result<[PipelineDefinition], ConfigErrors> {
        let registry: ConnectorRegistry
        do {
            registry = try builtInRegistry(gateway)
        } catch {
            return .failure(ConfigErrors([ConfigError(.invalidValue, at: SourceLocation(file: "connectors", line: 1, column: 1), "\(error)")]))
        }
        let loaded = loadAll(PipelineLookup(gateway: gateway, registry: registry), services: services)
        if case .success = loaded { current.withLock { $0 = registry } }
        return loaded
    }
}

/// Loads every pipeline file, or every problem in them: what `huiliu lint` finds, including
/// the components' own checks (a mapping or schema that does not exist).
func loadAll(_ lookup: PipelineLookup, services: ServiceValues) -> Result<[PipelineDefinition], ConfigErrors> {
    var pipelines: [PipelineDefinition] = []
    var problems: [ConfigError] = []
    var names: Set<String> = []
    for file in lookup.gateway.pipelineFiles() {
        switch lookup.loader.load(path: file) {
        case .pipeline(let definition):
            if !names.insert(definition.name).inserted {
                problems.append(ConfigError(.invalidValue, at: SourceLocation(file: file, line: 1, column: 1),
                                            "pipeline name '\(definition.name)' is used twice"))
            }
            let context = definition.context(gateway: lookup.gateway, logger: Logger(label: "load") { _ in SwiftLogNoOpLogHandler() },
                                             services: services)
            problems += lookup.loader.checkComponents(definition, context: context)
            pipelines.append(definition)
        case .problems(let found):
            // As lint: the components' own checks too, not only once the file's other problems are fixed.
            problems += found + lookup.loader.componentProblems(path: file, context: lookup.checkContext("reload", services: services))
        case .unreadable(let message):
            problems.append(ConfigError(.invalidValue, at: SourceLocation(file: file, line: 1, column: 1), message))
        }
    }
    // The problems go to the daemon's log and the admin API's answer: a secret filled into a
    // value they quote (a rule's name) is scrubbed, as everything the command line prints is.
    for index in problems.indices { problems[index].message = lookup.gateway.secrets.scrub(problems[index].message) }
    return problems.isEmpty ? .success(pipelines) : .failure(ConfigErrors(problems))
}
