public import HuiliuStore

/// A run that ended, but whose end the state store could not take (a full disk, a lost
/// database): ``run`` is the record to write once it can.
public struct RunNotRecorded: Error, Sendable, CustomStringConvertible {
    /// The run as it ended.
    public let run: RunRecord
    /// Why the store refused it.
    public let underlying: any Error

    public var description: String { "\(underlying)" }
}
