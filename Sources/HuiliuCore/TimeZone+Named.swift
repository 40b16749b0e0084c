public import Foundation

extension TimeZone {
    /// The zone named by a tz database name (`Asia/Shanghai`, or a link such as `PRC`), or `nil`.
    ///
    /// Foundation also takes abbreviations, and `CST` for US Central, where a Chinese system
    /// means China Standard Time: a name of five capitals or fewer that is not a zone of the
    /// database is refused, as ambiguous (`UTC`, `EST` and `PRC` are zones or links of it, and kept).
    public init?(named name: String) {
        if name.count <= 5, name.allSatisfy({ $0.isUppercase && $0.isLetter }), !["UTC", "GMT", "UCT", "PRC", "ROC", "EST", "MST", "HST", "CET", "EET", "MET", "WET", "GB", "NZ"].contains(name),
           !TimeZone.databaseNames.contains(name) {
            return nil
        }
        self.init(identifier: name)
    }

    /// The tz database's zone names (links such as `PRC` are not among them).
    private static let databaseNames = Set(TimeZone.knownTimeZoneIdentifiers)
}
