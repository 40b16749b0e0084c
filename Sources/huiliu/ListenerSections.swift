import HuiliuCore
import HuiliuEngine
import HuiliuEnvironment
import HuiliuHJ212
import HuiliuIngest
import HuiliuKit

/// The `listeners` sections of `config/huiliu.yaml`, read as `serve` starts them and as `lint`
/// checks them, so that lint finds what would stop the daemon.
enum ListenerSections {
    /// One listener's settings.
    enum Settings {
        case hj212(HJ212ListenerSettings)
        case webhook(IngestSettings)
    }

    /// Every listener's settings, in name order, or the problems of those that have some.
    static func read(_ gateway: GatewayConfig) -> (settings: [Settings], problems: [ConfigError]) {
        var settings: [Settings] = []
        var problems: [ConfigError] = []
        let resolver = ReferenceResolver(secrets: gateway.secrets)
        for (kind, node) in gateway.listeners.sorted(by: { $0.key < $1.key }) {
            do throws(ConfigErrors) {
                switch kind {
                case "hj212":
                    settings.append(.hj212(try HJ212ListenerSettings.read(node, resolver: resolver, baseDirectory: gateway.projectDirectory,
                                                                          dataDirectory: gateway.dataDirectory,
                                                                          configDirectory: gateway.configDirectory)))
                case "webhook":
                    settings.append(.webhook(try IngestSettings.read(node, resolver: resolver, baseDirectory: gateway.projectDirectory,
                                                                     dataDirectory: gateway.dataDirectory)))
                default:
                    problems.append(ConfigError(.unknownKey, at: node.location, "unknown listener kind '\(kind)'",
                                                suggestion: nearestName(to: kind, in: ["hj212", "webhook"])))
                }
            } catch {
                problems += error.errors
            }
        }
        return (settings, problems)
    }

    /// The problems of the HJ 212 listener's station registry, which stops the listener as surely
    /// as its settings do. Read for lint only: runs need the settings' buffer path, not the stations.
    static func stationProblems(_ settings: [Settings], gateway: GatewayConfig) -> (problems: [ConfigError], warnings: [String]) {
        var problems: [ConfigError] = [], warnings: [String] = []
        for listener in settings {
            guard case .hj212(let hj212) = listener else { continue }
            do throws(ConfigErrors) {
                let registry = try StationsFile.load(path: hj212.stationsPath, resolver: ReferenceResolver(secrets: gateway.secrets))
                // Not problems (a stack's mg/Nm3 feeds no AQI), but an air station's would leave its
                // pollutant out of every AQI.
                warnings += registry.unitWarnings.map { "\(hj212.stationsPath): warning: \($0)" }
            } catch {
                problems += error.errors
            }
        }
        return (problems, warnings)
    }
}
