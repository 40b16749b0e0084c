import HuiliuCore
public import HuiliuKit

/// `huiliu lint` for connector manifests: the format's problems, and then what only building
/// shows — mapping files that do not compile, templates of the example configuration.
public enum ManifestLint {
    /// Every problem of the manifest at `path`, or the reason it cannot be read.
    public static func check(path: String, loader: ManifestLoader, context: ConnectorContext) -> (problems: [ConfigError], unreadable: String?) {
        switch loader.load(path: path) {
        case .unreadable(let message):
            return ([], message)
        case .problems(let problems):
            return (problems, nil)
        case .manifest(let manifest):
            var problems: [ConfigError] = []
            for stream in manifest.streams {
                guard let mapping = stream.mapping else { continue }
                var config = ParsedConfig(location: stream.location, baseDirectory: context.projectDirectory)
                config.values["mapping"] = .string(manifest.directory + "/mappings/\(mapping).yaml")
                do {
                    _ = try MapStep(config: config, context: context)
                } catch let error as ConfigError {
                    problems.append(error)
                } catch let errors as ConfigErrors {
                    problems += errors.errors
                } catch {
                    problems.append(ConfigError(.invalidValue, at: stream.location, "stream '\(stream.name)': mapping \(mapping): \(error)"))
                }
            }
            return (ManifestLoader.unique(problems), nil)
        }
    }
}
