/// The period a measurement covers, from the command code that carried it.
public enum DataInterval: String, Sendable, Hashable, CaseIterable {
    /// CN 2011: a sample at one moment.
    case realtime
    /// CN 2051: minute data (usually 10 minutes, set by CN 1064).
    case minute
    /// CN 2061: hour data.
    case hour
    /// CN 2031: daily data.
    case day

    /// The interval of a data upload's command code; `nil` for commands that carry no measurements.
    public init?(cn: String) {
        switch cn {
        case "2011": self = .realtime
        case "2051": self = .minute
        case "2061": self = .hour
        case "2031": self = .day
        default: return nil
        }
    }

    /// The command code that uploads data of this interval.
    public var cn: String {
        switch self {
        case .realtime: "2011"
        case .minute: "2051"
        case .hour: "2061"
        case .day: "2031"
        }
    }
}
