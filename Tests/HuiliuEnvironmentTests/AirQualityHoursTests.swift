import HuiliuCore
import HuiliuEnvironment
import Testing

/// Moving averages and daily statistics from hourly values (HJ 633 实时报 and 日报, GB 3095
/// table 4 validity).
struct AirQualityHoursTests {
    func d(_ text: String) -> DecimalNumber { DecimalNumber(text)! }

    static let codes = ["SO2": "a21026", "NO2": "a21004", "CO": "a21005", "O3": "a05024", "PM10": "a34002", "PM2.5": "a34004"]

    /// The measurements of one air-station hour frame starting at `hour` with these values.
    static func hourFrame(_ hour: HJ212.Timestamp, _ values: [String: String], station: String = "42118100AQ0001",
                          flag: String = "N") throws -> [EnvironmentMeasurement] {
        let cp = values.sorted { $0.key < $1.key }.map { "\(codes[$0.key]!)-Avg=\($0.value),\(codes[$0.key]!)-Flag=\(flag)" }
        let segment = "QN=\(hour.compact)000;ST=22;CN=2061;PW=123456;MN=\(station);Flag=4;CP=&&DataTime=\(hour.compact);"
            + cp.joined(separator: ";") + "&&"
        guard case .frame(let frame, _) = HJ212.FrameDecoder().decode(HJ212.encodeFrame(segment: segment)) else {
            throw HJ212.FrameError(.truncated, offset: 0, message: "not decoded")
        }
        return try EnvironmentMeasurement.normalize(frame).measurements
    }

    static func hour(_ day: Int, _ hour: Int, month: Int = 6, year: Int = 2026) -> HJ212.Timestamp {
        HJ212.Timestamp(year: year, month: month, day: day, hour: hour)!
    }

    @Test func ozoneEightHourAverageNeedsSixHours() throws {
        var hours = AirQualityHours()
        for h in 2...7 { hours.add(try Self.hourFrame(Self.hour(1, h), ["O3": "\(100 + 10 * h)"])) }
        // Hours 2–7 of the window 00–07: (120 + … + 170) / 6 = 145.
        #expect(hours.ozone8h(endingWith: Self.hour(1, 7)) == d("145"))
        // The window 02–10 still has all six; 03–11 has five: too few.
        #expect(hours.ozone8h(endingWith: Self.hour(1, 9)) == d("145"))
        #expect(hours.ozone8h(endingWith: Self.hour(1, 10)) == nil)
    }

    @Test func averagesKeepFourMoreDecimals() throws {
        var hours = AirQualityHours()
        for (h, pm) in [(0, "1"), (1, "2"), (2, "2")] { hours.add(try Self.hourFrame(Self.hour(1, h), ["PM2.5": pm, "CO": "1.\(h)5"])) }
        // (1 + 2) / 2 = 1.5, not rounded to 2; CO (1.05 + 1.15) / 2 = 1.1 (trailing zeros dropped);
        // 5 / 3 = 1.6667 (half-even at four decimals); with 20 required, a 3-hour window has no mean.
        #expect(hours.average(.pm25_1h, hours: 2, endingWith: Self.hour(1, 1), minimum: 2) == d("1.5"))
        #expect(hours.average(.co_1h, hours: 2, endingWith: Self.hour(1, 1), minimum: 2) == d("1.1"))
        #expect(hours.average(.pm25_1h, hours: 3, endingWith: Self.hour(1, 2), minimum: 3) == d("1.6667"))
        #expect(hours.average(.pm25_1h, hours: 24, endingWith: Self.hour(1, 2), minimum: 20) == nil)
    }

    /// HJ 633-2012 looks the mean up as it is; 2026 rounds it first (§3.3). PM2.5 75 for 20 hours
    /// and 77 for 4 averages 75.33: IAQI 100.42 → 101 (三级) under 2012, not the 100 (二级) of a
    /// mean rounded to 75; under 2026 (IAQI-100 breakpoint 60) 75 gives 113.6 → 114.
    @Test func dailyMeansAreAssessedUnroundedUnder2012() throws {
        var hours = AirQualityHours()
        for h in 0..<24 {
            hours.add(try Self.hourFrame(Self.hour(3, h, month: 6, year: 2024), ["PM2.5": h < 20 ? "75" : "77", "SO2": "5"]))
        }
        let day = Self.hour(3, 0, month: 6, year: 2024)
        let old = try #require(AirQualityAssessment.daily(stationID: "S1", day: day, hours: hours, standard: .hj633_2012))
        #expect(old.concentrations[.pm25_24h] == d("75.3333"))
        #expect(old.index.iaqi.first { $0.indicator == .pm25_24h }?.value == 101 && old.index.aqi == 101)
        #expect(old.data["category"] == "轻度污染")
        let new = try #require(AirQualityAssessment.daily(stationID: "S1", day: day, hours: hours, standard: .hj633_2026))
        #expect(new.index.iaqi.first { $0.indicator == .pm25_24h }?.value == 114 && new.index.aqi == 114)
    }

