public import HuiliuCore

/// A component's configuration after validation: values resolved, secrets held apart,
/// and the location of every field for errors found later.
public struct ParsedConfig: Sendable {
    /// Field values; secret fields hold their reference text (`<secret:key>`), never the value.
    public var values: Object
    /// Secret fields by name.
    public var secrets: [String: Secret]
    /// Every secret value a reference put into this configuration, in secret fields or not
    /// (an `app_key` written as `${secret:budget/app_key}`): what recordings must scrub.
    public var secretValues: Set<String> = []
    /// Nested components (for fields of component type) by field name.
    public var components: [String: [ComponentConfig]]
    /// Where each field was written (its key), by name.
    public var locations: [String: SourceLocation]
    /// Where the text of each scalar field's value starts, by name.
    public var valueLocations: [String: SourceLocation] = [:]
    /// Where the component itself was written.
    public var location: SourceLocation
    /// The directory relative paths are resolved against: the file's own directory.
    public var baseDirectory: String

    /// An empty configuration at `location`.
    public init(location: SourceLocation, baseDirectory: String) {
        self.values = Object()
        self.secrets = [:]
        self.components = [:]
        self.locations = [:]
        self.location = location
        self.baseDirectory = baseDirectory
    }

    /// Where `field` was written, or the component's location if it was not.
    public func location(of field: String) -> SourceLocation {
        locations[field] ?? location
    }

    /// Where the text of a field's value starts (inside its quotes), for errors that point into
    /// the value, such as an expression's; the field's key when that is not known.
    public func valueLocation(of field: String) -> SourceLocation {
        valueLocations[field] ?? location(of: field)
    }

    /// The raw value of a field, if present.
    public subscript(name: String) -> Value? {
        values[name]
    }

    /// The typed value of a field, its default, or an error at the field's location.
    public subscript<T>(field: Field<T>) -> T {
        get throws(ConfigError) {
            let spec = field.spec
            if let secret = secrets[spec.name] {
                return try T.read(.string(secret.description), secret: secret, spec: spec, at: location(of: spec.name), in: self)
            }
            let value = values[spec.name] ?? spec.defaultValue ?? .null
            return try T.read(value, secret: nil, spec: spec, at: location(of: spec.name), in: self)
        }
    }

    /// An error located at a field, for checks a component makes beyond its spec.
    public func error(_ field: String, _ message: String) -> ConfigError {
        ConfigError(.invalidValue, at: location(of: field), message)
    }

    /// A relative path made absolute against the configuration file's directory.
    public func resolvePath(_ path: String) -> String {
        if path.hasPrefix("/") || baseDirectory.isEmpty { return path }
        return baseDirectory + "/" + path
    }
}

/// A component named in a configuration file, with its validated configuration.
public struct ComponentConfig: Sendable {
    /// The kind name, such as `file` or `sqlite`.
    public var name: String
    /// Its specification.
    public var spec: ComponentSpec
    /// Its configuration.
    public var config: ParsedConfig
    /// Where the component's kind key was written.
    public var location: SourceLocation
}
