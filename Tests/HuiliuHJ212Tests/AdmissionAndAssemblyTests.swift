import HuiliuCore
import HuiliuEnvironment
@testable import HuiliuHJ212
import Testing

/// What the listener decides per frame, and how split uploads are put back together.
struct AdmissionAndAssemblyTests {
    static func decode(_ bytes: [UInt8]) throws -> HJ212.Frame {
        guard case .frame(let frame, _) = HJ212.FrameDecoder().decode(bytes, atEnd: true) else {
            throw DecodeFailure()
        }
        return frame
    }

    struct DecodeFailure: Error {}

    @Test func uploadsFromKnownStationsAreStoredAndAcknowledgedWhenAsked() throws {
        let admission = FrameAdmission(stations: Fixtures.stations(["42118100AQ0001", "42118100SW0001"]))
        #expect(admission.judge(try Self.decode(Array(Fixtures.airHour.utf8))) == .store(ack: true))
        #expect(admission.judge(try Self.decode(Array(Fixtures.waterHour.utf8))) == .store(ack: false))
    }

    @Test func unknownStationsAndWrongPasswordsAreRefused() throws {
        let admission = FrameAdmission(stations: Fixtures.stations(["42118100AQ0001"], password: "654321"))
        #expect(admission.judge(try Self.decode(Array(Fixtures.airHour.utf8))) == .refuse(.wrongPassword))
        #expect(admission.judge(try Self.decode(Array(Fixtures.waterHour.utf8))) == .refuse(.unknownStation))
        let open = FrameAdmission(stations: StationRegistry(), acceptsUnknownStations: true)
        #expect(open.judge(try Self.decode(Array(Fixtures.waterHour.utf8))) == .store(ack: false))
    }

    /// A measurement upload without DataTime gave no records: acknowledged, the device dropped
    /// it and the values were lost without a trace. Refused, the device keeps it. A split
    /// upload's later packets, and a state upload, need none.
    @Test func aMeasurementUploadWithoutDataTimeIsRefused() throws {
        let admission = FrameAdmission(stations: Fixtures.stations(["M1"]))
        let timeless = try Self.decode(Fixtures.frame("QN=20260613090000002;ST=21;CN=2061;PW=123456;MN=M1;Flag=5;CP=&&w01001-Avg=7.2,w01001-Flag=N&&"))
        #expect(admission.judge(timeless) == .refuse(.missingDataTime))
        let packet = try Self.decode(Fixtures.frame("QN=20260613090000002;ST=21;CN=2061;PW=123456;MN=M1;Flag=7;PNUM=2;PNO=2;CP=&&w01001-Avg=7.2&&"))
        #expect(admission.judge(packet) == .store(ack: true))
        // The first packet carries the upload's DataTime, or the whole upload has none.
        let first = try Self.decode(Fixtures.frame("QN=20260613090000002;ST=21;CN=2061;PW=123456;MN=M1;Flag=7;PNUM=2;PNO=1;CP=&&w01001-Avg=7.2&&"))
        #expect(admission.judge(first) == .refuse(.missingDataTime))
        let state = try Self.decode(Fixtures.frame("ST=32;CN=2021;PW=123456;MN=M1;CP=&&SB1-RS=1&&"))
        #expect(admission.judge(state) == .store(ack: false))
    }

    /// Behind a carrier's NAT the peer names no device: a rejected frame's MN and QN are read
    /// from its bytes for the log, when they are there.
    @Test func aRejectedFramesHeaderIsFoundForTheLog() {
        let bytes = Array("##0101QN=20260613090000002;ST=21;CN=2061;PW=123456;MN=42110200AQ0001;Flag=5;CP=&&w01001-Avg=1.5E-1&&1234\r\n".utf8)
        #expect(DecodedFrame.headerField("MN", in: bytes) == "42110200AQ0001")
        #expect(DecodedFrame.headerField("QN", in: bytes) == "20260613090000002")
        #expect(DecodedFrame.headerField("MN", in: Array("####\u{13}\u{11}garbage".utf8)) == nil)
        // Nor does the reason a malformed password is refused with.
        let frame = Fixtures.frame("QN=20260613090000002;ST=21;CN=2061;PW=12 45;MN=M1;Flag=5;CP=&&DataTime=20260613080000;w01001-Avg=7.2&&")
        if case .rejected(let error, _) = HJ212.FrameDecoder().decode(frame, atEnd: true) {
            #expect(error.message.contains("invalid PW") && !error.message.contains("12 45"), "\(error.message)")
        } else {
            Issue.record("a malformed PW was accepted")
        }
        // The hex excerpt of a log line never carries the device's password.
        let excerpt = DecodedFrame.hexExcerpt(Array("##0101ST=32;CN=2011;PW=123456;MN=M1".utf8), limit: 64)
        #expect(!excerpt.contains("313233343536") && excerpt.contains("50573d2a2a2a2a2a2a3b"), "\(excerpt)")
        #expect(DecodedFrame.headerField("QN", in: Array("##0101QN=2026\u{01}x;".utf8)) == nil)
    }

