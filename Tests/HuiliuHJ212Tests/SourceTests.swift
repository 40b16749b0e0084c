import Foundation
import HuiliuCore
import HuiliuEnvironment
@testable import HuiliuHJ212
import HuiliuKit
import HuiliuKitTesting
import HuiliuStore
@testable import HuiliuTestSupport
import Testing

/// The `hj212` source over a buffer the listener filled.
struct SourceTests {
    static func fill(_ path: String, _ frames: [[UInt8]], stations: StationRegistry = StationRegistry()) throws {
        let buffer = try FrameBuffer(path: path)
        _ = try buffer.store(try frames.map { try FrameBufferTests.row($0, stations: stations) })
    }

    /// Registers the fixtures' surface-water section as a river in `directory`'s station registry.
    static func registerRiver(in directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory + "/config/hj212", withIntermediateDirectories: true)
        try "stations:\n  - mn: 42118100SW0001\n    water_body: river\n".write(
            toFile: directory + "/config/hj212/stations.yaml", atomically: true, encoding: .utf8)
    }

    /// Milliseconds since 1970 now, as frames are received: a run prunes delivered frames older
    /// than the retention, and a day's revision needs them as its history.
    static var now: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// The buffer row of `frame`, received now.
    static func row(_ frame: [UInt8]) throws -> BufferedFrame {
        var row = try FrameBufferTests.row(frame)
        row.receivedAt = now
        return row
    }

    static func source(_ values: Object, directory: String, batchSize: Int = 1000) throws -> HJ212Source {
        try HJ212Source(config: ParsedConfig(testing: values, baseDirectory: directory),
                        context: .testing(projectDirectory: directory, batchSize: batchSize))
    }

    @Test func readsTheBufferInOrderAndResumesFromItsCheckpoint() async throws {
        let directory = Fixtures.directory()
        let path = directory + "/data/hj212-buffer.db"
        try Self.fill(path, [Array(Fixtures.waterHour.utf8), Array(Fixtures.airHour.utf8)])
        let source = try Self.source([:], directory: directory)
        let batches = try await drain(source)
        let records = batches.flatMap(\.records)
        #expect(records.count == 11)
        #expect(records.map(\.origin.position) == Array(repeating: 1, count: 5) + Array(repeating: 2, count: 6))
        #expect(records.first?.origin.source == "42118100SW0001/20240601090000001")
        #expect(records.first?.type == "environment.measurement.v1")
        #expect(records.first?.dataschema == "https://huiliu.dev/schema/v1/environment.measurement.json")
        #expect(records.first?.key == "42118100SW0001/w01001/hour/2024-06-01T08:00:00+08:00")
        #expect(records.first?.time == "2024-06-01T08:00:00+08:00")
        let checkpoint = try #require(batches.last?.checkpoint)
        #expect(checkpoint.value["sequence"] == .integer(2))

        // New frames arrive; a run from the checkpoint reads only those.
        try Self.fill(path, [Array(Fixtures.realtimeAir.utf8)])
        let resumed = try await drain(source, after: checkpoint).flatMap(\.records)
        #expect(resumed.count == 7)
        #expect(Set(resumed.map(\.origin.position)) == [3])
        #expect(try await drain(source, after: Checkpoint(["sequence": .integer(3)])).flatMap(\.records).isEmpty)
    }

    /// A buffer replaced under the pipeline restarts its numbers: the source refuses to read it
    /// from the old checkpoint; and a buffer the listener never made is an error, not an empty read.
    @Test func refusesAReplacedOrMissingBuffer() async throws {
        let directory = Fixtures.directory()
        let path = directory + "/data/hj212-buffer.db"
        let source = try Self.source([:], directory: directory)
        await #expect { try await drain(source) } throws: { "\($0)".contains("no HJ 212 buffer at \(path)") }
        try Self.fill(path, [Array(Fixtures.waterHour.utf8), Array(Fixtures.airHour.utf8)])
        let checkpoint = try await drain(source).last?.checkpoint
        #expect(checkpoint?.value["buffer"]?.stringValue?.count == 32)
        try FileManager.default.removeItem(atPath: path)
        try Self.fill(path, [Array(Fixtures.realtimeAir.utf8)])
        await #expect { try await drain(source, after: checkpoint) } throws: { "\($0)".contains("is not the HJ 212 buffer this pipeline's checkpoint is in") }
        // A checkpoint from before buffers had identities is checked against the numbers given out.
        await #expect { try await drain(source, after: Checkpoint(["sequence": 2])) } throws: { "\($0)".contains("has given out only 1") }
    }

    @Test func recordsAreTheOnesTheListenerNormalizedAgainstItsStationEntry() async throws {
        let directory = Fixtures.directory()
        let station = StationRegistry.Station(mn: "42118100AQ0001", agency: "生态环境", region: "421181", password: "123456",
                                              unitOverrides: ["a21026": "mg/m³"])
        try Self.fill(directory + "/data/hj212-buffer.db", [Array(Fixtures.airHour.utf8)], stations: StationRegistry(stations: [station]))
        // The source has no registry of its own; the entry stored with the frame decides.
        let records = try await drain(try Self.source([:], directory: directory)).flatMap(\.records)
        let frame = try AdmissionAndAssemblyTests.decode(Array(Fixtures.airHour.utf8))
        let expected = try EnvironmentMeasurement.normalize(frame, station: station).measurements
        #expect(records.map(\.key) == expected.map(\.key))
        #expect(records.map(\.data) == expected.map(\.data))
        #expect(records.map(\.time) == expected.map(\.time))
        let so2 = try #require(records.first { $0.data["parameter_code"] == .string("a21026") })
        #expect(so2.data["unit"] == .string("mg/m³"))
        #expect(so2.data["agency"] == .string("生态环境"))
        // The envelope names the station's region and agency, as other connectors' envelopes do.
        #expect(records.allSatisfy { $0.extensions == ["region": "421181", "owner": "生态环境"] })
        let assessed = try await drain(try Self.source(["assess": .bool(true)], directory: directory)).flatMap(\.records)
        let assessments = assessed.filter { $0.type == "environment.assessment.v1" }
        #expect(!assessments.isEmpty && assessments.allSatisfy { $0.extensions == ["region": "421181", "owner": "生态环境"] })
    }

    @Test func batchesAreBoundedAndEachCarriesItsCheckpoint() async throws {
        let directory = Fixtures.directory()
        let path = directory + "/data/hj212-buffer.db"
        try Self.fill(path, (1...20).map { Fixtures.upload(mn: "M\($0)", qn: "20240601090000001") })
        let batches = try await drain(try Self.source([:], directory: directory, batchSize: 12))
        #expect(batches.count == 10)
        #expect(batches.map { $0.checkpoint?.value["sequence"]?.intValue } == (1...10).map { $0 * 2 })
    }

    @Test func assessmentsFollowTheirHourFrames() async throws {
        let directory = Fixtures.directory()
        try Self.fill(directory + "/data/hj212-buffer.db", [Array(Fixtures.waterHour.utf8), Array(Fixtures.airHour.utf8)])
        try Self.registerRiver(in: directory)
        let records = try await drain(try Self.source(["assess": .bool(true)], directory: directory)).flatMap(\.records)
        let assessments = records.filter { $0.type == "environment.assessment.v1" }
        #expect(assessments.count == 2)
        let water = try #require(assessments.first)
        #expect(water.data["kind"] == .string("surface_water_class"))
        // domain.md §2.4: a river section is class III, limited by total phosphorus.
        #expect(water.data["water_class"] == .string("III"))
        #expect(water.data["limiting_parameters"] == .array([.string("w21011")]))
        #expect(water.dataschema == "https://huiliu.dev/schema/v1/environment.assessment.json")
        let air = try #require(assessments.last)
        #expect(air.data["kind"] == .string("air_quality_index"))
        #expect(air.data["standard"] == .string("HJ 633-2012"))
        #expect(records.last?.type == "environment.assessment.v1")
    }

    /// An air hour frame for `hour` o'clock on `day` June 2026, with PM2.5 `pm25` and fixed others.
    static func airHour(_ hour: Int, day: Int = 3, pm25: Int) -> [UInt8] {
        let time = String(format: "202606%02d%02d0000", day, hour)
        return Fixtures.frame("QN=\(time)000;ST=22;CN=2061;PW=123456;MN=42118100AQ0001;Flag=4;CP=&&DataTime=\(time);"
            + "a21026-Avg=12,a21026-Flag=N;a21004-Avg=45,a21004-Flag=N;a21005-Avg=1.1,a21005-Flag=N;"
            + "a05024-Avg=\((10...17).contains(hour) ? 150 : 60),a05024-Flag=N;a34002-Avg=130,a34002-Flag=N;"
            + "a34004-Avg=\(pm25),a34004-Flag=N&&")
    }

    /// An air station's 日报 follows its first hour frame of the next day, computed from the
    /// day's hours in the buffer as they stood then: a missing 23:00 does not hold it back. An
    /// hour that comes later (a logger's 补传) issues the report again, revised, with its key.
    @Test func theDailyReportFollowsTheFirstHourOfTheNextDay() async throws {
        let directory = Fixtures.directory()
        let path = directory + "/data/hj212-buffer.db"
        // 22 hours of 3 June with PM2.5 68 (12:00 and 23:00 missing), then 00:00 and 01:00 of
        // 4 June, then 12:00 of 3 June late with 500 and 23:00 with 68.
        let frames = (0..<23).filter { $0 != 12 }.map { Self.airHour($0, pm25: 68) }
            + [Self.airHour(0, day: 4, pm25: 68), Self.airHour(1, day: 4, pm25: 68), Self.airHour(12, pm25: 500), Self.airHour(23, pm25: 68)]
        try Self.fill(path, frames)
        let source = try Self.source(["assess": .bool(true)], directory: directory)
        let assessments = try await drain(source).flatMap(\.records).filter { $0.type == "environment.assessment.v1" }
        #expect(assessments.count == 28)
        let daily = assessments.filter { $0.data["interval"] == .string("day") }
        #expect(daily.count == 2)
        let report = try #require(daily.first)
        #expect(report.key == "42118100AQ0001/air_quality_index/HJ 633-2026/day/2026-06-03T00:00:00+08:00")
        #expect(report.time == "2026-06-03T00:00:00+08:00")
        #expect(report.origin.position == 23)
        // domain.md §3.5 A: the day's means are the example's inputs, so the AQI is 108.
        #expect(report.data["concentrations"] == [
            "SO2_24h": .decimal(DecimalNumber("12")!), "NO2_24h": .decimal(DecimalNumber("45")!),
            "CO_24h": .decimal(DecimalNumber("1.1")!), "O3_8h": .decimal(DecimalNumber("150")!),
            "PM10_24h": .decimal(DecimalNumber("130")!), "PM2.5_24h": .decimal(DecimalNumber("68")!),
        ])
        #expect(report.data["aqi"] == .integer(108) && report.data["primary_pollutants"] == ["PM2.5_24h"])
        // The late hours revise it, once for the batch that brought both, as the last of them:
        // PM2.5 over 24 hours is (23 × 68 + 500) / 24 = 86, IAQI 100 + (86 − 60) × 50 / 55 = 123.6,
        // rounded up to 124 (HJ 633-2026).
        let revised = try #require(daily.last)
        #expect(revised.key == report.key && revised.time == report.time)
        #expect(revised.origin.position == 26)
        #expect(revised.data["concentrations"]?["PM2.5_24h"] == .decimal(DecimalNumber("86")!))
        #expect(revised.data["aqi"] == .integer(124) && revised.data["primary_pollutants"] == ["PM2.5_24h"], "\(revised.data)")
        // A rerun of the same frames gives the same reports.
        let again = try await drain(source).flatMap(\.records).filter { $0.data["interval"] == .string("day") }
        #expect(again.map(\.data) == daily.map(\.data))
    }

    /// A split upload stored incomplete (its second packet late), and completed after the
    /// next day's first hour issued the 日报, revises the report: it is stored as of its first
    /// packet, before that hour, but the report had only the part that had come.
    @Test func aSplitUploadCompletedAfterTheReportRevisesIt() async throws {
        let directory = Fixtures.directory()
        let path = directory + "/data/hj212-buffer.db"
        let qn = "QN=20260603120000000;ST=22;CN=2061;PW=123456;MN=42118100AQ0001;Flag=6;PNUM=2;"
        let first = Fixtures.frame(qn + "PNO=1;CP=&&DataTime=20260603120000;a21026-Avg=12,a21026-Flag=N;a21004-Avg=45,a21004-Flag=N;"
            + "a21005-Avg=1.1,a21005-Flag=N;a05024-Avg=150,a05024-Flag=N;a34002-Avg=130,a34002-Flag=N&&")
        let second = Fixtures.frame(qn + "PNO=2;CP=&&a34004-Avg=500,a34004-Flag=N&&")
        let buffer = try FrameBuffer(path: path)
        _ = try buffer.store(try ((0..<24).filter { $0 != 12 }.map { Self.airHour($0, pm25: 68) } + [first]).map(Self.row))
        #expect(try buffer.storeIncompleteUploads(firstReceivedBefore: Self.now + 1, stations: StationRegistry()) == 1)
        _ = try buffer.store([try Self.row(Self.airHour(0, day: 4, pm25: 68))])
        let source = try Self.source(["assess": .bool(true)], directory: directory)
        func reports(_ batches: [RecordBatch]) -> [Record] { batches.flatMap(\.records).filter { $0.data["interval"] == .string("day") } }
        // Issued by 00:00 of 4 June with 12:00's PM2.5 missing: 23 hours of 68, AQI 108 (domain.md §3.5 A).
        let read = try await drain(source)
        let issued = reports(read)
        #expect(issued.map { $0.data["concentrations"]?["PM2.5_24h"] } == [.decimal(DecimalNumber("68")!)])
        #expect(issued.map { $0.data["aqi"] } == [.integer(108)])
        // The late packet completes 12:00: the next run revises the report, (23 × 68 + 500) / 24 = 86.
        #expect(try buffer.store([try Self.row(second)]) == [.stored(sequence: 26)])
        let revised = reports(try await drain(source, after: read.last?.checkpoint))
        #expect(revised.map { $0.data["concentrations"]?["PM2.5_24h"] } == [.decimal(DecimalNumber("86")!)])
        #expect(revised.map { $0.data["aqi"] } == [.integer(124)])
        #expect(revised.map(\.key) == issued.map(\.key))
        // A rerun of the whole buffer ends with the same report.
        #expect(reports(try await drain(source)).last?.data == revised.last?.data)
    }

    /// The next day's first hour, stored incomplete, issued the 日报; a 补传 then revised it;
    /// the first hour's late packet moves it on. Read again there, it is no first hour issuing
    /// the report from the hours stored before it (without the 补传, undoing the revision under
    /// the same key), but revises it from the hours read before it.
    @Test func aFirstHourCompletedLateDoesNotUndoARevision() async throws {
        let directory = Fixtures.directory()
        let buffer = try FrameBuffer(path: directory + "/data/hj212-buffer.db")
        let qn = "QN=20260604000000000;ST=22;CN=2061;PW=123456;MN=42118100AQ0001;Flag=6;PNUM=2;"
        let firstHour = Fixtures.frame(qn + "PNO=1;CP=&&DataTime=20260604000000;a21026-Avg=12,a21026-Flag=N;a21004-Avg=45,a21004-Flag=N&&")
        let rest = Fixtures.frame(qn + "PNO=2;CP=&&a34004-Avg=68,a34004-Flag=N&&")
        _ = try buffer.store(try ((0..<24).filter { $0 != 12 }.map { Self.airHour($0, pm25: 68) } + [firstHour]).map(Self.row))
        #expect(try buffer.storeIncompleteUploads(firstReceivedBefore: Self.now + 1, stations: StationRegistry()) == 1)
        let source = try Self.source(["assess": .bool(true)], directory: directory)
        func reports(_ batches: [RecordBatch]) -> [Value?] {
            batches.flatMap(\.records).filter { $0.data["interval"] == .string("day") }.map { $0.data["aqi"] }
        }
        let read = try await drain(source)
        #expect(reports(read) == [.integer(108)])
        // 12:00 late with PM2.5 500: (23 × 68 + 500) / 24 = 86, AQI 124; then the first hour's packet. One
        // revision for the batch, and no report issued again from before the 补传.
        _ = try buffer.store([try Self.row(Self.airHour(12, pm25: 500))])
        #expect(try buffer.store([try Self.row(rest)]) == [.stored(sequence: 26)])
        let later = reports(try await drain(source, after: read.last?.checkpoint))
        #expect(later == [.integer(124)], "\(later)")
    }

    /// A revision read in a batch of its own, before a row it covers was moved on by a late
    /// packet, still has that row: it could be read from where it was first stored.
    @Test func aRevisionCountsARowMovedOnAfterIt() async throws {
        let directory = Fixtures.directory()
        let buffer = try FrameBuffer(path: directory + "/data/hj212-buffer.db")
        let qn = "QN=20260603100000000;ST=22;CN=2061;PW=123456;MN=42118100AQ0001;Flag=6;PNUM=2;"
        let first = Fixtures.frame(qn + "PNO=1;CP=&&DataTime=20260603100000;a21026-Avg=12,a21026-Flag=N;a21004-Avg=45,a21004-Flag=N;"
            + "a21005-Avg=1.1,a21005-Flag=N;a05024-Avg=150,a05024-Flag=N;a34002-Avg=130,a34002-Flag=N&&")
        let second = Fixtures.frame(qn + "PNO=2;CP=&&a34004-Avg=500,a34004-Flag=N&&")
        // Hours 0–22 but 10, 10:00 stored without its PM2.5, then 00:00 of 4 June.
        _ = try buffer.store(try ((0..<23).filter { $0 != 10 }.map { Self.airHour($0, pm25: 68) } + [first]).map(Self.row))
        #expect(try buffer.storeIncompleteUploads(firstReceivedBefore: Self.now + 1, stations: StationRegistry()) == 1)
        _ = try buffer.store([try Self.row(Self.airHour(0, day: 4, pm25: 68))])
        let source = try Self.source(["assess": .bool(true)], directory: directory, batchSize: 6)
        let read = try await drain(source)
        // 23:00 late, then 10:00's PM2.5: read one frame a batch, the revision at 23:00 has all 24
        // hours, 10:00's as it is now: (23 × 68 + 500) / 24 = 86, AQI 124.
        _ = try buffer.store([try Self.row(Self.airHour(23, pm25: 68))])
        _ = try buffer.store([try Self.row(second)])
        let later = try await drain(source, after: read.last?.checkpoint)
        let reports = later.flatMap(\.records).filter { $0.data["interval"] == .string("day") }
        #expect(reports.map { $0.data["aqi"] } == [.integer(124), .integer(124)], "\(reports.map(\.data))")
    }

    /// A split upload of stored history covering two hours gets one assessment per hour.
    @Test func eachHourOfAMultiHourUploadIsAssessedOnItsOwn() async throws {
        let directory = Fixtures.directory()
        let one = Fixtures.frame("QN=20240601100000001;ST=21;CN=2061;PW=123456;MN=42118100SW0001;Flag=7;PNUM=2;PNO=1;"
            + "CP=&&DataTime=20240601080000;w21003-Avg=0.42,w21003-Flag=N;w21011-Avg=0.05,w21011-Flag=N&&")
        let two = Fixtures.frame("QN=20240601100000001;ST=21;CN=2061;PW=123456;MN=42118100SW0001;Flag=7;PNUM=2;PNO=2;"
            + "CP=&&DataTime=20240601090000;w21003-Avg=1.8,w21003-Flag=N;w21011-Avg=0.05,w21011-Flag=N&&")
        try Self.fill(directory + "/data/hj212-buffer.db", [one, two])
        try Self.registerRiver(in: directory)
        let records = try await drain(try Self.source(["assess": .bool(true)], directory: directory)).flatMap(\.records)
        let water = records.filter { $0.type == "environment.assessment.v1" }
        #expect(water.map { $0.data["period_start"] } == ["2024-06-01T08:00:00+08:00", "2024-06-01T09:00:00+08:00"])
        // 08:00: NH3-N 0.42 and TP 0.05 are class II; 09:00: NH3-N 1.8 is class V.
        #expect(water.map { $0.data["water_class"] } == ["II", "V"])
        #expect(water.map { $0.data["limiting_parameters"] } == [["w21003", "w21011"], ["w21003"]])
    }

    /// A run deletes the frames it has delivered once they are older than `retention`; frames not
    /// yet delivered stay whatever their age.
    @Test func deliveredFramesArePrunedAfterTheirRetention() async throws {
        let directory = Fixtures.directory()
        let path = directory + "/data/hj212-buffer.db"
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let ages: [Int64] = [8 * 86_400_000, 8 * 86_400_000, 3_600_000, 9 * 86_400_000]  // frames 1–4
        let rows = try ages.enumerated().map { i, age in
            var row = try FrameBufferTests.row(Fixtures.upload(mn: "M\(i + 1)", qn: "20240601090000001"))
            row.receivedAt = now - age
            return row
        }
        _ = try FrameBuffer(path: path).store(rows)
        let source = try Self.source([:], directory: directory)
        // Delivered through 3: the 8-day-old frames 1 and 2 go; 3 is an hour old; 4 is undelivered.
        let records = try await drain(source, after: Checkpoint(["sequence": .integer(3)])).flatMap(\.records)
        #expect(records.map(\.origin.position) == [4])
        let left = try FrameBuffer(path: path).frames(after: 0, limit: 10).map(\.sequence)
        #expect(left == [3, 4])
        // A shorter retention than the AQI's window is refused.
        #expect(throws: ConfigError.self) { try Self.source(["retention": "1d"], directory: directory) }
    }

    /// Two pipelines reading one buffer: a frame goes only once both have delivered it, so the
    /// one that runs more often cannot delete what the other has yet to read.
    @Test func framesGoOnlyOnceEveryReaderHasThem() throws {
        let path = Fixtures.directory() + "/data/hj212-buffer.db"
        let now = Int64(Date().timeIntervalSince1970 * 1000), week = Int64(7 * 86_400_000)
        let rows = try (1...3).map { i in
            var row = try FrameBufferTests.row(Fixtures.upload(mn: "M\(i)", qn: "20240601090000001"))
            row.receivedAt = now - 2 * week
            return row
        }
        let buffer = try FrameBuffer(path: path)
        _ = try buffer.store(rows)
        #expect(try buffer.prune(pipeline: "weekly", deliveredThrough: 1, retention: week, now: now) == 1)
        #expect(try buffer.prune(pipeline: "hourly", deliveredThrough: 3, retention: week, now: now) == 0)
        #expect(try buffer.frames(after: 0, limit: 10).map(\.sequence) == [2, 3])
        #expect(try buffer.prune(pipeline: "weekly", deliveredThrough: 3, retention: week, now: now) == 2)
    }

    /// A pipeline is one of the buffer's readers from its first run, before any checkpoint:
    /// another pipeline's pruning must wait for it from then on.
    @Test func aFirstRunMakesThePipelineAReader() async throws {
        let directory = Fixtures.directory()
        try Self.fill(directory + "/data/hj212-buffer.db", [Array(Fixtures.waterHour.utf8)])
        let source = try Self.source([:], directory: directory)
        _ = try await drain(source)
        let readers = try SQLiteDatabase(path: directory + "/data/hj212-buffer.db")
            .prepare("SELECT pipeline, sequence FROM hj212_readers").rows().map { ($0[0].text, $0[1].integer) }
        #expect(readers.count == 1 && readers.first?.1 == 0)
    }

    /// domain.md §2.4: the water body must be stored per section. Without it the section is not
    /// taken for a river, nor reported better than it can be: total phosphorus (III in a river,
    /// V in a lake) makes it at least III, and V were it a lake.
    @Test func aSectionWithoutAWaterBodyIsNotAssessedAsARiver() async throws {
        let directory = Fixtures.directory()
        try Self.fill(directory + "/data/hj212-buffer.db", [Array(Fixtures.waterHour.utf8)])
        let records = try await drain(try Self.source(["assess": .bool(true)], directory: directory)).flatMap(\.records)
        let water = try #require(records.last)
        #expect(water.data["water_body"] == .string("unknown"))
        #expect(water.data["water_class"] == .string("III") && water.data["water_class_if_lake_reservoir"] == .string("V"))
        let phosphorus = water.data["items"]?.arrayValue?.first { $0["parameter_code"] == .string("w21011") }
        #expect(phosphorus?["class"] == .string("III") && phosphorus?["class_if_lake_reservoir"] == .string("V"))
    }

    @Test func aLakeSectionFromTheRegistryIsAssessedAsALake() async throws {
        let directory = Fixtures.directory()
        try Self.fill(directory + "/data/hj212-buffer.db", [Array(Fixtures.waterHour.utf8)])
        try FileManager.default.createDirectory(atPath: directory + "/config/hj212", withIntermediateDirectories: true)
        try "stations:\n  - mn: 42118100SW0001\n    water_body: lake_reservoir\n".write(
            toFile: directory + "/config/hj212/stations.yaml", atomically: true, encoding: .utf8)
        let records = try await drain(try Self.source(["assess": .bool(true)], directory: directory)).flatMap(\.records)
        // domain.md §2.4: in a lake or reservoir the same TP makes the section class V.
        #expect(records.last?.data["water_class"] == .string("V"))
    }

    @Test func runsItsOwnListenerForTheRun() async throws {
        let directory = Fixtures.directory()
        try FileManager.default.createDirectory(atPath: directory + "/config/hj212", withIntermediateDirectories: true)
        try "stations:\n  - mn: 42118100AQ0001\n    password: \"123456\"\n".write(
            toFile: directory + "/config/hj212/stations.yaml", atomically: true, encoding: .utf8)
        // The source takes a fixed address. A port probed free could be taken by another test's
        // connection before the source binds it (ports handed out for port 0 and for outgoing
        // connections come from the same range), so the port is picked below that range and
        // the attempt repeated if it is in use after all.
        for attempt in 1...5 {
            let port = Int.random(in: 20_000..<32_000)
            // Long enough for a loaded machine to connect, send and store before the listener stops;
            // the test ends the run once the frame's records came.
            let source = try Self.source(["listen": .string("127.0.0.1:\(port)"), "duration": .string("60s")], directory: directory)
            do {
                let records = try await deliverOneFrame(through: source, port: port)
                #expect(records.count == 6)
                return
            } catch where attempt < 5 && "\(error)".contains("the port is taken") {
                continue
            }
        }
    }

    /// Runs `source`, sends it one air-quality frame as a device on `port` would, and returns
    /// what the run read by the time that frame's six records came (or the listener's time was
    /// up); then ends the run, and its listener with it.
    func deliverOneFrame(through source: HJ212Source, port: Int) async throws -> [Record] {
        // The run's listener is bound once its reader is there.
        var reader = try await source.reader(after: nil)
        var records: [Record] = []
        do {
            var client: TestClient?
            try await eventually("a connection to the run's listener", timeout: .seconds(30)) {
                client = try? await TestClient.connect(port: port)
                return client != nil
            }
            if let device = client {
                try await device.send(Fixtures.airHour)
                #expect(try await device.waitForReplies(1).count == 1)
                while records.count < 6, let batch = try await reader.next() { records += batch.records }
                await device.close()
            }
        } catch {
            await reader.close()
            throw error
        }
        await reader.close()
        return records
    }

    @Test func specRejectsABadListenAddress() throws {
        #expect(throws: ConfigError.self) {
            _ = try Self.source(["listen": .string("here")], directory: Fixtures.directory())
        }
    }
}
