import HuiliuCore
import HuiliuEnvironment
import Testing

/// Every real packet in domain.md §1.4 decodes with the documented fields.
struct FrameDecodeTests {
    func decode(_ text: String, _ configuration: HJ212.FrameDecoder.Configuration = .init()) throws -> HJ212.Frame {
        let bytes = Fixtures.bytes(text)
        switch HJ212.FrameDecoder(configuration: configuration).decode(bytes, atEnd: true) {
        case .frame(let frame, let consumed):
            #expect(consumed == bytes.count)
            return frame
        case .rejected(let error, _):
            Issue.record("rejected: \(error)")
            throw error
        case .needMoreData:
            Issue.record("needs more data")
            throw HJ212.FrameError(.truncated, offset: 0, message: "incomplete")
        }
    }

    func decimal(_ text: String) -> DecimalNumber { DecimalNumber(text)! }

    @Test func appendixA() throws {
        let frame = try decode(Fixtures.appendixA)
        #expect(frame.edition == .hj2017)
        #expect(frame.qn == "20160801085857223")
        #expect(frame.st == "32")
        #expect(frame.cn == "1062")
        #expect(frame.pw == "100000")
        #expect(frame.mn == "010000A8900016F000169DC0")
        #expect(frame.flag == 5)
        #expect(frame.needsAnswer)
        #expect(!frame.isSplit)
        #expect(frame.field("RtdInterval") == "30")
        #expect(frame.measurements.isEmpty)
        #expect(frame.declaredCRC == 0x1C80 && frame.isChecksumValid)
        #expect(frame.declaredLength == 101 && frame.dataLength == 101)
        #expect(frame.deviations.isEmpty)
    }

    @Test func guocayAmbientRealTime() throws {
        let frame = try decode(Fixtures.guocay0)
        #expect(frame.edition == .hj2017)
        #expect(frame.st == "22" && frame.cn == "2011" && frame.flag == 4)
        #expect(frame.mn == "Y80110010000010")
        #expect(frame.dataTime == HJ212.Timestamp(year: 2019, month: 10, day: 12, hour: 13, minute: 37, second: 10))
        #expect(frame.measurements.map(\.code) == ["a21005", "a21004", "a21007", "a21006", "a21001", "a21003", "a21002"])
        let nh3 = try #require(frame.measurement("a21001"))
        #expect(nh3.rtd == decimal("25.40"))
        #expect(nh3.rtd?.description == "25.40")
        #expect(nh3.flag == "N")
        #expect(frame.deviations == [.nonStandardMN, .lowercaseCRC])
    }

    @Test func alltobsIs2025() throws {
        let frame = try decode(Fixtures.alltobs2025)
        #expect(frame.edition == .hj2025)
        #expect(frame.flag == 8)
        #expect(frame.st == "21")
        #expect(frame.mn == "ZLDSZ20210127")
        #expect(frame.measurements.count == 11)
        #expect(frame.measurement("w21003")?.rtd == decimal("0.09055002"))
        #expect(frame.measurement("w01014")?.rtd == decimal("1425"))
        #expect(frame.measurement("w21011")?.rtd == decimal("0"))
        #expect(frame.deviations.contains(.nonStandardMN))
    }

    @Test func airStationHourWithLongPassword() throws {
        let frame = try decode(Fixtures.airHour)
        #expect(frame.edition == .hj2017)
        #expect(frame.cn == "2061")
        #expect(frame.pw == "BF470F88957588DE902D1A52")
        #expect(frame.dataTime?.compact == "20190924220000")
        #expect(frame.measurement("a34049")?.avg?.description == "10.66300")
        #expect(frame.deviations == [.longPassword, .nonStandardMN])
    }

    @Test func xiaoyao2005WithoutQNAndFlag() throws {
        let frame = try decode(Fixtures.xiaoyao2005)
        #expect(frame.edition == .hj2005)
        #expect(frame.qn == nil && frame.flag == nil)
        #expect(frame.mn == "LD130133000015")
        #expect(frame.dataTime == HJ212.Timestamp(year: 2016, month: 8, day: 24, hour: 0, minute: 38, second: 17))
        #expect(frame.measurements.map(\.code) == ["B01", "011", "060"])
        #expect(frame.measurement("B01")?.rtd == decimal("36.91"))
        #expect(frame.measurement("B01")?.flag == nil)
        #expect(frame.measurement("011")?.rtd?.description == "231.0")
        #expect(frame.measurement("060")?.flag == "N")
        // A 14-character MN is the 2005 standard, so only the missing fields count as deviations.
        #expect(frame.deviations == [.missingQN, .missingFlag, .dataTimeMilliseconds])
    }

