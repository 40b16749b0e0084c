/// How the simulated upstream systems behave: how much data they hold and which faults
/// they inject.
public struct SimulatorConfiguration: Sendable {
    /// Seeds every generated record; the same seed gives the same data. The default is 20240301.
    public var seed: UInt64 = 20_240_301
    /// Payments held by the budget network. The default is 2400.
    public var payments = 2400
    /// Livelihood projects held by the government platform. The default is 120.
    public var projects = 120
    /// Deputies' suggestions held by the government platform. The default is 90.
    public var suggestions = 90
    /// Supervision items held by the supervisory commission. The default is 60.
    public var supervisionItems = 60
    /// Cases held by the court. The default is 150.
    public var courtCases = 150
    /// Cases held by the procuratorate. The default is 80.
    public var procuratorateCases = 80
    /// Faults injected into every system.
    public var faults = Faults()

    /// The defaults.
    public init() {}

    /// Faults the simulator injects, to exercise retries, back-off and dead letters.
    public struct Faults: Sendable {
        /// Extra latency per request, in milliseconds. The default is 0.
        public var latencyMilliseconds = 0
        /// Every n-th request is answered 429 with `Retry-After: 1`; 0 disables. The default is 0.
        public var tooManyRequestsEvery = 0
        /// Every n-th request is answered 503; 0 disables. The default is 0.
        public var serverErrorEvery = 0
        /// One record in this many is malformed (a broken amount or date); 0 disables. The default is 0.
        public var malformedEvery = 0

        /// No faults.
        public init() {}
    }
}
