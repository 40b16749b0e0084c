/// A source that can test its connection and credentials without reading a whole stream,
/// for `huiliu connector check` (Benthos's `ConnectionTestable`).
public protocol ConnectionCheckable: Sendable {
    /// Connects, authenticates and fetches as little as possible; throws nothing for
    /// failures it can explain, which go into the report instead.
    func checkConnection() async -> ConnectionReport
}

/// What a connection check found, step by step.
public struct ConnectionReport: Sendable, CustomStringConvertible {
    /// One thing that was tried.
    public struct Step: Sendable {
        /// What was tried (`token`, `GET /api/v1/items`).
        public var name: String
        /// Whether it worked.
        public var succeeded: Bool
        /// What came back, or why it failed (credentials never included).
        public var detail: String

        /// A step.
        public init(name: String, succeeded: Bool, detail: String) {
            self.name = name
            self.succeeded = succeeded
            self.detail = detail
        }
    }

    /// The steps, in order.
    public var steps: [Step]

    /// An empty report.
    public init(steps: [Step] = []) {
        self.steps = steps
    }

    /// True when every step worked.
    public var succeeded: Bool { !steps.isEmpty && steps.allSatisfy(\.succeeded) }

    /// Adds a step.
    public mutating func add(_ name: String, succeeded: Bool, _ detail: String) {
        steps.append(Step(name: name, succeeded: succeeded, detail: detail))
    }

    public var description: String {
        steps.map { "\($0.succeeded ? "ok  " : "FAIL") \($0.name): \($0.detail)" }.joined(separator: "\n")
    }
}
