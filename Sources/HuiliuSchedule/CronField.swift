/// One field of a cron expression, named the way error messages name it.
public enum CronField: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case second
    case minute
    case hour
    case dayOfMonth = "day-of-month"
    case month
    case dayOfWeek = "day-of-week"
    case year

    public var description: String { rawValue }

    /// The values the field accepts; day-of-week takes 7 as a second Sunday.
    public var bounds: ClosedRange<Int> {
        switch self {
        case .second, .minute: 0...59
        case .hour: 0...23
        case .dayOfMonth: 1...31
        case .month: 1...12
        case .dayOfWeek: 0...7
        // OCPS 1.2's standard year range; croniter stops at 2099.
        case .year: 1970...2199
        }
    }

    /// The range `*` stands for; day-of-week stops at 6 so `*/2` is Sun, Tue, Thu, Sat.
    var wildcardRange: ClosedRange<Int> {
        self == .dayOfWeek ? 0...6 : bounds
    }

    /// Upper-case three-letter names the field accepts in place of numbers.
    var names: [String: Int] {
        switch self {
        case .month: Self.monthNames
        case .dayOfWeek: Self.weekdayNames
        default: [:]
        }
    }

    /// What a user may write for one value of this field, for error messages.
    var expectedValue: String {
        switch self {
        case .month: "a month 1-12 or JAN-DEC"
        case .dayOfWeek: "a weekday 0-7 or SUN-SAT"
        default: "a number \(bounds.lowerBound)-\(bounds.upperBound)"
        }
    }

    /// The fields of an expression with `count` fields, in the order they are written.
    static func layout(fieldCount count: Int) -> [CronField]? {
        switch count {
        case 5: [.minute, .hour, .dayOfMonth, .month, .dayOfWeek]
        case 6: [.second, .minute, .hour, .dayOfMonth, .month, .dayOfWeek]
        case 7: [.second, .minute, .hour, .dayOfMonth, .month, .dayOfWeek, .year]
        default: nil
        }
    }

    private static let monthNames: [String: Int] = [
        "JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6,
        "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12,
    ]
    private static let weekdayNames: [String: Int] = [
        "SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6,
    ]
}
