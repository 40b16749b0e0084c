import ArgumentParser
import Foundation
import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import HuiliuEngine
import HuiliuReplay
import HuiliuTransport

extension ConnectorCommand {
    /// `huiliu connector record NAME --config F [--stream S]`.
    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Capture a connector's live responses into fixtures/, scrubbed, and write the golden output.",
            discussion: """
                Reads each stream through the connector against the live system and writes \
                fixtures/http/<stream>.jsonl (request → response pairs), fixtures/config.yaml (the configuration \
                with the system's URL and secrets replaced by references), fixtures/expected/<stream>.jsonl (what \
                replaying them yields) and README.md. Credentials, signatures, timestamps and nonces are scrubbed; \
                every secret the connector's configuration holds is replaced wherever it appears (other secrets of the \
                gateway's store are not looked for: short ones, such as device passwords, occur in ordinary data). \
                File streams copy their files into fixtures/files/.

                Example:
                  huiliu simulate --payments 120 &
                  huiliu connector record budget-network --config budget.yaml
                """)

        @OptionGroup var options: ConnectorOptions

        @Argument(help: "Connector name (a folder in connectors/).")
        var name: String

        @Option(help: "The connector's configuration file (the fields a pipeline sets under its kind).")
        var config: String

        @Option(help: "Record only these streams (default: every stream).")
        var stream: [String] = []

        func run() async throws {
            let workspace = try ConnectorWorkspace(options)
            let manifest = try workspace.manifest(name)
            let fixtures = manifest.directory + "/fixtures"
            let streams = stream.isEmpty ? manifest.streams.map(\.name) : stream
            // Recording some streams keeps the others' fixtures: they replay with the clock and
            // volatile names they were recorded with, and stay in the list `connector test` runs.
            let kept = stream.isEmpty ? nil : try ConnectorFixtures.load(connectorDirectory: manifest.directory, display: "connectors/\(name)")
            // One clock for the whole recording, pinned again during replay.
            let now = kept?.now ?? ConnectorContext.systemClock()
            // Only the secrets this connector is given and the credentials it renders: the
            // gateway holds others (six-digit device passwords) that occur in ordinary data.
            var secrets: Set<String> = []
            var volatile: Set<String> = kept?.volatileNames ?? []
            var origin: String?
            var recorded: [String] = []
            var configValues: [(String, Value)] = []
            var fileLocation: String?
            for streamName in streams {
                let parsed = try workspace.readConfig(config, manifest: manifest, stream: streamName)
                secrets.formUnion(parsed.secretValues)
                if configValues.isEmpty {
                    configValues = manifest.fields.compactMap { field in
                        if let secret = parsed.secrets[field.name] {
                            secrets.insert(secret.value)
                            return (field.name, .string(secret.value))
                        }
                        return parsed[field.name].map { (field.name, $0) }
                    }
                }
                let log = ExchangeLog()
                var services = workspace.services
                services[ExchangeLog.self] = log
                let source = try DeclarativeSource(manifest: manifest, config: parsed, context: workspace.context(services: services, clock: { now }))
                if source.stream.readsFiles {
                    let names = try await source.copyFiles(into: fixtures + "/files")
                    fileLocation = source.fileLocation
                    print("\(name)/\(streamName): copied \(names.count) file\(names.count == 1 ? "" : "s") into fixtures/files/")
                    recorded.append(streamName)
                    continue
                }
                var reader = try await source.reader(after: nil)
                var records = 0
                do {
                    while let batch = try await reader.next() { records += batch.records.count + batch.rejects.count }
                } catch {
                    await reader.close()
                    printError("\(name)/\(streamName): \(error)")
                    throw ExitCode(1)
                }
                await reader.close()
                secrets.formUnion(log.secretValues)
                volatile.formUnion(log.volatileNames)
                let exchanges = log.exchanges
                if origin == nil, let url = exchanges.first?.request.url { origin = Self.origin(of: url) }
                let scrubber = FixtureScrubber(secrets: secrets, volatileNames: volatile, origin: origin)
                // A response encrypted under the real key is kept encrypted under the replay's, so
                // `connector test` decrypts it without the real key.
                let replaySecrets = Dictionary(manifest.fields.filter(\.isSecret).map { ($0.name, manifest.replaySecret($0.name)) },
                                               uniquingKeysWith: { $1 })
                let stored = try exchanges.map { exchange in
                    scrubber.exchange(stream: streamName, method: exchange.request.method.rawValue, url: exchange.request.url,
                                      headers: exchange.request.headers.map { ($0.name, $0.value) }, body: exchange.request.body ?? [],
                                      status: exchange.response.status,
                                      responseHeaders: exchange.response.headers.map { ($0.name, $0.value) },
                                      responseBody: try source.reencrypted(exchange.response.body, replaySecrets: replaySecrets,
                                                                            scrubbing: scrubber.scrub))
                }
                try ConnectorFixtures.writeExchanges(stored, stream: streamName, directory: fixtures)
                print("\(name)/\(streamName): recorded \(stored.count) exchange\(stored.count == 1 ? "" : "s"), \(records) records")
                if records == 0 {
                    // A recording of nothing replaces one that had records without complaint, and
                    // `connector test` then checks only that nothing comes.
                    printError("warning: \(name)/\(streamName) gave no records, so its fixtures now test an empty answer: check the configuration (a period, a fiscal year) against what the upstream holds")
                }
                recorded.append(streamName)
            }
            let replayConfig = configValues.map { name, value -> (String, Value) in
                guard let text = value.stringValue else { return (name, value) }
                if manifest.fields.first(where: { $0.name == name })?.isSecret == true || secrets.contains(where: { !$0.isEmpty && text.contains($0) }) {
                    return (name, .string("${secret:\(name)}"))
                }
                if let origin, text.hasPrefix(origin) { return (name, .string("${env:HUILIU_REPLAY_URL}" + text.dropFirst(origin.count))) }
                if let fileLocation, text == fileLocation || text.hasSuffix("/" + fileLocation) || fileLocation.hasSuffix(text) {
                    return (name, .string("${env:HUILIU_FIXTURES}/files"))
                }
                return (name, value)
            }
            let listed = manifest.streams.map(\.name).filter { recorded.contains($0) || kept?.streams.contains($0) == true }
            try ConnectorFixtures.writeConfig(replayConfig, now: now, volatileNames: volatile, streams: listed, directory: fixtures,
                                              note: "Recorded from \(origin.map { URLRedactor.redact($0) } ?? "local files") by `huiliu connector record \(name)`.")
            // The replay writes the golden files; if it cannot reproduce the recording, the fixtures
            // are no test at all, and saying "wrote" would hide that.
            let replayed = try await Test.replay(workspace, manifest: manifest, update: true, streams: recorded)
            try ConnectorReadme.markdown(manifest).write(toFile: manifest.directory + "/README.md", atomically: true, encoding: .utf8)
            guard replayed else {
                printError("\(name): the recording does not replay (see above); the fixtures in connectors/\(name)/fixtures/ are incomplete")
                throw ExitCode(1)
            }
            print("wrote connectors/\(name)/fixtures/ and README.md; `huiliu connector test \(name)` replays them")
        }

        /// `scheme://host:port` of a URL.
        static func origin(of url: String) -> String? {
            guard let scheme = url.range(of: "://") else { return nil }
            let rest = url[scheme.upperBound...]
            return String(url[..<(rest.firstIndex(of: "/") ?? rest.endIndex)])
        }
    }
}