    /// Past ten wrong passwords a minute for one MN, its frames are refused for a minute, the
    /// right password too: guessing from fresh connections went at two thousand a second.
    @Test func passwordGuessingIsSlowed() {
        let guarded = PasswordGuard(limit: 10, window: .seconds(60))
        let start = ContinuousClock.now
        for attempt in 0..<10 { #expect(!guarded.failed("M1", now: start + .seconds(attempt))) }
        #expect(!guarded.isLocked("M1", now: start + .seconds(10)))
        #expect(guarded.failed("M1", now: start + .seconds(10)))
        #expect(guarded.isLocked("M1", now: start + .seconds(11)))
        #expect(!guarded.isLocked("M2", now: start + .seconds(11)))
        #expect(!guarded.isLocked("M1", now: start + .seconds(71)))
        // Counted per address: guesses from elsewhere do not shut the station itself out.
        for attempt in 0..<11 { _ = guarded.failed("M4", from: "203.0.113.9", now: start + .seconds(attempt)) }
        #expect(guarded.isLocked("M4", from: "203.0.113.9", now: start + .seconds(12)))
        #expect(!guarded.isLocked("M4", from: "10.1.2.3", now: start + .seconds(12)))
        // Wrong passwords spread thinner than the limit never lock.
        for minute in 0..<5 { #expect(!guarded.failed("M3", now: start + .seconds(minute * 61))) }
    }

    @Test func noticesAreAnsweredAndRepliesIgnored() throws {
        let admission = FrameAdmission(stations: Fixtures.stations(["M1"]))
        let heartbeat = try Self.decode(Fixtures.frame("QN=20260101000000000;ST=91;CN=9015;PW=123456;MN=M1;Flag=9;CP=&&&&"))
        #expect(admission.judge(heartbeat) == .answer(.noticeAnswer))
        let timeRequest = try Self.decode(Fixtures.frame("QN=20260101000000000;ST=21;CN=1013;PW=123456;MN=M1;Flag=5;CP=&&&&"))
        #expect(admission.judge(timeRequest) == .answer(.noticeAnswer))
        let answer = try Self.decode(Fixtures.frame("QN=20260101000000000;ST=91;CN=9014;PW=123456;MN=M1;Flag=4;CP=&&&&"))
        guard case .ignore = admission.judge(answer) else { Issue.record("9014 from a device should be ignored"); return }
        let command = try Self.decode(Fixtures.frame("QN=20260101000000000;ST=21;CN=3011;PW=123456;MN=M1;Flag=5;CP=&&PolId=w01018&&"))
        guard case .ignore = admission.judge(command) else { Issue.record("a host command should be ignored"); return }
    }

    @Test func packetsMergeIntoOneFramePerPeriod() throws {
        let first = try Self.decode(Fixtures.frame(
            "QN=20240601090000005;ST=21;CN=2061;PW=123456;MN=M1;Flag=7;PNUM=3;PNO=1;CP=&&DataTime=20240601080000;w01001-Avg=7.52,w01001-Flag=N;w21003-Min=0.40&&"))
        let second = try Self.decode(Fixtures.frame(
            "QN=20240601090000005;ST=21;CN=2061;PW=123456;MN=M1;Flag=7;PNUM=3;PNO=2;CP=&&w21003-Avg=0.42,w21003-Flag=N&&"))
        let third = try Self.decode(Fixtures.frame(
            "QN=20240601090000005;ST=21;CN=2061;PW=123456;MN=M1;Flag=7;PNUM=3;PNO=3;CP=&&DataTime=20240601090000;w01001-Avg=7.60,w01001-Flag=N&&"))
        // Packets may arrive in any order; PNO decides.
        let merged = PacketAssembly.merge([third, first, second])
        #expect(merged.count == 2)
        #expect(merged[0].measurements.map(\.code) == ["w01001", "w21003"])
        #expect(merged[0].measurement("w21003")?.min?.description == "0.40")
        #expect(merged[0].measurement("w21003")?.avg?.description == "0.42")
        #expect(merged[0].pnum == nil && merged[0].pno == nil)
        #expect(merged[1].dataTime?.rfc3339 == "2024-06-01T09:00:00+08:00")
        #expect(FrameRecords.normalize(merged, station: nil).measurements.count == 3)
    }
}