    @Test func invalidHoursDoNotCount() throws {
        var hours = AirQualityHours()
        hours.add(try Self.hourFrame(Self.hour(1, 0), ["PM10": "80"], flag: "D"))
        hours.add(try Self.hourFrame(Self.hour(1, 1), ["PM10": "60"]))
        #expect(hours.count == 1)
        #expect(hours.value(.pm10_1h, hour: Self.hour(1, 1)) == d("60"))
    }

    /// The daily maximum 8-h O3 average is the best of the windows 00–08 … 16–24.
    @Test func ozoneDailyMaximum() throws {
        var hours = AirQualityHours()
        for h in 0..<24 { hours.add(try Self.hourFrame(Self.hour(2, h), ["O3": (10...17).contains(h) ? "150" : "60"])) }
        #expect(hours.ozoneDailyMaximum8h(day: Self.hour(2, 0)) == d("150"))
        // Hours of the previous day never count: a high evening there changes nothing.
        for h in 16..<24 { hours.add(try Self.hourFrame(Self.hour(1, h), ["O3": "400"])) }
        #expect(hours.ozoneDailyMaximum8h(day: Self.hour(2, 0)) == d("150"))
    }

    /// Fewer than 14 valid windows give no daily maximum, unless it exceeds 160 µg/m³.
    @Test func ozoneDailyMaximumNeedsFourteenWindows() throws {
        func day(_ value: String) throws -> AirQualityHours {
            var hours = AirQualityHours()
            // Hours 0–11 only: windows 00–08 … 06–14 have at least 6 hours, 7 windows in all.
            for h in 0..<12 { hours.add(try Self.hourFrame(Self.hour(2, h), ["O3": value])) }
            return hours
        }
        #expect(try day("150").ozoneDailyMaximum8h(day: Self.hour(2, 0)) == nil)
        #expect(try day("170").ozoneDailyMaximum8h(day: Self.hour(2, 0)) == d("170"))
    }

