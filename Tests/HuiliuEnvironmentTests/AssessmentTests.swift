import HuiliuCore
@testable import HuiliuEnvironment
import Testing

/// GB 3838-2002 (domain.md §2) and HJ 633 (§3), with every worked example.
struct SurfaceWaterTests {
    func d(_ text: String) -> DecimalNumber { DecimalNumber(text)! }

    func measurements(_ frame: String) throws -> [EnvironmentMeasurement] {
        guard case .frame(let decoded, _) = HJ212.FrameDecoder().decode(Fixtures.bytes(frame)) else {
            throw HJ212.FrameError(.truncated, offset: 0, message: "not decoded")
        }
        return try EnvironmentMeasurement.normalize(decoded).measurements
    }

    /// §2.4: the hour frame #1 as a river section.
    @Test func workedExampleRiver() throws {
        let assessment = try #require(SurfaceWaterAssessment(measurements: measurements(Fixtures.surfaceWaterHour),
                                                             waterBody: .river))
        #expect(assessment.items.map(\.parameterCode) == ["w01001", "w01009", "w01019", "w21003", "w21011"])
        #expect(assessment.items.map(\.waterClass) == [.I, .II, .II, .II, .III])
        #expect(assessment.waterClass == .III)
        #expect(assessment.waterClass.qualitative == "良好")
        #expect(assessment.limitingParameters == ["w21011"])
        let expected: Value = [
            "kind": "surface_water_class", "station_id": "42118100SW0001", "period_start": "2024-06-01T08:00:00+08:00",
            "interval": "hour", "standard": "GB 3838-2002", "water_body": "river", "water_class": "III",
            "water_quality": "良好",
            "items": [
                ["parameter_code": "w01001", "value": .decimal(d("7.52")), "unit": "无量纲", "class": "I"],
                ["parameter_code": "w01009", "value": .decimal(d("6.8")), "unit": "mg/L", "class": "II"],
                ["parameter_code": "w01019", "value": .decimal(d("3.9")), "unit": "mg/L", "class": "II"],
                ["parameter_code": "w21003", "value": .decimal(d("0.42")), "unit": "mg/L", "class": "II"],
                ["parameter_code": "w21011", "value": .decimal(d("0.11")), "unit": "mg/L", "class": "III"],
            ],
            "limiting_parameters": ["w21011"],
        ]
        #expect(assessment.data == expected)
        #expect(assessment.data.objectValue?.keys == ["kind", "station_id", "period_start", "interval", "standard",
                                                      "water_body", "water_class", "water_quality", "items", "limiting_parameters"])
        #expect(assessment.data.jsonText.contains(#""value":0.11,"unit":"mg/L","class":"III""#))
        #expect(assessment.key == "42118100SW0001/surface_water_class/GB 3838-2002/hour/2024-06-01T08:00:00+08:00")
    }

    /// §2.4: TP 0.11 against a Class II target exceeds by 0.1 times.
    @Test func workedExampleExceedance() {
        let multiple = SurfaceWaterStandard.exceedanceMultiple(code: "w21011", value: d("0.11"), unit: "mg/L",
                                                               target: .II, waterBody: .river, fractionDigits: 1)
        #expect(multiple == d("0.1"))
        // §2.3: NH3-N 2.3 against Class III → 1.3.
        #expect(SurfaceWaterStandard.exceedanceMultiple(code: "w21003", value: d("2.3"), unit: "mg/L", target: .III,
                                                        waterBody: .river, fractionDigits: 1) == d("1.3"))
        #expect(SurfaceWaterStandard.exceedanceMultiple(code: "w21003", value: d("0.9"), unit: "mg/L", target: .III,
                                                        waterBody: .river) == nil)
    }

    /// §2.4: the same values in a lake or reservoir make the section Class V.
    @Test func workedExampleLake() throws {
        let assessment = try #require(SurfaceWaterAssessment(measurements: measurements(Fixtures.surfaceWaterHour),
                                                             waterBody: .lakeReservoir))
        #expect(assessment.waterClass == .V)
        #expect(assessment.waterClass.qualitative == "中度污染")
        #expect(assessment.limitingParameters == ["w21011"])
        #expect(assessment.data["water_body"] == "lake_reservoir")
    }

    /// A section whose water body is not registered is not taken for a river, nor reported
    /// better than it can be: TP 0.11 is III in a river and V in a lake, so the section is at
    /// least III (its river class) and V were it a lake; above 0.4 mg/L TP is 劣V either way.
    @Test func unregisteredWaterBodyBoundsAmbiguousPhosphorus() throws {
        let assessment = try #require(SurfaceWaterAssessment(measurements: measurements(Fixtures.surfaceWaterHour),
                                                             waterBody: .unknown))
        let phosphorus = try #require(assessment.items.first { $0.parameterCode == "w21011" })
        #expect(phosphorus.waterClass == .III && phosphorus.classIfLakeReservoir == .V)
        #expect(assessment.waterClass == .III && assessment.limitingParameters == ["w21011"])
        #expect(assessment.waterClassIfLakeReservoir == .V)
        #expect(assessment.data["water_body"] == "unknown" && assessment.data["water_class_if_lake_reservoir"] == "V")
        let registered = try #require(SurfaceWaterAssessment(measurements: measurements(Fixtures.surfaceWaterHour), waterBody: .river))
        #expect(registered.data["water_class_if_lake_reservoir"] == nil && registered.waterClass == .III)
        #expect(SurfaceWaterStandard.waterClass(code: "w21011", value: d("0.41"), unit: "mg/L", waterBody: .unknown) == .worseThanV)
        #expect(SurfaceWaterStandard.waterClass(code: "w21011", value: d("0.4"), unit: "mg/L", waterBody: .unknown) == nil)
        #expect(SurfaceWaterStandard.waterClass(code: "w01009", value: d("6.8"), unit: "mg/L", waterBody: .unknown) == .II)
    }

    @Test func boundariesAreInclusive() {
        #expect(SurfaceWaterStandard.waterClass(code: "w21003", value: d("1.0"), unit: "mg/L", waterBody: .river) == .III)
        #expect(SurfaceWaterStandard.waterClass(code: "w21003", value: d("1.01"), unit: "mg/L", waterBody: .river) == .IV)
        #expect(SurfaceWaterStandard.waterClass(code: "w21003", value: d("2.0"), unit: "mg/L", waterBody: .river) == .V)
        #expect(SurfaceWaterStandard.waterClass(code: "w21003", value: d("2.01"), unit: "mg/L", waterBody: .river) == .worseThanV)
        // COD shares 15 between I and II: the better class wins.
        #expect(SurfaceWaterStandard.waterClass(code: "w01018", value: d("15"), unit: "mg/L", waterBody: .river) == .I)
    }

    @Test func dissolvedOxygenHigherIsBetter() {
        let classes = ["7.5", "7.49", "6", "5", "3", "2", "1.99"].map {
            SurfaceWaterStandard.waterClass(code: "w01009", value: d($0), unit: "mg/L", waterBody: .river)
        }
        #expect(classes == [.I, .II, .II, .III, .IV, .V, .worseThanV])
    }

    @Test func pHOutsideSixToNineIsWorseThanV() {
        #expect(SurfaceWaterStandard.waterClass(code: "w01001", value: d("6"), unit: nil, waterBody: .river) == .I)
        #expect(SurfaceWaterStandard.waterClass(code: "w01001", value: d("9.00"), unit: nil, waterBody: .river) == .I)
        #expect(SurfaceWaterStandard.waterClass(code: "w01001", value: d("9.01"), unit: nil, waterBody: .river) == .worseThanV)
        #expect(SurfaceWaterStandard.waterClass(code: "w01001", value: d("5.9"), unit: nil, waterBody: .river) == .worseThanV)
    }

    @Test func lakePhosphorusRow() {
        let classes = ["0.01", "0.025", "0.05", "0.1", "0.2", "0.21"].map {
            SurfaceWaterStandard.waterClass(code: "w21011", value: d($0), unit: "mg/L", waterBody: .lakeReservoir)
        }
        #expect(classes == [.I, .II, .III, .IV, .V, .worseThanV])
    }

    @Test func microgramsAreConverted() {
        // Mercury is reported in µg/L; Class III allows 0.0001 mg/L = 0.1 µg/L.
        #expect(SurfaceWaterStandard.waterClass(code: "w20111", value: d("0.1"), unit: "µg/L", waterBody: .river) == .III)
        #expect(SurfaceWaterStandard.waterClass(code: "w20111", value: d("0.05"), unit: nil, waterBody: .river) == .I)
        #expect(SurfaceWaterStandard.waterClass(code: "w20111", value: d("0.1"), unit: "furlongs", waterBody: .river) == nil)
    }

    @Test func excludedItemsDoNotTakePart() {
        for code in ["w01010", "w21001", "w02003", "w01014", "w01003"] {
            #expect(!SurfaceWaterStandard.isEvaluated(code), "\(code)")
        }
        #expect(SurfaceWaterStandard.isEvaluated("w21011"))
        let assessment = SurfaceWaterAssessment(
            stationID: "S", periodStart: "2024-06-01T08:00:00+08:00", interval: .hour, waterBody: .river,
            samples: [("w21001", d("9.9"), "mg/L"), ("w01010", d("30"), "°C"), ("060", d("1.2"), nil)])
        #expect(assessment?.waterClass == .IV)
        #expect(assessment?.items.map(\.parameterCode) == ["w21003"])
        #expect(SurfaceWaterAssessment(stationID: "S", periodStart: "p", interval: .hour, waterBody: .river,
                                       samples: [("w21001", d("1"), "mg/L")]) == nil)
    }

    @Test func tiesListEveryLimitingParameter() {
        let assessment = SurfaceWaterAssessment(
            stationID: "S", periodStart: "p", interval: .day, waterBody: .river,
            samples: [("w21003", d("2.5"), "mg/L"), ("w01009", d("1.5"), "mg/L"), ("w01019", d("3"), "mg/L")])
        #expect(assessment?.waterClass == .worseThanV)
        #expect(assessment?.data["water_class"] == "劣V")
        #expect(assessment?.limitingParameters == ["w21003", "w01009"])
    }

    @Test func invalidMeasurementsAreNotAssessed() throws {
        let segment = "QN=20240601090000001;ST=21;CN=2061;PW=123456;MN=42118100SW0001;Flag=4;CP=&&DataTime=20240601080000;w21003-Avg=0.42,w21003-Flag=N;w21011-Avg=0.9,w21011-Flag=D&&"
        let frame = String(decoding: HJ212.encodeFrame(segment: segment), as: UTF8.self)
        let assessment = try #require(SurfaceWaterAssessment(measurements: measurements(frame), waterBody: .river))
        #expect(assessment.waterClass == .II)
    }
}

