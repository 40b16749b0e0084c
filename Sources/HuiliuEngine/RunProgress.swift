/// A run's counters, reported after every batch.
public struct RunProgress: Sendable, Equatable {
    /// Records the source yielded.
    public var read = 0
    /// Envelopes every sink acknowledged.
    public var written = 0
    /// Records dead-lettered.
    public var failed = 0
    /// Batches committed.
    public var batches = 0
    /// Time since the run started.
    public var elapsed: Duration = .zero

    /// A zeroed counter.
    public init() {}

    /// Records read per second so far.
    public var rate: Double {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds > 0 ? Double(read) / seconds : 0
    }
}