    /// domain.md §3.5 A, computed from a day of hours whose means are the example's inputs:
    /// SO2 12, NO2 45, CO 1.1, O3 8-h 150, PM10 130, PM2.5 68 → 2026 AQI 108, 2012 AQI 92.
    @Test func dailyReportFromHoursIsWorkedExampleA() throws {
        var hours = AirQualityHours()
        for h in 0..<24 where h != 5 && h != 6 {  // 22 hours: enough for daily means
            hours.add(try Self.hourFrame(Self.hour(3, h), [
                "SO2": h.isMultiple(of: 2) ? "10" : "14", "NO2": "45", "CO": h.isMultiple(of: 2) ? "1.0" : "1.2",
                "O3": (10...17).contains(h) ? "150" : "60", "PM10": h.isMultiple(of: 2) ? "120" : "140",
                "PM2.5": h.isMultiple(of: 2) ? "66" : "70",
            ]))
        }
        let day = Self.hour(3, 0)
        let new = try #require(AirQualityAssessment.daily(stationID: "42118100AQ0001", day: day, hours: hours,
                                                          standard: .hj633_2026))
        #expect(new.concentrations == [.so2_24h: d("12"), .no2_24h: d("45"), .co_24h: d("1.1"), .o3_8h: d("150"),
                                       .pm10_24h: d("130"), .pm25_24h: d("68")])
        #expect(new.index.aqi == 108 && new.index.primaryPollutants == [.pm25_24h])
        #expect(new.interval == .day && new.periodStart == "2026-06-03T00:00:00+08:00")
        #expect(new.key == "42118100AQ0001/air_quality_index/HJ 633-2026/day/2026-06-03T00:00:00+08:00")
        #expect(new.data["concentrations"]?["PM2.5_24h"] == .decimal(d("68")))
        // 2012 adds the daily maximum 1-h O3 (150 → IAQI 47) and ties O3 8-h with PM2.5.
        let old = try #require(AirQualityAssessment.daily(stationID: "42118100AQ0001", day: day, hours: hours,
                                                          standard: .hj633_2012))
        #expect(old.concentrations[.o3_1h] == d("150"))
        #expect(old.index.aqi == 92 && old.index.primaryPollutants == [.o3_8h, .pm25_24h])
    }

    /// A day with too few hours of some pollutant leaves it out; under 2026 a low AQI is "NA".
    @Test func dailyReportWithMissingHoursWithholdsTheAQI() throws {
        var hours = AirQualityHours()
        for h in 0..<24 {
            var values = ["SO2": "10", "NO2": "20", "CO": "0.5", "O3": "60", "PM10": "40"]
            if h < 10 { values["PM2.5"] = "20" }
            hours.add(try Self.hourFrame(Self.hour(4, h), values))
        }
        let report = try #require(AirQualityAssessment.daily(stationID: "S1", day: Self.hour(4, 0), hours: hours,
                                                             standard: .hj633_2026))
        #expect(report.concentrations[.pm25_24h] == nil)
        #expect(report.index.aqi == nil)
        #expect(report.data["aqi"] == .null)
    }

    /// HJ 633-2012's 实时报 assesses PM by 24-h moving averages and adds the 8-h O3 average.
    @Test func hourlyReport2012UsesMovingAverages() throws {
        var hours = AirQualityHours()
        var last: [EnvironmentMeasurement] = []
        for k in 0..<24 {
            let time = Self.hour(5, 0, year: 2024).adding(seconds: 3600 * (k - 12))  // 4 June 12:00 … 5 June 11:00
            last = try Self.hourFrame(time, ["SO2": "9", "NO2": "62", "CO": "0.8", "O3": k >= 16 ? "120" : "100",
                                             "PM10": k < 12 ? "80" : "120", "PM2.5": "71"])
            hours.add(last)
        }
        let report = try #require(AirQualityAssessment(measurements: last, standard: .hj633_2012, history: hours))
        #expect(report.concentrations[.pm10_24h] == d("100"))
        #expect(report.concentrations[.pm25_24h] == d("71"))
        #expect(report.concentrations[.o3_8h] == d("120"))
        // PM2.5 71 on the 2012 daily table: 50 + 36 × 50/40 = 95 is the highest (O3 8-h: 67).
        #expect(report.index.aqi == 95 && report.index.primaryPollutants == [.pm25_24h])
        // Under 2026 the 实时报 is the six 1-h values alone.
        let new = try #require(AirQualityAssessment(measurements: last, standard: .hj633_2026, history: hours))
        #expect(new.concentrations[.o3_8h] == nil && new.index.aqi == 110)
    }

    /// PM in ng/m³ (HJ 212-2017's default unit for it) is converted, not dropped.
    @Test func nanogramsAreConverted() throws {
        var measurements = try Self.hourFrame(Self.hour(1, 8), ["SO2": "9", "NO2": "62", "CO": "0.8", "O3": "178"])
        let pm = try Self.hourFrame(Self.hour(1, 8), ["PM10": "96000", "PM2.5": "71000"]).map { m -> EnvironmentMeasurement in
            var m = m
            m.data["unit"] = "ng/m³"
            return m
        }
        measurements += pm
        let report = try #require(AirQualityAssessment(measurements: measurements, standard: .hj633_2026))
        // domain.md §3.5 B: AQI 110 with PM2.5 71 µg/m³.
        #expect(report.concentrations[.pm25_1h] == d("71.000"))
        #expect(report.index.aqi == 110)
    }

    /// A negative reading has no IAQI and is left out of `concentrations`, so the record stays valid.
    @Test func negativeReadingsAreNotAssessed() throws {
        let measurements = try Self.hourFrame(Self.hour(1, 8), ["SO2": "-1", "NO2": "62", "CO": "0.8", "O3": "178", "PM10": "96", "PM2.5": "71"])
        let report = try #require(AirQualityAssessment(measurements: measurements, standard: .hj633_2026))
        #expect(report.data["concentrations"]?["SO2_1h"] == nil)
        #expect(report.data["iaqi"]?["SO2_1h"] == nil)
        #expect(report.data["concentrations"]?["NO2_1h"] == .decimal(d("62")))
    }

    /// HJ 633-2012: an hourly SO2 above 800 µg/m³ has no IAQI; the 24-h SO2 average's is used.
    @Test func highHourlySO2FallsBackToTheDailyAverageIn2012() throws {
        var hours = AirQualityHours()
        var last: [EnvironmentMeasurement] = []
        for k in 0..<24 {
            let time = Self.hour(5, 0, year: 2024).adding(seconds: 3600 * (k - 12))
            last = try Self.hourFrame(time, ["SO2": k == 23 ? "900" : "100", "NO2": "62", "CO": "0.8", "O3": "60", "PM10": "40", "PM2.5": "20"])
            hours.add(last)
        }
        let report = try #require(AirQualityAssessment(measurements: last, standard: .hj633_2012, history: hours))
        // (23 × 100 + 900) / 24 = 133.3333 µg/m³, IAQI 50 + 83.3333 × 50/100 = 91.67 → 92.
        #expect(report.concentrations[.so2_24h] == d("133.3333"))
        #expect(report.index.iaqi.first { $0.indicator == .so2_24h }?.value == 92)
        #expect(report.index.aqi == 92)
    }
}
