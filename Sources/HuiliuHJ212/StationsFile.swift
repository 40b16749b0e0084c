public import HuiliuEnvironment
public import HuiliuKit
import HuiliuCore

/// Reads the per-device registry (`config/hj212/stations.yaml`): which `MN`s may deliver,
/// with what password, and what the gateway knows about each station.
///
/// ```yaml
/// stations:
///   - mn: 42110200SW0001
///     name: 长江武汉关断面
///     agency: 生态环境
///     region: "421102"
///     edition: "2017"
///     password: ${secret:hj212/42110200SW0001}
///     water_body: river
/// ```
///
/// Every entry is checked against ``fields`` like any other configuration, so a typo in a
/// key or an unresolvable `${secret:…}` is reported at `file:line:column`.
public enum StationsFile {
    /// The keys of one station entry.
    public static let fields: [FieldSpec] = [
        FieldSpec("mn", .string, "The device id (`MN`) the station's frames carry.", example: "42110200SW0001"),
        FieldSpec("name", .string, "The station's name.", example: "长江武汉关断面", optional: true),
        FieldSpec("agency", .string, "The unit that runs it, named as other systems name it (its measurements' `agency` and their envelopes' `owner`).", example: "黄冈市生态环境局", optional: true),
        FieldSpec("region", .string, "Its GB/T 2260 region code.", example: "421102", optional: true),
        FieldSpec("edition", .oneOf(["2005", "2017", "2025"]), "The HJ 212 edition its frames should follow.",
                  example: "2017", optional: true),
        FieldSpec("password", .string,
                  "The `PW` its frames must carry; a `${secret:…}` reference is recommended. Absent: any password.",
                  example: "${secret:hj212/42110200SW0001}", optional: true),
        FieldSpec("units", .map(.string), "Units that differ from the code table, by parameter code.",
                  example: ["a21026": "mg/m³"], optional: true),
        FieldSpec("water_body", .oneOf(["river", "lake_reservoir"]),
                  "For surface-water sections: river or lake/reservoir (decides the GB 3838 phosphorus limits).",
                  example: "river", optional: true),
    ]

    /// Loads and validates the file at `path`.
    /// - Parameters:
    ///   - path: the YAML file.
    ///   - resolver: expands `${secret:…}` and `${env:…}` in the entries.
    /// - Throws: ``ConfigErrors`` with every problem found, each at its place in the file.
    public static func load(path: String, resolver: ReferenceResolver = ReferenceResolver()) throws(ConfigErrors) -> StationRegistry {
        let node: ConfigNode, repeats: [ConfigError]
        do {
            (node, repeats) = try YAMLDocument.loadPastRepeats(path: path)
        } catch {
            if case .unreadable = error {
                throw ConfigErrors([ConfigError(.invalidValue, at: SourceLocation(file: path, line: 1, column: 1), error.description)])
            }
            throw ConfigErrors(error.problems)
        }
        // The rest of the file's problems with the repeats, in one report.
        let registry: StationRegistry
        do throws(ConfigErrors) { registry = try read(node, resolver: resolver, baseDirectory: directory(of: path)) } catch {
            throw ConfigErrors(repeats + error.errors)
        }
        guard repeats.isEmpty else { throw ConfigErrors(repeats) }
        return registry
    }

    /// Validates a parsed document: a mapping with a `stations` list.
    public static func read(_ node: ConfigNode, resolver: ReferenceResolver = ReferenceResolver(),
                            baseDirectory: String = "") throws(ConfigErrors) -> StationRegistry {
        var validator = ConfigValidator(registry: ConnectorRegistry(), resolver: resolver, baseDirectory: baseDirectory)
        let top = validator.readFields(node, fields: [
            FieldSpec("stations", .list(.object(fields)), "The stations, one entry per `MN`."),
        ], owner: "the stations file")
        var entries: [Value] = []
        if case .array(let items)? = top.values["stations"] { entries = items }
        var seen: [String: Int] = [:]
        for (index, entry) in entries.enumerated() {
            guard case .string(let mn)? = entry["mn"] else { continue }
            if let first = seen[mn] {
                validator.report(ConfigError(.invalidValue, at: stationLocation(node, index),
                                             "station '\(mn)' is listed twice (first as entry \(first + 1))"))
            }
            seen[mn] = index
        }
        guard validator.problems.isEmpty else { throw ConfigErrors(validator.problems) }
        do {
            return try StationRegistry(.object(["stations": .array(entries)]))
        } catch {
            throw ConfigErrors([ConfigError(.invalidValue, at: node.location, error.description)])
        }
    }

    private static func stationLocation(_ node: ConfigNode, _ index: Int) -> SourceLocation {
        if case .sequence(let items, _)? = node["stations"], index < items.count { return items[index].location }
        return node.location
    }

    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }
}
