/// The edition of the AQI technical rule (HJ 633).
public enum AQIStandard: String, Sendable, Hashable, CaseIterable {
    /// HJ 633-2012, in force until 2026-02-28.
    case hj633_2012 = "HJ 633-2012"
    /// HJ 633-2026, in force from 2026-03-01: lower PM breakpoints at IAQI 100, PM 1-h values
    /// against the daily table, concentrations rounded before the lookup.
    case hj633_2026 = "HJ 633-2026"

    /// The edition that applies to a period starting at `start` (China Standard Time).
    public static func inForce(at start: HJ212.Timestamp) -> AQIStandard {
        start >= HJ212.Timestamp(year: 2026, month: 3, day: 1)! ? .hj633_2026 : .hj633_2012
    }
}

/// One AQI indicator: a pollutant over an averaging time. The raw value is the key used in
/// `iaqi` and `primary_pollutants`.
public enum AirIndicator: String, Sendable, Hashable, CaseIterable {
    case so2_24h = "SO2_24h", so2_1h = "SO2_1h"
    case no2_24h = "NO2_24h", no2_1h = "NO2_1h"
    case co_24h = "CO_24h", co_1h = "CO_1h"
    case o3_8h = "O3_8h", o3_1h = "O3_1h"
    case pm10_24h = "PM10_24h", pm10_1h = "PM10_1h"
    case pm25_24h = "PM2.5_24h", pm25_1h = "PM2.5_1h"

    /// The pollutant: `SO2`, `NO2`, `CO`, `O3`, `PM10` or `PM2.5`.
    public var pollutant: String {
        String(rawValue[..<rawValue.lastIndex(of: "_")!])
    }

    /// True for CO, measured in mg/m³; the others are in µg/m³.
    public var isMilligrams: Bool { self == .co_24h || self == .co_1h }
}

/// The AQI level (级别) and category (类别) of HJ 633 table 2 (2012) / table 1 (2026).
public enum AQILevel: Int, Sendable, Hashable, CaseIterable {
    case one = 1, two, three, four, five, six

    /// The level for an AQI: 0–50 一级, 51–100 二级, 101–150 三级, 151–200 四级, 201–300 五级, above 六级.
    public init(aqi: Int) {
        switch aqi {
        case ...50: self = .one
        case 51...100: self = .two
        case 101...150: self = .three
        case 151...200: self = .four
        case 201...300: self = .five
        default: self = .six
        }
    }

    /// `一级` … `六级`.
    public var level: String { ["一级", "二级", "三级", "四级", "五级", "六级"][rawValue - 1] }

    /// `优`, `良`, `轻度污染`, `中度污染`, `重度污染` or `严重污染`.
    public var category: String { ["优", "良", "轻度污染", "中度污染", "重度污染", "严重污染"][rawValue - 1] }
}
