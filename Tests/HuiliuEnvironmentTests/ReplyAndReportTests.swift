import HuiliuCore
import HuiliuEnvironment
import Testing

struct ReplyTests {
    func decode(_ text: String) -> HJ212.Frame? {
        guard case .frame(let frame, _) = HJ212.FrameDecoder().decode(Fixtures.bytes(text)) else { return nil }
        return frame
    }

    /// domain.md §1.4: the 9014 that answers the air-quality hour frame, byte for byte.
    @Test func dataAnswerMatchesDomainMd() throws {
        let upload = try #require(decode(Fixtures.airQualityHour))
        #expect(upload.needsAnswer)
        let reply = HJ212.Reply.dataAnswer.frame(answering: upload)
        #expect(String(decoding: reply, as: UTF8.self) == Fixtures.airQualityAck)
    }

    @Test func everyReplyKind() throws {
        let request = try #require(decode(Fixtures.appendixA))
        let cases: [(HJ212.Reply, String)] = [
            (.requestAnswer(.ready), "QN=20160801085857223;ST=91;CN=9011;PW=100000;MN=010000A8900016F000169DC0;Flag=4;CP=&&QnRtn=1&&"),
            (.requestAnswer(.wrongPassword), "QN=20160801085857223;ST=91;CN=9011;PW=100000;MN=010000A8900016F000169DC0;Flag=4;CP=&&QnRtn=3&&"),
            (.executionResult(.success), "QN=20160801085857223;ST=91;CN=9012;PW=100000;MN=010000A8900016F000169DC0;Flag=4;CP=&&ExeRtn=1&&"),
            (.executionResult(.noData), "QN=20160801085857223;ST=91;CN=9012;PW=100000;MN=010000A8900016F000169DC0;Flag=4;CP=&&ExeRtn=100&&"),
            (.noticeAnswer, "QN=20160801085857223;ST=91;CN=9013;PW=100000;MN=010000A8900016F000169DC0;Flag=4;CP=&&&&"),
            (.dataAnswer, "QN=20160801085857223;ST=91;CN=9014;PW=100000;MN=010000A8900016F000169DC0;Flag=4;CP=&&&&"),
        ]
        for (reply, segment) in cases {
            let bytes = reply.frame(answering: request)
            #expect(bytes == HJ212.encodeFrame(segment: segment), "\(reply)")
            // Every reply is itself a valid frame.
            guard case .frame(let decoded, let consumed) = HJ212.FrameDecoder().decode(bytes) else {
                Issue.record("reply does not decode: \(reply)")
                continue
            }
            #expect(consumed == bytes.count && decoded.st == "91" && decoded.cn == reply.cn && !decoded.needsAnswer)
        }
    }

    @Test func flagFollowsTheEdition() throws {
        let v2025 = try #require(decode(Fixtures.alltobs2025))
        let reply2025 = String(decoding: HJ212.Reply.dataAnswer.frame(answering: v2025), as: UTF8.self)
        #expect(reply2025.contains(";Flag=8;CP=&&&&"))
        let v2005 = try #require(decode(Fixtures.xiaoyao2005))
        let reply2005 = String(decoding: HJ212.Reply.dataAnswer.frame(answering: v2005), as: UTF8.self)
        #expect(reply2005 == String(decoding: HJ212.encodeFrame(segment: "ST=91;CN=9014;PW=123456;MN=LD130133000015;CP=&&&&"), as: UTF8.self))
        let flagged2005 = try #require(decode(String(decoding: HJ212.encodeFrame(segment: "QN=20040516010101001;ST=32;CN=2011;PW=123456;MN=88888880000001;Flag=1;CP=&&&&"), as: UTF8.self)))
        let reply = String(decoding: HJ212.Reply.requestAnswer(.ready).frame(answering: flagged2005), as: UTF8.self)
        #expect(reply.contains("QN=20040516010101001;ST=91;CN=9011;PW=123456;MN=88888880000001;Flag=0;CP=&&QnRtn=1&&"))
    }

    @Test func encodedFramesHaveLengthAndUpperCaseCRC() {
        let frame = HJ212.encodeFrame(segment: "QN=20240601090000002;ST=91;CN=9014;PW=123456;MN=42118100AQ0001;Flag=4;CP=&&&&")
        #expect(String(decoding: frame, as: UTF8.self) == Fixtures.airQualityAck)
        #expect(HJ212.encodeFrame(segment: "")  == Array("##0000FFFF\r\n".utf8))
    }
}

struct DecodeReportTests {
    @Test func frameReport() throws {
        let lines = HJ212.decodeReportLines(Fixtures.bytes(Fixtures.surfaceWaterHour))
        #expect(lines.count == 1)
        let expected = #"{"edition":"2017","header":{"QN":"20240601090000001","ST":"21","CN":"2061","PW":"123456","MN":"42118100SW0001","Flag":4},"data_time":"2024-06-01T08:00:00+08:00","measurements":[{"code":"w01001","Avg":7.52,"Flag":"N"},{"code":"w01009","Avg":6.8,"Flag":"N"},{"code":"w01019","Avg":3.9,"Flag":"N"},{"code":"w21003","Avg":0.42,"Flag":"N"},{"code":"w21011","Avg":0.11,"Flag":"N"}],"length":{"declared":248,"actual":248},"crc":{"given":"81C1","computed":"81C1","valid":true},"deviations":["non_standard_mn"]}"#
        #expect(lines.first == expected)
    }

    @Test func appendixAReport() {
        let report = HJ212.decodeReport(Fixtures.bytes(Fixtures.appendixA))
        #expect(report.first?["fields"] == ["RtdInterval": "30"])
        #expect(report.first?["crc"] == ["given": "1C80", "computed": "1C80", "valid": true])
    }

    @Test func rejectionReport() {
        let input = Fixtures.bytes(Fixtures.appendixA + Fixtures.broken[0].frame)
        let report = HJ212.decodeReport(input)
        #expect(report.count == 2)
        let crcOffset = Fixtures.appendixA.utf8.count + 6 + 275
        let expected: Value = [
            "error": "CRC mismatch: frame says 1100, computed 2D00",
            "offset": .integer(crcOffset),
            "excerpt": .string(Digest.hexString(Array("1100\r\n".utf8))),
        ]
        #expect(report[1] == expected)
    }

    @Test func inspectingABadCRCShowsBothValues() {
        var configuration = HJ212.FrameDecoder.Configuration()
        configuration.verifiesCRC = false
        let report = HJ212.decodeReport(Fixtures.bytes(Fixtures.broken[0].frame), configuration: configuration)
        #expect(report.first?["crc"] == ["given": "1100", "computed": "2D00", "valid": false])
    }

    @Test func whitespaceBetweenFramesIsNotAnError() {
        let input = Fixtures.bytes(Fixtures.appendixA + "\n\n" + Fixtures.appendixA + "\n")
        #expect(HJ212.decodeReport(input).count == 2)
        let garbage = HJ212.decodeReport(Array("hello".utf8))
        #expect(garbage.count == 1)
        #expect(garbage.first?["error"]?.stringValue?.hasPrefix("no frame header") == true)
        #expect(garbage.first?["offset"] == 0 && garbage.first?["excerpt"] == "68656c6c6f")
    }

    @Test func truncatedInputReport() {
        let input = Array(Fixtures.bytes(Fixtures.appendixA).dropLast(4))
        let report = HJ212.decodeReport(input)
        #expect(report.first?["error"] == "frame truncated: input ends after 109 bytes, the frame needs 113 bytes")
        #expect(report.first?["offset"] == 109)
    }
}
