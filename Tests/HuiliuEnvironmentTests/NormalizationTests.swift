import Foundation
import HuiliuCore
import HuiliuEnvironment
import Testing

struct NormalizationTests {
    func frame(_ text: String) throws -> HJ212.Frame {
        guard case .frame(let frame, _) = HJ212.FrameDecoder().decode(Fixtures.bytes(text)) else {
            throw HJ212.FrameError(.truncated, offset: 0, message: "not decoded")
        }
        return frame
    }

    func frame(segment: String) throws -> HJ212.Frame {
        try frame(String(decoding: HJ212.encodeFrame(segment: segment), as: UTF8.self))
    }

    @Test func hourFrameHasTheExactShape() throws {
        let station = StationRegistry.Station(mn: "42118100SW0001", agency: "生态环境", region: "421181")
        let result = try EnvironmentMeasurement.normalize(frame(Fixtures.surfaceWaterHour), station: station)
        #expect(result.measurements.count == 5)
        #expect(result.skipped.isEmpty)
        let tp = result.measurements[4]
        let expected: Value = [
            "station_id": "42118100SW0001", "system_code": "21", "edition": "2017", "interval": "hour",
            "period_start": "2024-06-01T08:00:00+08:00", "parameter_code": "w21011", "parameter_name": "总磷",
            "device_code": "w21011", "value": .decimal(DecimalNumber("0.11")!), "avg": .decimal(DecimalNumber("0.11")!),
            "unit": "mg/L", "flag": "N", "valid": true, "status": "valid", "qn": "20240601090000001", "agency": "生态环境", "region": "421181",
        ]
        #expect(tp.data == expected)
        #expect(tp.data.objectValue?.keys == ["station_id", "system_code", "edition", "interval", "period_start",
                                              "parameter_code", "parameter_name", "device_code", "value", "avg", "unit",
                                              "flag", "valid", "status", "qn", "agency", "region"])
        #expect(tp.key == "42118100SW0001/w21011/hour/2024-06-01T08:00:00+08:00")
        #expect(tp.time == "2024-06-01T08:00:00+08:00")
        #expect(result.measurements[0].data["unit"] == "无量纲")
        let record = tp.record(origin: RecordOrigin("hj212://42118100SW0001"))
        #expect(record.type == "environment.measurement.v1" && record.key == tp.key && record.time == tp.time)
    }

    @Test func legacyCodesAreMapped() throws {
        let result = try EnvironmentMeasurement.normalize(frame(Fixtures.xiaoyao2005))
        let codes = result.measurements.map { ($0.data["device_code"]?.stringValue, $0.data["parameter_code"]?.stringValue) }
        #expect(codes.map(\.0) == ["B01", "011", "060"])
        #expect(codes.map(\.1) == ["w00000", "w01018", "w21003"])
        let cod = result.measurements[1].data
        #expect(cod["parameter_name"] == "化学需氧量")
        #expect(cod["edition"] == "2005" && cod["interval"] == "realtime")
        #expect(cod["value"]?.jsonText == "231.0")
        #expect(cod["period_start"] == "2016-08-24T00:38:17+08:00")
        #expect(cod["qn"] == nil)
        #expect(result.measurements[0].data["flag"] == "N", "a missing flag defaults to N")
    }

    @Test func realTimeUsesRtdAndZsRtd() throws {
        let f = try frame(segment: "QN=20240601090000003;ST=31;CN=2011;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&DataTime=20240601080012;a21026-Rtd=35.2,a21026-ZsRtd=40.1,a21026-Flag=M,a21026-EFlag=A01,a21026-SampleTime=20240601080000&&")
        let m = try #require(EnvironmentMeasurement.normalize(f).measurements.first).data
        #expect(m["value"]?.jsonText == "35.2")
        #expect(m["zs_value"]?.jsonText == "40.1")
        #expect(m["flag"] == "M" && m["valid"] == false && m["status"] == "maintenance")
        #expect(m["eflag"] == "A01")
        #expect(m["sample_time"] == "2024-06-01T08:00:00+08:00")
        #expect(m["unit"] == "mg/m³", "stacks report SO2 in mg/m³")
        #expect(m["interval"] == "realtime")
        #expect(m["avg"] == nil && m["min"] == nil)
    }

    @Test func dayDataCarriesMinMaxCou() throws {
        let f = try frame(segment: "QN=20240602000100001;ST=32;CN=2031;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&DataTime=20240601000000;w01018-Cou=12.5,w01018-Min=20.1,w01018-Avg=25.0,w01018-Max=30.9,w01018-ZsAvg=26.0,w01018-Flag=N&&")
        let m = try #require(EnvironmentMeasurement.normalize(f).measurements.first).data
        #expect(m.objectValue?.keys == ["station_id", "system_code", "edition", "interval", "period_start", "parameter_code",
                                        "parameter_name", "device_code", "value", "min", "max", "avg", "cou", "zs_value",
                                        "unit", "flag", "valid", "status", "qn"])
        #expect(m["interval"] == "day" && m["value"]?.jsonText == "25.0" && m["cou"]?.jsonText == "12.5")
    }

    @Test func ambientUnitsAndStationOverrides() throws {
        let f = try frame(Fixtures.airQualityHour)
        let plain = try EnvironmentMeasurement.normalize(f).measurements
        #expect(plain.map { $0.data["unit"]?.stringValue ?? "-" } == ["µg/m³", "µg/m³", "mg/m³", "µg/m³", "µg/m³", "µg/m³"])
        let station = StationRegistry.Station(mn: "42118100AQ0001", unitOverrides: ["a21026": "mg/m³", "a34004": "ng/m³"])
        let overridden = try EnvironmentMeasurement.normalize(f, station: station).measurements
        #expect(overridden[0].data["unit"] == "mg/m³")
        #expect(overridden[5].data["unit"] == "ng/m³")
    }

    @Test func unknownCodesKeepTheirCodeAndHaveNoName() throws {
        let m = try EnvironmentMeasurement.normalize(frame(Fixtures.airHour)).measurements
        #expect(m.count == 5)
        #expect(m[0].data["parameter_code"] == "a34006" && m[0].data["parameter_name"] == nil && m[0].data["unit"] == nil)
    }

    @Test func measurementsWithoutAValueAreReported() throws {
        // `LA-td` (a typo for LA-Rtd) leaves LA with only a flag.
        let segment = String(Fixtures.fork453.utf8.dropFirst(6).dropLast(6))!
        let f = try frame(segment: segment)
        let result = try EnvironmentMeasurement.normalize(f)
        #expect(result.measurements.count == 11)
        #expect(result.skipped.map(\.code) == ["LA"])
        #expect(result.skipped.first?.reason == "no Rtd value")
    }

    /// An hour whose one reading is not a number keeps the others, and says which and why.
    @Test func anUnreadableValueSkipsOnlyItsMeasurement() throws {
        let f = try frame(segment: "QN=20240602000000001;ST=21;CN=2061;PW=123456;MN=42118100SW0001;Flag=4;CP=&&DataTime=20240601080000;"
                          + "w01001-Avg=7.5,w01001-Flag=N;w21003-Avg=0.3,w21003-Flag=N;w01019-Avg=-,w01019-Flag=D&&")
        let result = try EnvironmentMeasurement.normalize(f)
        #expect(result.measurements.map { $0.data["device_code"] } == ["w01001", "w21003"])
        #expect(result.skipped.map(\.code) == ["w01019"] && result.skipped.first?.reason == "Avg '-' is not a number")
    }

    @Test func aDailyCumulativeAmountAloneIsAMeasurement() throws {
        // Wastewater flow reports the day's discharged volume as Cou, with no average.
        let f = try frame(segment: "QN=20240602000000001;ST=32;CN=2031;PW=123456;MN=42118100WS0001;Flag=4;CP=&&DataTime=20240601000000;"
                          + "w00000-Cou=1234.5,w00000-Flag=N;w01018-Min=20.1,w01018-Avg=25.3,w01018-Max=31.0,w01018-Cou=31.2,w01018-Flag=N&&")
        let result = try EnvironmentMeasurement.normalize(f)
        #expect(result.skipped.isEmpty)
        #expect(result.measurements.count == 2)
        let flow = result.measurements[0].data
        #expect(flow["parameter_code"] == "w00000" && flow["interval"] == "day")
        #expect(flow["value"] == nil && flow["cou"] == .decimal(DecimalNumber("1234.5")!))
        #expect(result.measurements[1].data["value"] == .decimal(DecimalNumber("25.3")!))
    }

    @Test func flagsMapToValidity() {
        #expect(EnvironmentMeasurement.isValid(flag: "N"))
        for flag in ["F", "M", "S", "D", "C", "T", "B", "P", "n"] {
            #expect(!EnvironmentMeasurement.isValid(flag: flag), "\(flag)")
        }
    }

    @Test func flagsMapToTheStateTheyReport() {
        let states = ["N": "valid", "F": "stopped", "M": "maintenance", "S": "manual", "D": "fault", "C": "calibration",
                      "T": "out_of_range", "B": "comms_fault", "P": "unknown", "n": "unknown", "": "unknown"]
        for (flag, state) in states { #expect(EnvironmentMeasurement.status(flag: flag) == state, "\(flag)") }
    }

    @Test func nonDataCommandsAreRefused() throws {
        #expect(throws: NormalizationError.notMeasurementData(cn: "1062")) {
            try EnvironmentMeasurement.normalize(frame(Fixtures.appendixA))
        }
        let noTime = try frame(segment: "QN=20240601090000003;ST=21;CN=2011;PW=123456;MN=42118100SW0001;Flag=4;CP=&&w01001-Rtd=7&&")
        #expect(throws: NormalizationError.missingDataTime) { try EnvironmentMeasurement.normalize(noTime) }
    }

    @Test func intervalsFromCommandCodes() {
        #expect(DataInterval(cn: "2011") == .realtime)
        #expect(DataInterval(cn: "2051") == .minute)
        #expect(DataInterval(cn: "2061") == .hour)
        #expect(DataInterval(cn: "2031") == .day)
        #expect(DataInterval(cn: "2041") == nil)
    }

    @Test func catalogMapsEveryLegacyCodeInDomainMd() {
        let pairs = ["B01": "w00000", "001": "w01001", "003": "w01012", "010": "w01017", "011": "w01018", "015": "w01020",
                     "065": "w21001", "060": "w21003", "101": "w21011", "080": "w22001", "110": "w23002", "070": "w21016",
                     "550": "w02003", "020": "w20111", "022": "w20115", "024": "w20117", "026": "w20119", "027": "w20120",
                     "B02": "a00000", "S02": "a01011", "S03": "a01012", "S08": "a01013", "S05": "a01014", "S01": "a19001",
                     "02": "a21026", "03": "a21002", "04": "a21005", "01": "a34013", "37": "a01010"]
        for (legacy, code) in pairs {
            #expect(ParameterCatalog.canonicalCode(for: legacy) == code, "\(legacy)")
        }
        #expect(ParameterCatalog.canonicalCode(for: "a34006") == "a34006")
        #expect(ParameterCatalog.parameter(for: "a05024")?.name == "臭氧")
    }
}

