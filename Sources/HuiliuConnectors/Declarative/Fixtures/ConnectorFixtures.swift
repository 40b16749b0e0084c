import Foundation
public import HuiliuCore
public import HuiliuKit

/// A connector's recorded fixtures, as `huiliu connector record` writes them and
/// `huiliu connector test` replays them:
///
/// ```
/// fixtures/config.yaml            the source configuration, the recording's clock, volatile names
/// fixtures/http/<stream>.jsonl    request → response pairs, scrubbed
/// fixtures/files/…                input files of file streams
/// fixtures/expected/<stream>.jsonl  the normalized output (golden file)
/// ```
public struct ConnectorFixtures: Sendable {
    /// The `fixtures/` folder.
    public let directory: String
    /// The clock during recording (milliseconds since 1970), pinned during replay.
    public var now: Int64
    /// Lower-case names of headers and query parameters that carry credentials or vary per request.
    public var volatileNames: Set<String>
    /// The source configuration (`config:`), with `${env:HUILIU_REPLAY_URL}`, `${env:HUILIU_FIXTURES}`
    /// and `${secret:<field>}` standing for what differs between recording and replay.
    public var config: ConfigNode?
    /// The streams recorded.
    public var streams: [String]

    /// The fixtures of the connector in `connectorDirectory`, or `nil` when it has no `fixtures/config.yaml`.
    public static func load(connectorDirectory: String, display: String? = nil) throws -> ConnectorFixtures? {
        let directory = connectorDirectory + "/fixtures"
        let path = directory + "/config.yaml"
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let node = try YAMLDocument.load(path: path, displayPath: display.map { $0 + "/fixtures/config.yaml" })
        let now = node["now"]?.scalarText.flatMap { Int64($0) } ?? 0
        var volatile: Set<String> = []
        if case .sequence(let names, _)? = node["volatile"] { volatile = Set(names.compactMap(\.scalarText).map { $0.lowercased() }) }
        var streams: [String] = []
        if case .sequence(let names, _)? = node["streams"] { streams = names.compactMap(\.scalarText) }
        return ConnectorFixtures(directory: directory, now: now, volatileNames: volatile, config: node["config"], streams: streams)
    }

    /// The recorded exchanges of `stream` (none for file streams).
    public func exchanges(_ stream: String) throws -> [FixtureExchange] {
        let path = directory + "/http/\(stream).jsonl"
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var exchanges: [FixtureExchange] = []
        for (index, line) in data.split(separator: 0x0A).enumerated() where !line.isEmpty {
            guard let exchange = FixtureExchange(json: try JSONReader.parse([UInt8](line))) else {
                throw ManifestRuntimeError("fixtures/http/\(stream).jsonl:\(index + 1): not a recorded exchange")
            }
            exchanges.append(exchange)
        }
        return exchanges
    }

    /// The golden output of `stream`, line by line, or `nil` if there is none yet.
    public func expected(_ stream: String) -> [String]? {
        guard let data = FileManager.default.contents(atPath: directory + "/expected/\(stream).jsonl") else { return nil }
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    /// Writes `lines` as the golden output of `stream`.
    public func writeExpected(_ stream: String, _ lines: [String]) throws {
        try FileManager.default.createDirectory(atPath: directory + "/expected", withIntermediateDirectories: true)
        try (lines.joined(separator: "\n") + "\n").write(toFile: directory + "/expected/\(stream).jsonl", atomically: true, encoding: .utf8)
    }

    /// Writes recorded exchanges of `stream`.
    public static func writeExchanges(_ exchanges: [FixtureExchange], stream: String, directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory + "/http", withIntermediateDirectories: true)
        let text = exchanges.map { $0.json.jsonText }.joined(separator: "\n") + "\n"
        try text.write(toFile: directory + "/http/\(stream).jsonl", atomically: true, encoding: .utf8)
    }

    /// Writes `config.yaml`: values are JSON scalars, which YAML reads the same.
    public static func writeConfig(_ config: [(String, Value)], now: Int64, volatileNames: Set<String>, streams: [String],
                                   directory: String, note: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var lines = ["# \(note)", "# `huiliu connector test` replays these fixtures; `huiliu connector record` writes them.",
                     "now: \(now)",
                     "volatile: [\(volatileNames.sorted().map { Value.string($0).jsonText }.joined(separator: ", "))]",
                     "streams: [\(streams.map { Value.string($0).jsonText }.joined(separator: ", "))]",
                     "config:"]
        for (name, value) in config { lines.append("  \(name): \(value.jsonText)") }
        try (lines.joined(separator: "\n") + "\n").write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
    }
}
