import Foundation
import HuiliuKit
import HuiliuCore

/// A manifest connector's `README.md`, generated from its manifest and mappings so it never
/// drifts from them (`huiliu connector spec NAME --format readme`).
public enum ConnectorReadme {
    /// The README's text.
    public static func markdown(_ manifest: ConnectorManifest) -> String {
        let spec = manifest.componentSpec
        var lines = ["# \(manifest.title ?? manifest.name)", "",
                     "<!-- Generated from connector.yaml by `huiliu connector spec \(manifest.name) --format readme`; edit the manifest, not this file. -->",
                     "", manifest.summary, ""]
        if !manifest.details.isEmpty { lines += [manifest.details, ""] }
        lines += ["Source kind `\(manifest.name)`, status \(manifest.status).", "", "## Streams", "",
                  "| stream | reads | maps into |", "|---|---|---|"]
        for stream in manifest.streams {
            let entity = stream.mapping.flatMap { mappingType(manifest.directory + "/mappings/\($0).yaml") }
            let into = stream.mapping.map { "`\(entity ?? "?")` by `mappings/\($0).yaml`" } ?? "raw records"
            var reads = stream.summaryLine
            if let mapping = stream.mapping { reads = reads.replacingOccurrences(of: ", mapped by `mappings/\(mapping).yaml`", with: "") }
            lines.append("| `\(stream.name)` | \(reads) | \(into) |")
        }
        lines += ["", "## Configuration", "", "| field | type | required | default | description |", "|---|---|---|---|---|"]
        for field in spec.fields {
            let type = field.isSecret ? "secret reference" : ComponentSpec.typeDescription(field.type)
            lines.append("| `\(field.name)` | \(type) | \(field.isRequired ? "yes" : "no") | \(field.defaultValue.map { "`\($0.jsonText)`" } ?? "") | \(field.description) |")
        }
        let stream = manifest.streams.first?.name ?? "stream"
        lines += ["", "## A pipeline", "", "```yaml", "version: 1", "name: \(manifest.name)-\(stream)", "source:"]
        lines += spec.exampleYAML.split(separator: "\n").map { "  " + $0 }
        lines += ["steps:", "  - validate", "sinks:", "  - sqlite: { path: data/huiliu.db }", "```", "",
                  "## Developing it", "", "```sh",
                  "huiliu connector check \(manifest.name) --config my-config.yaml     # connectivity and credentials",
                  "huiliu connector record \(manifest.name) --config my-config.yaml    # capture responses into fixtures/ (scrubbed)",
                  "huiliu connector test \(manifest.name)                              # replay fixtures/, compare with fixtures/expected/",
                  "```", ""]
        return lines.joined(separator: "\n")
    }

    /// The `type:` a mapping file declares.
    static func mappingType(_ path: String) -> String? {
        guard let node = try? YAMLDocument.load(path: path) else { return nil }
        return node["type"]?.scalarText
    }
}
