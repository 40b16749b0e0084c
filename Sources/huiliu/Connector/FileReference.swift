import HuiliuCore
import HuiliuEngine
import HuiliuHJ212
import HuiliuIngest
import HuiliuKit

/// References of the two files that are not components: a pipeline file and
/// config/huiliu.yaml, generated from the field specs lint reads them with.
enum FileReference {
    static let names = ["pipeline", "gateway"]

    static func markdown(_ name: String) -> String {
        var lines: [String] = []
        func section(_ title: String, _ fields: [FieldSpec]) {
            lines += ["## \(title)", "", "| field | type | default | description |", "|---|---|---|---|"]
            for field in fields {
                let type = field.isSecret ? "secret reference" : ComponentSpec.typeDescription(field.type)
                let value = field.defaultValue.map { "`\($0.jsonText)`" } ?? (field.isRequired ? "required" : "")
                lines.append("| `\(field.name)` | \(type) | \(value) | \(field.description) |")
            }
            lines.append("")
            for field in fields {
                switch field.type {
                case .object(let inner): section("\(title == "Top level" ? "" : title + ".")\(field.name)", inner)
                case .list(.object(let inner)): section("\(title == "Top level" ? "" : title + ".")\(field.name)[]", inner)
                default: break
                }
            }
        }
        if name == "pipeline" {
            lines += ["# Pipeline file (pipelines/*.yaml, version 1)", "",
                      "Components are `kind: {options}`: `huiliu connector list` names them, `huiliu connector spec KIND` describes each. "
                      + "Durations are written with a unit (`30s`, `15m`, `2h`, `1d`); a bare number is seconds.", ""]
            section("Top level", PipelineSchema.fields)
        } else {
            lines += ["# Gateway configuration (config/huiliu.yaml, version 1)", "",
                      "Paths are relative to the project root. Values may be `${env:NAME}`, `${file:path}` or `${secret:name}` references.", ""]
            section("Top level", GatewayConfig.fields)
            section("listeners.hj212", HJ212ListenerSettings.fields)
            section("listeners.webhook", IngestSettings.fields)
        }
        return lines.joined(separator: "\n")
    }
}
