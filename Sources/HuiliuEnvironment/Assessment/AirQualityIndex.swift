public import HuiliuCore

/// Individual and overall air quality indices by HJ 633, computed exactly.
///
/// Concentrations are decimals and the interpolation is done in integers, so rounding up
/// (全部进位取整数) never sees binary noise: 56.25 is 57 and 110.0 is 110, not 111.
public struct AirQualityIndex: Sendable, Equatable {
    /// The edition used.
    public var standard: AQIStandard
    /// The AQI, or `nil` ("NA") when HJ 633-2026 §5.3 withholds it: a pollutant is missing
    /// and the others give 100 or less.
    public var aqi: Int?
    /// The individual indices, in ``AirIndicator`` order.
    public var iaqi: [(indicator: AirIndicator, value: Int)]
    /// The indicators with the highest IAQI when the AQI exceeds 50; ties are all listed.
    public var primaryPollutants: [AirIndicator]
    /// Indicators given but not assessed, and why.
    public var notAssessed: [(indicator: AirIndicator, reason: String)]

    /// The level, when there is an AQI.
    public var level: AQILevel? { aqi.map(AQILevel.init(aqi:)) }

    // Tuples are not Equatable, so equality is spelled out; the reasons in `notAssessed` are
    // prose and do not take part.
    public static func == (a: AirQualityIndex, b: AirQualityIndex) -> Bool {
        a.standard == b.standard && a.aqi == b.aqi && a.iaqi.elementsEqual(b.iaqi, by: ==)
            && a.primaryPollutants == b.primaryPollutants
    }

    /// Computes the indices of `concentrations` (µg/m³, CO in mg/m³).
    public init(concentrations: [AirIndicator: DecimalNumber], standard: AQIStandard) {
        self.standard = standard
        iaqi = []
        notAssessed = []
        for indicator in AirIndicator.allCases {
            guard let c = concentrations[indicator] else { continue }
            switch Self.iaqi(indicator, concentration: c, standard: standard) {
            case .success(let value): iaqi.append((indicator, value))
            case .failure(let reason): notAssessed.append((indicator, reason.message))
            }
        }
        let highest = iaqi.map(\.value).max()
        let pollutants = Set(iaqi.map(\.indicator.pollutant))
        let complete = ["SO2", "NO2", "CO", "O3", "PM10", "PM2.5"].allSatisfy(pollutants.contains)
        if let highest, standard == .hj633_2012 || complete || highest > 100 {
            aqi = highest
            primaryPollutants = highest > 50 ? iaqi.filter { $0.value == highest }.map(\.indicator) : []
        } else {
            aqi = nil
            primaryPollutants = []
        }
    }

    /// Why an indicator has no IAQI.
    public struct NotAssessed: Error, Sendable, Equatable {
        /// The reason in words.
        public var message: String
    }

    static let indexBreakpoints = [0, 50, 100, 150, 200, 300, 400, 500]

    /// The concentration breakpoints of an indicator (HJ 633-2026 table 3; 2012 differs only
    /// in the PM10 and PM2.5 IAQI-100 breakpoints, 150 and 75). SO2 1-h stops at 800 and
    /// O3 8-h at 800, where special rules take over.
    static func breakpoints(_ indicator: AirIndicator, _ standard: AQIStandard) -> [Int] {
        let is2026 = standard == .hj633_2026
        switch indicator {
        case .so2_24h: return [0, 50, 150, 475, 800, 1600, 2100, 2620]
        case .so2_1h: return [0, 150, 500, 650, 800]
        case .no2_24h: return [0, 40, 80, 180, 280, 565, 750, 940]
        case .no2_1h: return [0, 100, 200, 700, 1200, 2340, 3090, 3840]
        case .co_24h: return [0, 2, 4, 14, 24, 36, 48, 60]
        case .co_1h: return [0, 5, 10, 35, 60, 90, 120, 150]
        case .o3_8h: return [0, 100, 160, 215, 265, 800]
        case .o3_1h: return [0, 160, 200, 300, 400, 800, 1000, 1200]
        case .pm10_24h, .pm10_1h: return [0, 50, is2026 ? 120 : 150, 250, 350, 420, 500, 600]
        case .pm25_24h, .pm25_1h: return [0, 35, is2026 ? 60 : 75, 115, 150, 250, 350, 500]
        }
    }

