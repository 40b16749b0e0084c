/// The functions an expression may call, by name: a value, so each pipeline can hold
/// its own set and tests can start from an empty one.
///
/// ```swift
/// var functions = FunctionRegistry.huiliu(lookups: tables)
/// functions.register(ExpressionFunction("double", [.init("n", .number)], returns: .number,
///     summary: "Twice n.", example: .init("double(`2`)", result: 4)) { args in … })
/// let expression = try Expression("double(amount)", functions: functions)
/// ```
public struct FunctionRegistry: Sendable {
    private var table: [String: ExpressionFunction] = [:]

    /// An empty registry.
    public init() {}

    /// The JMESPath built-in functions.
    public static let standard: FunctionRegistry = {
        var registry = FunctionRegistry()
        registry.register(contentsOf: BuiltinFunctions.all)
        return registry
    }()

    /// The built-ins plus Huiliu's mapping functions (`to_fen`, `parse_time`, validators, …),
    /// with `lookup` reading from `lookups`.
    public static func huiliu(lookups: LookupTables = LookupTables()) -> FunctionRegistry {
        var registry = standard
        registry.register(contentsOf: HuiliuFunctions.all(lookups: lookups))
        return registry
    }

    /// Adds a function. Registering a name twice is a programming error and traps.
    public mutating func register(_ function: ExpressionFunction) {
        precondition(table[function.name] == nil, "function '\(function.name)' is already registered")
        table[function.name] = function
    }

    /// Adds several functions.
    public mutating func register(contentsOf functions: [ExpressionFunction]) {
        for function in functions { register(function) }
    }

    /// Replaces a function of the same name, or adds it.
    public mutating func replace(_ function: ExpressionFunction) {
        table[function.name] = function
    }

    /// The function called `name`.
    public func function(named name: String) -> ExpressionFunction? {
        table[name]
    }

    /// Every function, sorted by name.
    public var functions: [ExpressionFunction] {
        table.values.sorted { $0.name < $1.name }
    }
}
