import Foundation
import HuiliuCore
import HuiliuEnvironment
import HuiliuHJ212
import Testing

/// `huiliu hj212 decode`: one JSON line per frame, or envelopes with `--normalize`.
struct DecodeCommandTests {
    @Test func reportsFramesAndRejectionsOneLineEach() throws {
        let broken = Fixtures.airHour.replacingOccurrences(of: "C601", with: "C602")
        let lines = HJ212Decode.lines(Array((Fixtures.waterHour + "\n" + broken).utf8), normalize: false)
        #expect(lines.output.count == 2)
        let first = try JSONReader.parse(lines.output[0])
        #expect(first["edition"] == .string("2017"))
        #expect(first["crc"]?["valid"] == .bool(true))
        let second = try JSONReader.parse(lines.output[1])
        #expect(second["error"] == .string("CRC mismatch: frame says C602, computed C601"))
        #expect(lines.rejected == 1, "the command exits 1")
        #expect(HJ212Decode.lines(Array((Fixtures.waterHour + "\r\n\n").utf8), normalize: false).rejected == 0)
    }

    @Test func normalizeUsesTheStationRegistry() throws {
        let stations = StationRegistry(stations: [StationRegistry.Station(mn: "42118100AQ0001", agency: "麻城市生态环境局", region: "421181",
                                                                           unitOverrides: ["a21026": "mg/m³"])])
        let lines = HJ212Decode.lines(Array(Fixtures.airHour.utf8), normalize: true, stations: stations)
        let data = try #require(try JSONReader.parse(lines.output[0])["data"])
        #expect(data["parameter_code"] == "a21026" && data["unit"] == "mg/m³")
        #expect(data["agency"] == "麻城市生态环境局" && data["region"] == "421181")
        // The envelope names them as a pipeline's does, for `huiliu rule` and region filters.
        let envelope = try Envelope(json: try JSONReader.parse(lines.output[0]))
        #expect(envelope.extensions == ["region": "421181", "owner": "麻城市生态环境局"])
    }

    @Test func normalizePrintsDeterministicEnvelopes() throws {
        let lines = HJ212Decode.lines(Array(Fixtures.airHour.utf8), normalize: true)
        #expect(lines.output.count == 6)
        #expect(lines.diagnostics.isEmpty)
        let envelope = try Envelope(json: try JSONReader.parse(lines.output[0]))
        #expect(envelope.source == "/hj212/42118100AQ0001")
        #expect(envelope.type == "environment.measurement.v1")
        #expect(envelope.subject == "42118100AQ0001/a21026/hour/2024-06-01T08:00:00+08:00")
        #expect(envelope.id == Envelope.deterministicID(source: envelope.source, type: envelope.type, key: envelope.subject!))
        // The same capture decodes to the same ids every time.
        #expect(HJ212Decode.lines(Array(Fixtures.airHour.utf8), normalize: true) == lines)
    }

    @Test func normalizeReassemblesSplitUploadsAndReportsTheRest() {
        let one = Fixtures.frame("QN=20240601090000005;ST=21;CN=2061;PW=123456;MN=M1;Flag=7;PNUM=2;PNO=1;CP=&&DataTime=20240601080000;w01001-Avg=7.52,w01001-Flag=N&&")
        let two = Fixtures.frame("QN=20240601090000005;ST=21;CN=2061;PW=123456;MN=M1;Flag=7;PNUM=2;PNO=2;CP=&&w21003-Avg=0.42,w21003-Flag=N&&")
        let lonely = Fixtures.frame("QN=20240601090000006;ST=21;CN=2061;PW=123456;MN=M1;Flag=7;PNUM=2;PNO=1;CP=&&DataTime=20240601080000;w01001-Avg=7.52&&")
        let lines = HJ212Decode.lines(one + two + lonely + Array("garbage".utf8), normalize: true)
        #expect(lines.output.count == 2)
        #expect(lines.diagnostics.count == 2)
        #expect(lines.diagnostics.contains { $0.contains("split upload incomplete: 1 of 2 packets") })
        #expect(lines.rejected == 2, "the garbage and the incomplete upload")
    }
}
