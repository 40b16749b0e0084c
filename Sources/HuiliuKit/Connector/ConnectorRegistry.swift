import HuiliuCore
/// The components a host makes available: a value, built once by the executable and
/// passed to the engine, so tests can run with only the components they need.
///
/// ```swift
/// var registry = ConnectorRegistry()
/// try registry.register(source: FileSource.self)
/// try registry.register(sink: JSONLSink.self)
/// ```
public struct ConnectorRegistry: Sendable {
    /// Builds a source from its configuration.
    public typealias SourceFactory = @Sendable (ParsedConfig, ConnectorContext) throws -> any SourceConnector
    /// Builds a step from its configuration.
    public typealias StepFactory = @Sendable (ParsedConfig, ConnectorContext) throws -> any StepConnector
    /// Builds a sink from its configuration.
    public typealias SinkFactory = @Sendable (ParsedConfig, ConnectorContext) throws -> any SinkConnector

    enum Factory: Sendable {
        case source(SourceFactory)
        case step(StepFactory)
        case sink(SinkFactory)
    }

    struct Entry: Sendable {
        var spec: ComponentSpec
        var factory: Factory
    }

    private var entries: [ComponentKind: [String: Entry]] = [:]

    /// An empty registry.
    public init() {}

    /// Registers a source type.
    public mutating func register<S: SourceConnector>(source: S.Type) throws(RegistryError) {
        try add(S.spec, .source { try S(config: $0, context: $1) })
    }

    /// Registers a step type.
    public mutating func register<S: StepConnector>(step: S.Type) throws(RegistryError) {
        try add(S.spec, .step { try S(config: $0, context: $1) })
    }

    /// Registers a sink type.
    public mutating func register<S: SinkConnector>(sink: S.Type) throws(RegistryError) {
        try add(S.spec, .sink { try S(config: $0, context: $1) })
    }

    /// Registers a source described at run time (a declarative connector manifest).
    public mutating func register(sourceSpec spec: ComponentSpec, factory: @escaping SourceFactory) throws(RegistryError) {
        try add(spec, .source(factory))
    }

    /// Registers a step described at run time, or one built by a closure (tests, hosts).
    public mutating func register(stepSpec spec: ComponentSpec, factory: @escaping StepFactory) throws(RegistryError) {
        try add(spec, .step(factory))
    }

    /// Registers a sink described at run time, or one built by a closure (tests, hosts).
    public mutating func register(sinkSpec spec: ComponentSpec, factory: @escaping SinkFactory) throws(RegistryError) {
        try add(spec, .sink(factory))
    }

    /// The option every sink takes: which events it receives. The engine applies it, so
    /// sinks need not know it.
    public static let sinkCondition = FieldSpec(
        "when", .expression, """
        Condition over each event as CloudEvents JSON (`type`, `subject`, `time`, `data`, extension attributes); \
        the sink receives only the events it holds for. An event it cannot be evaluated on goes to no sink and is \
        dead-lettered. Default: every event.
        """, example: "type == 'alert.v1' && data.severity == 'red'", optional: true)

    /// The option every sink takes: personal data it is not cleared for. The engine applies it.
    public static let sinkMask = FieldSpec(
        "mask", .map(.any), """
        Fields to mask before this sink receives the events, as the mask step takes them (`id_number`, `phone`, \
        `name`, `all` or `{keep_start, keep_end, with}`). Paths are inside each event's `data` (`payee.phone`, \
        not `data.payee.phone` as in `when`); a path an event does not have masks nothing in it. Text other \
        fields were built from (an alert's message, a subject) is not masked. Default: none.
        """, example: ["payee.id_number": "id_number", "payee.phone": "phone"], optional: true)

    private mutating func add(_ spec: ComponentSpec, _ factory: Factory) throws(RegistryError) {
        var spec = spec
        if spec.kind == .sink {
            for option in [Self.sinkCondition, Self.sinkMask] where !spec.fields.contains(where: { $0.name == option.name }) {
                spec.fields.append(option)
            }
        }
        if entries[spec.kind]?[spec.name] != nil { throw RegistryError(kind: spec.kind, name: spec.name) }
        entries[spec.kind, default: [:]][spec.name] = Entry(spec: spec, factory: factory)
    }

    /// A copy without the named components of `kind`.
    public func without(_ names: Set<String>, kind: ComponentKind) -> ConnectorRegistry {
        var copy = self
        for name in names { copy.entries[kind]?[name] = nil }
        return copy
    }

    /// The specification of a component.
    public func spec(named name: String, kind: ComponentKind) -> ComponentSpec? {
        entries[kind]?[name]?.spec
    }

    /// Every component of `kind`, sorted by name.
    public func specs(of kind: ComponentKind) -> [ComponentSpec] {
        (entries[kind] ?? [:]).values.map(\.spec).sorted { $0.name < $1.name }
    }

    /// The names of every component of `kind`, sorted.
    public func names(of kind: ComponentKind) -> [String] {
        specs(of: kind).map(\.name)
    }

    /// Every component, sources first, then steps, then sinks.
    public var allSpecs: [ComponentSpec] {
        ComponentKind.allCases.flatMap { specs(of: $0) }
    }

    /// Builds the source a configuration names.
    public func makeSource(_ component: ComponentConfig, context: ConnectorContext) throws -> any SourceConnector {
        guard case .source(let make)? = entries[.source]?[component.name]?.factory else {
            throw RegistryError(kind: .source, name: component.name, isMissing: true)
        }
        return try make(component.config, context)
    }

    /// Builds the step a configuration names.
    public func makeStep(_ component: ComponentConfig, context: ConnectorContext) throws -> any StepConnector {
        guard case .step(let make)? = entries[.step]?[component.name]?.factory else {
            throw RegistryError(kind: .step, name: component.name, isMissing: true)
        }
        return try make(component.config, context)
    }

    /// Builds the sink a configuration names.
    public func makeSink(_ component: ComponentConfig, context: ConnectorContext) throws -> any SinkConnector {
        guard case .sink(let make)? = entries[.sink]?[component.name]?.factory else {
            throw RegistryError(kind: .sink, name: component.name, isMissing: true)
        }
        return try make(component.config, context)
    }
}

/// A component registered twice, or asked for but never registered.
public struct RegistryError: Error, Sendable, CustomStringConvertible {
    /// The component's kind.
    public var kind: ComponentKind
    /// Its name.
    public var name: String
    /// True when the component was not found, false when it was registered twice.
    public var isMissing = false

    public var description: String {
        isMissing ? "no \(kind) called '\(name)' is registered" : "a \(kind) called '\(name)' is already registered"
    }
}