    /// Whether a concentration lies above the indicator's last breakpoint, where the scale
    /// ends: its IAQI is given as 500, but the AQI is "> 500" (domain.md §3.6). SO2 1-h and
    /// O3 8-h above 800 have rules of their own instead (2026: IAQI 200 and 300; 2012: the
    /// 24-h SO2 and 1-h O3 indices).
    public static func isAboveScale(_ indicator: AirIndicator, concentration: DecimalNumber, standard: AQIStandard) -> Bool {
        if indicator == .so2_1h || indicator == .o3_8h { return false }
        guard let last = breakpoints(indicator, standard).last else { return false }
        // HJ 633-2026 assesses the rounded concentration: 600.4 µg/m³ of PM10 is 600, on the scale.
        let assessed = standard == .hj633_2026
            ? concentration.roundedHalfEven(fractionDigits: indicator.isMilligrams ? 1 : 0) : concentration
        return DecimalNumber.compare(assessed, DecimalNumber(significand: last, exponent: 0)) > 0
    }

    /// The IAQI of one concentration (formula (1), rounded up).
    ///
    /// HJ 633-2026 first rounds the concentration by GB/T 8170 (µg/m³ to integers, CO to one
    /// decimal), assesses PM 1-h values on the daily table, takes SO2 1-h above 800 as IAQI 200
    /// and O3 8-h above 800 as IAQI 300. HJ 633-2012 computes no IAQI for those two cases (the
    /// SO2 24-h and O3 1-h indices are reported instead) and has no PM 1-h breakpoints. Above the
    /// last breakpoint the IAQI is 500, the top of the scale.
    public static func iaqi(_ indicator: AirIndicator, concentration: DecimalNumber,
                            standard: AQIStandard) -> Result<Int, NotAssessed> {
        guard concentration.significand >= 0 else { return .failure(NotAssessed(message: "negative concentration")) }
        var c = concentration
        if standard == .hj633_2026 {
            c = c.roundedHalfEven(fractionDigits: indicator.isMilligrams ? 1 : 0)
        } else if indicator == .pm10_1h || indicator == .pm25_1h {
            return .failure(NotAssessed(message: "HJ 633-2012 assesses PM with 24-h averages, not 1-h values"))
        }
        let table = breakpoints(indicator, standard)
        let scale = min(c.fractionDigits, 12)
        c = c.roundedHalfEven(fractionDigits: scale)
        guard let scaled = c.scaled(toFractionDigits: scale) else {
            return .failure(NotAssessed(message: "concentration out of range"))
        }
        var unit = 1
        for _ in 0..<scale { unit *= 10 }
        for k in 1..<table.count where scaled <= table[k] * unit {
            let numerator = (indexBreakpoints[k] - indexBreakpoints[k - 1]) * (scaled - table[k - 1] * unit)
            let denominator = (table[k] - table[k - 1]) * unit
            return .success(indexBreakpoints[k - 1] + (numerator + denominator - 1) / denominator)
        }
        switch (indicator, standard) {
        case (.so2_1h, .hj633_2026): return .success(200)
        case (.o3_8h, .hj633_2026): return .success(300)
        case (.so2_1h, .hj633_2012):
            return .failure(NotAssessed(message: "SO2 1-h above 800 µg/m³: HJ 633-2012 reports the 24-h SO2 IAQI instead"))
        case (.o3_8h, .hj633_2012):
            return .failure(NotAssessed(message: "O3 8-h above 800 µg/m³: HJ 633-2012 reports the 1-h O3 IAQI instead"))
        default: return .success(500)
        }
    }
}
