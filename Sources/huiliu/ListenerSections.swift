import HuiliuCore
import HuiliuEngine
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
    static func stationProblems(_ settings: [Settings], gateway: GatewayConfig) -> [ConfigError] {
        settings.flatMap { listener -> [ConfigError] in
            guard case .hj212(let hj212) = listener else { return [] }
            do throws(ConfigErrors) {
                _ = try StationsFile.load(path: hj212.stationsPath, resolver: ReferenceResolver(secrets: gateway.secrets))
                return []
            } catch {
                return error.errors
            }
        }
    }
}