    @Test func splitFlagWithoutPacketFieldsTrailingSemicolonAndTypo() throws {
        let frame = try decode(Fixtures.fork453)
        #expect(frame.edition == .hj2017)
        #expect(frame.st == "22" && frame.cn == "2011" && frame.flag == 7)
        #expect(frame.needsAnswer)
        #expect(!frame.isSplit)
        #expect(frame.measurements.count == 12)
        #expect(frame.measurement("LA")?.otherFields == [HJ212.Field(name: "td", value: "50.1")])
        #expect(frame.measurement("LA")?.flag == "N")
        #expect(frame.measurement("a34001")?.rtd == decimal("217"))
        #expect(frame.deviations == [.lowercaseCRC, .trailingSemicolon, .unknownSuffix, .splitFlagWithoutPackets])
    }

    @Test func guocayShortCodes() throws {
        let four = try decode(Fixtures.guocay4)
        #expect(four.measurements.first?.code == "a2106")
        let five = try decode(Fixtures.guocay5)
        #expect(five.measurement("a213")?.rtd == decimal("101.94"))
    }

    @Test func selfBuiltFrames() throws {
        let water = try decode(Fixtures.surfaceWaterHour)
        #expect(water.edition == .hj2017 && water.st == "21" && water.cn == "2061" && water.flag == 4)
        #expect(water.measurements.map(\.code) == ["w01001", "w01009", "w01019", "w21003", "w21011"])
        #expect(water.measurement("w21011")?.avg == decimal("0.11"))
        #expect(water.deviations == [.nonStandardMN])

        let air = try decode(Fixtures.airQualityHour)
        #expect(air.needsAnswer)
        #expect(air.measurement("a05024")?.avg == decimal("178"))

        let ack = try decode(Fixtures.airQualityAck)
        #expect(ack.st == "91" && ack.cn == "9014" && ack.qn == "20240601090000002")
        #expect(ack.measurements.isEmpty && ack.fields.isEmpty)
    }

    @Test(arguments: Fixtures.broken.indices)
    func brokenPublicSamples(index: Int) {
        let sample = Fixtures.broken[index]
        let bytes = Fixtures.bytes(sample.frame)
        guard case .rejected(let error, let consumed) = HJ212.FrameDecoder().decode(bytes, atEnd: true) else {
            Issue.record("\(sample.name) must be rejected")
            return
        }
        #expect(error.message == sample.message, "\(sample.name)")
        #expect(consumed == bytes.count, "the whole broken frame is skipped")
    }

    @Test func crcMessageNamesBothValues() {
        var bytes = Fixtures.bytes(Fixtures.surfaceWaterHour)
        bytes[bytes.count - 3] = UInt8(ascii: "2")  // 81C1 → 81C2
        guard case .rejected(let error, _) = HJ212.FrameDecoder().decode(bytes) else {
            Issue.record("accepted a bad CRC")
            return
        }
        #expect(error.description == "CRC mismatch: frame says 81C2, computed 81C1")
    }

    @Test func crcErrorPointsAtTheCRCField() {
        let bytes = Fixtures.bytes(Fixtures.broken[0].frame)
        guard case .rejected(let error, _) = HJ212.FrameDecoder().decode(bytes, atEnd: true) else {
            Issue.record("accepted a frame with a bad CRC")
            return
        }
        #expect(error.code == .crcMismatch)
        #expect(error.offset == 6 + 275)
        #expect(error.expected == "2D00" && error.found == "1100")
    }

    @Test func lengthErrorPointsAtTheLengthField() {
        let bytes = Fixtures.bytes(Fixtures.broken[5].frame)
        guard case .rejected(let error, _) = HJ212.FrameDecoder().decode(bytes, atEnd: true) else {
            Issue.record("accepted a frame with a bad length")
            return
        }
        #expect(error.code == .lengthMismatch)
        #expect(error.offset == 2)
    }

    @Test func unverifiedModeStillParsesBadCRC() throws {
        var configuration = HJ212.FrameDecoder.Configuration()
        configuration.verifiesCRC = false
        let frame = try decode(Fixtures.broken[0].frame, configuration)
        #expect(!frame.isChecksumValid)
        #expect(frame.declaredCRC == 0x1100 && frame.computedCRC == 0x2D00)
        #expect(frame.measurement("O3")?.rtd == decimal("63.400"))
    }
}