struct StationRegistryTests {
    @Test func readsConfiguration() throws {
        let config = try JSONReader.parse(#"""
        {"stations": [
          {"mn": "42118100SW0001", "name": "浮桥河大桥", "agency": "生态环境", "region": 421181, "edition": "2017",
           "password": "123456", "water_body": "lake_reservoir", "units": {"w01001": "无量纲"}},
          {"mn": "LD130133000015", "edition": "2005"}
        ]}
        """#)
        let registry = try StationRegistry(config)
        let station = try #require(registry["42118100SW0001"])
        #expect(station.name == "浮桥河大桥" && station.agency == "生态环境" && station.region == "421181")
        #expect(station.edition == .hj2017 && station.password == "123456" && station.waterBody == .lakeReservoir)
        #expect(station.unitOverrides == ["w01001": "无量纲"])
        #expect(registry["LD130133000015"]?.edition == .hj2005)
        #expect(registry["nope"] == nil)
        #expect(try StationRegistry(.array([["mn": "X"]])).stations.count == 1)
    }

    @Test func anEntryReadsBackFromItsValue() throws {
        var station = StationRegistry.Station(mn: "42118100SW0001", name: "浮桥河大桥", agency: "生态环境", region: "421181",
                                              edition: .hj2017, password: "123456",
                                              unitOverrides: ["w21003": "mg/L", "w01001": "无量纲"], waterBody: .lakeReservoir)
        #expect(try StationRegistry(.array([station.value(includingPassword: true)]))["42118100SW0001"] == station)
        // Without the password unless asked, and with units in code order, so one entry is one text.
        #expect(station.value()["password"] == nil)
        #expect(station.value().jsonText.contains("\"units\":{\"w01001\":\"无量纲\",\"w21003\":\"mg/L\"}"))
        station.password = nil
        #expect(try StationRegistry(.array([station.value()]))["42118100SW0001"] == station)
        #expect(StationRegistry.Station(mn: "X").value() == ["mn": "X"])
    }

    @Test func reportsWhereConfigurationIsWrong() throws {
        let cases: [(String, String)] = [
            (#"{"stations": [{"mn": "A", "edtion": "2017"}]}"#, "stations[0].edtion"),
            (#"{"stations": [{"mn": "A", "edition": "2018"}]}"#, "stations[0].edition"),
            (#"{"stations": [{"name": "x"}]}"#, "stations[0].mn"),
            (#"{"stations": [{"mn": "A"}, {"mn": "A"}]}"#, "stations[1].mn"),
            (#"{"stations": [{"mn": "A", "water_body": "sea"}]}"#, "stations[0].water_body"),
            (#"{"stations": [{"mn": "A", "units": {"w01001": 1}}]}"#, "stations[0].units.w01001"),
            (#"{"station": []}"#, "station"),
        ]
        for (json, path) in cases {
            let value = try JSONReader.parse(json)
            #expect(performing: { _ = try StationRegistry(value) }, throws: { ($0 as? StationRegistryError)?.path == path })
        }
    }

    /// A unit the assessments cannot convert is said, not refused: a stack's `ppm` for SO2 never
    /// feeds an AQI, and refusing it would refuse every device of the registry. (`mg/Nm3`, per
    /// normal cubic metre, converts.)
    @Test func unitsTheAssessmentsCannotUseAreWarnedOf() throws {
        let registry = try StationRegistry(JSONReader.parse(#"{"stations": [{"mn": "B", "units": {"a21026": "mg/Nm3", "w21011": "ug/L"}}, {"mn": "A", "units": {"a34004": "ppm", "w01001": "无量纲"}}]}"#))
        #expect(registry.unitWarnings == ["A units.a34004: 'ppm' is not a unit the AQI can use for a34004: µg/m³, mg/m³ or ng/m³"])
    }

    @Test func mismatchesAgainstRegistration() throws {
        guard case .frame(let frame, _) = HJ212.FrameDecoder().decode(Fixtures.bytes(Fixtures.surfaceWaterHour)) else {
            Issue.record("the surface-water fixture did not decode")
            return
        }
        let good = StationRegistry.Station(mn: "42118100SW0001", edition: .hj2017, password: "123456")
        #expect(good.mismatches(in: frame).isEmpty)
        let bad = StationRegistry.Station(mn: "42118100SW0001", edition: .hj2025, password: "654321")
        #expect(bad.mismatches(in: frame) == [.password, .edition(expected: .hj2025, found: .hj2017)])
    }
}

/// One pollutant, one name and unit, whichever way it comes: the HJ 212 listener's catalog and
/// the code table the REST and file mappings look names up in (config/lookups) agree.
struct ParameterTableTests {
    @Test func theCatalogAndTheLookupTableAgree() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("config/lookups/hj212_pollutants.csv"), encoding: .utf8)
        var lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = lines.removeFirst()
        let code = try #require(header.firstIndex(of: "code_2017")), name = try #require(header.firstIndex(of: "name")),
            unit = try #require(header.firstIndex(of: "unit"))
        var compared = 0
        for row in lines {
            guard let parameter = ParameterCatalog.parameter(for: row[code]) else { continue }
            compared += 1
            #expect(parameter.name == row[name], "\(row[code])")
            // The table keeps the standard's units where ambient stations report others (its note says so).
            if !["w00000", "a34001", "a34002", "a34004"].contains(row[code]) {
                #expect(parameter.unit ?? "" == row[unit], "\(row[code])")
            }
        }
        #expect(compared >= 40)
    }
}