struct AirQualityTests {
    func d(_ text: String) -> DecimalNumber { DecimalNumber(text)! }

    static let exampleA: [AirIndicator: DecimalNumber] = [
        .so2_24h: DecimalNumber("12")!, .no2_24h: DecimalNumber("45")!, .co_24h: DecimalNumber("1.1")!,
        .o3_8h: DecimalNumber("150")!, .pm10_24h: DecimalNumber("130")!, .pm25_24h: DecimalNumber("68")!,
    ]

    func values(_ index: AirQualityIndex) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: index.iaqi.map { ($0.indicator.rawValue, $0.value) })
    }

    /// §3.5 A under HJ 633-2012: AQI 92, 二级 良, O3_8h and PM2.5 tied.
    @Test func workedExampleA2012() {
        let index = AirQualityIndex(concentrations: Self.exampleA, standard: .hj633_2012)
        #expect(values(index) == ["SO2_24h": 12, "NO2_24h": 57, "CO_24h": 28, "O3_8h": 92, "PM10_24h": 90, "PM2.5_24h": 92])
        #expect(index.aqi == 92)
        #expect(index.level == .two && index.level?.level == "二级" && index.level?.category == "良")
        #expect(index.primaryPollutants == [.o3_8h, .pm25_24h])
    }

    /// §3.5 A under HJ 633-2026: AQI 108, 三级 轻度污染, PM2.5.
    @Test func workedExampleA2026() {
        let index = AirQualityIndex(concentrations: Self.exampleA, standard: .hj633_2026)
        #expect(values(index) == ["SO2_24h": 12, "NO2_24h": 57, "CO_24h": 28, "O3_8h": 92, "PM10_24h": 104, "PM2.5_24h": 108])
        #expect(index.aqi == 108)
        #expect(index.level?.level == "三级" && index.level?.category == "轻度污染")
        #expect(index.primaryPollutants == [.pm25_24h])
    }

    /// §3.5 B: the hour frame #2 under HJ 633-2026 (PM 1-h on the daily table): AQI 110.
    @Test func workedExampleBFromTheFrame() throws {
        guard case .frame(let frame, _) = HJ212.FrameDecoder().decode(Fixtures.bytes(Fixtures.airQualityHour)) else {
            Issue.record("not decoded")
            return
        }
        let measurements = try EnvironmentMeasurement.normalize(frame).measurements
        let assessment = try #require(AirQualityAssessment(measurements: measurements, standard: .hj633_2026))
        #expect(values(assessment.index) == ["SO2_1h": 3, "NO2_1h": 31, "CO_1h": 8, "O3_1h": 73, "PM10_1h": 83, "PM2.5_1h": 110])
        #expect(assessment.index.aqi == 110)
        let expected: Value = [
            "kind": "air_quality_index", "station_id": "42118100AQ0001", "period_start": "2024-06-01T08:00:00+08:00",
            "interval": "hour", "standard": "HJ 633-2026", "aqi": 110,
            "iaqi": ["SO2_1h": 3, "NO2_1h": 31, "CO_1h": 8, "O3_1h": 73, "PM10_1h": 83, "PM2.5_1h": 110],
            "concentrations": ["SO2_1h": .decimal(d("9")), "NO2_1h": .decimal(d("62")), "CO_1h": .decimal(d("0.8")),
                               "O3_1h": .decimal(d("178")), "PM10_1h": .decimal(d("96")), "PM2.5_1h": .decimal(d("71"))],
            "primary_pollutants": ["PM2.5_1h"], "level": "三级", "category": "轻度污染",
        ]
        #expect(assessment.data == expected)
        #expect(assessment.data.objectValue?.keys == ["kind", "station_id", "period_start", "interval", "standard", "aqi",
                                                      "iaqi", "concentrations", "primary_pollutants", "level", "category"])
        // The frame dates from 2024, so without a forced edition HJ 633-2012 applies, which has
        // no PM 1-h breakpoints.
        let byDate = try #require(AirQualityAssessment(measurements: measurements))
        #expect(byDate.index.standard == .hj633_2012)
        #expect(byDate.index.notAssessed.map(\.indicator) == [.pm10_1h, .pm25_1h])
        #expect(byDate.index.aqi == 73)
    }

    /// Above a table's last breakpoint the IAQI reads 500 but the AQI is "> 500" (§3.6): the
    /// assessment names the pollutants that went past the scale. SO2 1-h and O3 8-h above 800
    /// have values of their own under 2026 and are not past it.
    @Test func concentrationsAboveTheScaleAreNamed() throws {
        let assessment = AirQualityAssessment(stationID: "42118100AQ0001", periodStart: "2026-06-01T08:00:00+08:00", interval: .hour,
                                              concentrations: [.pm25_1h: d("600"), .so2_1h: d("900"), .no2_1h: d("40")],
                                              standard: .hj633_2026)
        #expect(assessment.index.aqi == 500)
        #expect(assessment.data["above_scale"] == ["PM2.5_1h"])
        let within = AirQualityAssessment(stationID: "42118100AQ0001", periodStart: "2026-06-01T08:00:00+08:00", interval: .hour,
                                          concentrations: [.pm25_1h: d("500")], standard: .hj633_2026)
        #expect(within.index.aqi == 500 && within.data["above_scale"] == nil)
        #expect(AirQualityIndex.isAboveScale(.co_1h, concentration: d("150.1"), standard: .hj633_2026))
        #expect(!AirQualityIndex.isAboveScale(.o3_8h, concentration: d("900"), standard: .hj633_2026))
        #expect(!AirQualityIndex.isAboveScale(.o3_8h, concentration: d("900"), standard: .hj633_2012))
        #expect(AirQualityIndex.isAboveScale(.pm10_24h, concentration: d("601"), standard: .hj633_2012))
        // 2026 assesses rounded concentrations: 600.4 and 500.5 (half-even to 500) are on the scale.
        #expect(!AirQualityIndex.isAboveScale(.pm10_1h, concentration: d("600.4"), standard: .hj633_2026))
        #expect(!AirQualityIndex.isAboveScale(.pm25_1h, concentration: d("500.5"), standard: .hj633_2026))
        #expect(!AirQualityIndex.isAboveScale(.co_1h, concentration: d("150.04"), standard: .hj633_2026))
        #expect(AirQualityIndex.isAboveScale(.pm10_1h, concentration: d("600.5"), standard: .hj633_2026) == false)
        #expect(AirQualityIndex.isAboveScale(.pm10_1h, concentration: d("600.6"), standard: .hj633_2026))
    }

    /// §3.5 C: hourly SO2 900 µg/m³ is IAQI 200 under 2026; 2012 computes none.
    @Test func workedExampleC() throws {
        #expect(try AirQualityIndex.iaqi(.so2_1h, concentration: d("900"), standard: .hj633_2026).get() == 200)
        #expect((try? AirQualityIndex.iaqi(.so2_1h, concentration: d("900"), standard: .hj633_2012).get()) == nil)
        #expect(try AirQualityIndex.iaqi(.o3_8h, concentration: d("801"), standard: .hj633_2026).get() == 300)
        #expect((try? AirQualityIndex.iaqi(.o3_8h, concentration: d("801"), standard: .hj633_2012).get()) == nil)
        // 2012: O3 8-h above 800 falls back to the 1-h index, if given.
        let index = AirQualityIndex(concentrations: [.o3_8h: d("850"), .o3_1h: d("900")], standard: .hj633_2012)
        #expect(values(index) == ["O3_1h": 350])
    }

    /// §3.4: daily SO2 150 µg/m³ is IAQI 100, not the 50 of the public bug.
    @Test func dailySO2UsesTheDailyTable() throws {
        for standard in AQIStandard.allCases {
            #expect(try AirQualityIndex.iaqi(.so2_24h, concentration: d("150"), standard: standard).get() == 100)
        }
        #expect(try AirQualityIndex.iaqi(.so2_1h, concentration: d("150"), standard: .hj633_2026).get() == 50)
    }

    @Test func roundingUpIsExact() throws {
        // 110.0 exactly must stay 110 (binary arithmetic gives 110.00000000000001 → 111).
        #expect(try AirQualityIndex.iaqi(.pm25_1h, concentration: d("71"), standard: .hj633_2026).get() == 110)
        // 56.25 → 57; a breakpoint maps to its index exactly.
        #expect(try AirQualityIndex.iaqi(.no2_24h, concentration: d("45"), standard: .hj633_2012).get() == 57)
        #expect(try AirQualityIndex.iaqi(.pm10_24h, concentration: d("150"), standard: .hj633_2012).get() == 100)
        #expect(try AirQualityIndex.iaqi(.pm10_24h, concentration: d("0"), standard: .hj633_2012).get() == 0)
        // Beyond the table the index stays at the top of the scale.
        #expect(try AirQualityIndex.iaqi(.pm25_24h, concentration: d("900"), standard: .hj633_2026).get() == 500)
    }

    @Test func concentrationsAreRoundedFirstIn2026() throws {
        // GB/T 8170: 35.5 → 36 (round half to even), 34.5 → 34; CO 2.05 → 2.0 and 2.15 → 2.2.
        #expect(try AirQualityIndex.iaqi(.pm25_24h, concentration: d("35.5"), standard: .hj633_2026).get() == 52)
        #expect(try AirQualityIndex.iaqi(.pm25_24h, concentration: d("34.5"), standard: .hj633_2026).get() == 49)
        #expect(try AirQualityIndex.iaqi(.co_24h, concentration: d("2.05"), standard: .hj633_2026).get() == 50)
        #expect(try AirQualityIndex.iaqi(.co_24h, concentration: d("2.15"), standard: .hj633_2026).get() == 55)
        // 2012 interpolates the raw value: 34.5 → 49.28… → 50.
        #expect(try AirQualityIndex.iaqi(.pm25_24h, concentration: d("34.5"), standard: .hj633_2012).get() == 50)
    }

    @Test func noPrimaryPollutantAtFiftyOrBelow() {
        let index = AirQualityIndex(concentrations: [.so2_24h: d("10"), .no2_24h: d("10"), .co_24h: d("0.5"),
                                                     .o3_8h: d("60"), .pm10_24h: d("40"), .pm25_24h: d("20")],
                                    standard: .hj633_2026)
        #expect(index.aqi == 40)
        #expect(index.primaryPollutants.isEmpty)
        #expect(index.level?.category == "优")
    }

    @Test func missingPollutantWithholdsALowAQIIn2026() {
        let partial: [AirIndicator: DecimalNumber] = [.so2_24h: d("10"), .pm25_24h: d("50")]
        let index2026 = AirQualityIndex(concentrations: partial, standard: .hj633_2026)
        #expect(index2026.aqi == nil)
        #expect(index2026.iaqi.count == 2)
        let assessment = AirQualityAssessment(stationID: "S", periodStart: "2026-03-02T00:00:00+08:00", interval: .day,
                                              concentrations: partial, standard: .hj633_2026)
        #expect(assessment.data["aqi"] == .null && assessment.data["level"] == .null && assessment.data["category"] == .null)
        // Above 100 the AQI is published even with a pollutant missing.
        let high = AirQualityIndex(concentrations: [.pm25_24h: d("90")], standard: .hj633_2026)
        #expect(high.aqi == 128 && high.primaryPollutants == [.pm25_24h])
    }

    @Test func editionByDate() {
        #expect(AQIStandard.inForce(at: HJ212.Timestamp(year: 2026, month: 2, day: 28, hour: 23)!) == .hj633_2012)
        #expect(AQIStandard.inForce(at: HJ212.Timestamp(year: 2026, month: 3, day: 1)!) == .hj633_2026)
    }

    @Test func levels() {
        let cases: [(Int, String, String)] = [(0, "一级", "优"), (50, "一级", "优"), (51, "二级", "良"), (100, "二级", "良"),
                                              (101, "三级", "轻度污染"), (150, "三级", "轻度污染"), (151, "四级", "中度污染"),
                                              (200, "四级", "中度污染"), (201, "五级", "重度污染"), (300, "五级", "重度污染"),
                                              (301, "六级", "严重污染"), (500, "六级", "严重污染")]
        for (aqi, level, category) in cases {
            #expect(AQILevel(aqi: aqi).level == level && AQILevel(aqi: aqi).category == category, "\(aqi)")
        }
    }

    @Test func milligramsAreConvertedForTheIndex() throws {
        // A station registered with mg/m³ for SO2: 0.009 mg/m³ is 9 µg/m³.
        let segment = "QN=20260601090000002;ST=22;CN=2061;PW=123456;MN=42118100AQ0001;Flag=5;CP=&&DataTime=20260601080000;a21026-Avg=0.009,a21026-Flag=N&&"
        guard case .frame(let frame, _) = HJ212.FrameDecoder().decode(HJ212.encodeFrame(segment: segment)) else {
            Issue.record("the frame did not decode")
            return
        }
        let station = StationRegistry.Station(mn: "42118100AQ0001", unitOverrides: ["a21026": "mg/m³"])
        let measurements = try EnvironmentMeasurement.normalize(frame, station: station).measurements
        let assessment = try #require(AirQualityAssessment(measurements: measurements))
        #expect(assessment.index.standard == .hj633_2026)
        #expect(values(assessment.index) == ["SO2_1h": 3])
        #expect(assessment.index.aqi == nil)
    }

    /// A unit is one unit however it is spelled: `ug/m³` left PM2.5 out of the AQI.
    @Test func unitSpellingsAreOneUnit() throws {
        for unit in ["µg/m³", "μg/m³", "ug/m³", "ug/m3", "UG/M3", "µg/m^3", "µg / m³"] {
            #expect(AirQualityAssessment.convert(DecimalNumber("71")!, unit: unit, to: .pm25_1h) == DecimalNumber("71"), "\(unit)")
        }
        #expect(AirQualityAssessment.convert(DecimalNumber("0.071")!, unit: "MG/M3", to: .pm25_1h) == DecimalNumber("71"))
        #expect(AirQualityAssessment.convert(DecimalNumber("71")!, unit: "ppm", to: .pm25_1h) == nil)
        let phosphorus = try #require(SurfaceWaterStandard.normalized(DecimalNumber("50")!, unit: "UG/L", code: "w21011"))
        #expect(DecimalNumber.compare(phosphorus, DecimalNumber("0.05")!) == 0)
    }
}
