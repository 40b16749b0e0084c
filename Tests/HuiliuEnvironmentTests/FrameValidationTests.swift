import HuiliuCore
import HuiliuEnvironment
import Testing

/// Segments with valid length and CRC but broken content: each must fail with a precise reason.
struct FrameValidationTests {
    func reject(_ segment: String) -> HJ212.FrameError? {
        let bytes = HJ212.encodeFrame(segment: segment)
        switch HJ212.FrameDecoder().decode(bytes, atEnd: true) {
        case .rejected(let error, let consumed):
            #expect(consumed == bytes.count)
            return error
        case .frame, .needMoreData:
            Issue.record("accepted: \(segment)")
            return nil
        }
    }

    func accept(_ segment: String) -> HJ212.Frame? {
        guard case .frame(let frame, _) = HJ212.FrameDecoder().decode(HJ212.encodeFrame(segment: segment)) else {
            Issue.record("rejected: \(segment)")
            return nil
        }
        return frame
    }

    static let head = "QN=20160801085857223;ST=32;CN=2011;PW=123456;MN=010000A8900016F000169DC0"

    /// The typos in the standard's own examples (domain.md §1.2).
    @Test func standardExampleTypos() {
        // C.22 / C.48: a comma where a ';' belongs.
        let c22 = reject("QN=20160801085857534,ST=32;CN=2011;PW=123456;MN=010000A8900016F000169DC0;Flag=5;CP=&&&&")
        #expect(c22?.code == .invalidValue)
        #expect(c22?.message == "invalid QN at offset 9: expected 17 digits YYYYMMDDhhmmsszzz, found '20160801085857534,ST=32'")
        #expect(c22?.offset == 6 + 3)
        // C.19: `Flag=5CP=&&` with the ';' missing.
        let c19 = reject(Self.head + ";Flag=5CP=&&RtdInterval=30&&")
        #expect(c19?.code == .missingField)
        let c19b = reject(Self.head + ";Flag=5CP=&&RtdInterval=30&&;CP=&&&&")
        #expect(c19b?.code == .invalidValue)
        #expect(c19b?.message.hasPrefix("invalid Flag at offset 84: expected an integer 0-255, found '5CP=&&RtdInterval=30&&'") == true)
        // C.14: `01018-Rtd` without its `w` is syntactically a code; it decodes under that code.
        #expect(accept(Self.head + ";Flag=4;CP=&&DataTime=20160801084000;01018-Rtd=40.1&&")?.measurements.first?.code == "01018")
    }

    @Test func headerFieldOrderAndPresence() {
        #expect(reject("ST=32;QN=20160801085857223;CN=2011;PW=123456;MN=A;CP=&&&&")?.message
                    == "header field 'QN' at offset 12 is out of order: it belongs before 'ST'")
        #expect(reject("QN=20160801085857223;ST=32;CN=2011;PW=123456;Flag=4;CP=&&&&")?.message == "missing field MN")
        #expect(reject(Self.head + ";Flag=4&&&&")?.code == .missingField)
        #expect(reject(Self.head + ";Foo=1;CP=&&&&")?.message == "unknown header field 'Foo' at offset 79")
        #expect(reject(Self.head + ";MN=X;CP=&&&&")?.code == .duplicateField)
        #expect(reject("ST=32;CN=2011;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&&&")?.message
                    == "missing field QN, which HJ 212-2017 frames carry")
    }

    /// A DataTime of the right shape that names no real day says so.
    @Test func impossibleDataTimeSaysSo() {
        let error = reject(Self.head + ";Flag=4;CP=&&DataTime=20240631080000;w01018-Rtd=40.1&&")
        #expect(error?.message.contains("expected a date and time that exists (YYYYMMDDhhmmss), found '20240631080000'") == true,
                "\(String(describing: error?.message))")
        #expect(reject(Self.head + ";Flag=4;CP=&&DataTime=2024063108;w01018-Rtd=40.1&&")?.message.contains("expected YYYYMMDDhhmmss,") == true)
    }

    @Test func headerValues() {
        #expect(reject("QN=20161301085857223;ST=32;CN=2011;PW=123456;MN=A;CP=&&&&")?.code == .invalidValue, "month 13")
        #expect(reject("ST=3;CN=2011;PW=123456;MN=A;CP=&&&&")?.message == "invalid ST at offset 9: expected 2 digits or capital letters, found '3'")
        #expect(reject("ST=32;CN=201;PW=123456;MN=A;CP=&&&&")?.code == .invalidValue)
        #expect(reject("ST=32;CN=2011;PW=12345;MN=A;CP=&&&&")?.code == .invalidValue, "short PW")
        #expect(reject("ST=32;CN=2011;PW=123456;MN=A-1;CP=&&&&")?.code == .invalidValue)
        #expect(reject(Self.head + ";Flag=256;CP=&&&&")?.code == .invalidValue)
        let version = reject(Self.head + ";Flag=12;CP=&&&&")
        #expect(version?.code == .unknownVersion)
        #expect(version?.message == "Flag=12 names version 3, which is neither 2005 (0), 2017 (1) nor 2025 (2)")
    }

    @Test func packetFields() {
        let split = accept(Self.head + ";Flag=7;PNUM=3;PNO=2;CP=&&&&")
        #expect(split?.pnum == 3 && split?.pno == 2 && split?.isSplit == true)
        #expect(split?.deviations == [])
        let swapped = accept(Self.head + ";Flag=6;PNO=1;PNUM=3;CP=&&&&")
        #expect(swapped?.deviations == [.packetNumberFirst])
        #expect(reject(Self.head + ";Flag=7;PNUM=3;PNO=4;CP=&&&&")?.message == "invalid PNO: packet 4 of 3")
        #expect(reject(Self.head + ";Flag=4;PNUM=3;PNO=1;CP=&&&&")?.message
                    == "PNUM and PNO present but Flag=4 does not mark a split upload (bit D is 0)")
        #expect(reject(Self.head + ";Flag=7;PNUM=3;CP=&&&&")?.message == "missing field PNO: PNUM and PNO come together")
        // 2005 style: no Flag, PNO before PNUM (guocay SAMPLE[6]'s shape).
        let legacy = accept("ST=31;CN=2051;PW=123456;MN=14513567846884;PNO=2;PNUM=2;CP=&&&&")
        #expect(legacy?.edition == .hj2005 && legacy?.isSplit == true)
    }

    @Test func editions() {
        for (flag, edition) in [(0, HJ212.Edition.hj2005), (1, .hj2005), (3, .hj2005), (4, .hj2017), (5, .hj2017),
                                (8, .hj2025), (9, .hj2025)] {
            #expect(accept(Self.head + ";Flag=\(flag);CP=&&&&")?.edition == edition, "Flag=\(flag)")
        }
    }

    @Test func dataArea() {
        // A value that is not a number (a faulty instrument's `-`, `NaN`) is absent and kept as
        // text, beside the frame's other values: refused, the frame would come again for ever.
        let unreadable = accept(Self.head + ";Flag=4;CP=&&w01018-Rtd=-,w01018-Flag=D;w01001-Rtd=7.1,w01001-Flag=N;w01019-Rtd=NaN&&")
        #expect(unreadable?.measurements.map(\.code) == ["w01018", "w01001", "w01019"])
        #expect(unreadable?.measurements.first?.rtd == nil && unreadable?.measurements.first?.flag == "D")
        #expect(unreadable?.measurements.first?.unreadable == [HJ212.Field(name: "Rtd", value: "-")])
        #expect(unreadable?.measurements[1].rtd == DecimalNumber("7.1"))
        #expect(unreadable?.deviations.names == ["unreadable_value"])
        #expect(unreadable?.measurements.last?.reportValue.jsonText == #"{"code":"w01019","unreadable":{"Rtd":"NaN"}}"#)
        #expect(reject(Self.head + ";Flag=4;CP=&&w01018-Rtd=-,w01018-Rtd=x&&")?.code == .duplicateField)
        // Text with digits that is no number here is not dropped quietly: the frame is refused, as
        // before, and the device keeps it.
        #expect(reject(Self.head + ";Flag=4;CP=&&w01018-Rtd=1.5E-1&&")?.message
                    == "invalid w01018-Rtd at offset 102: expected a decimal number, found '1.5E-1'")
        #expect(reject(Self.head + ";Flag=4;CP=&&w01018-Rtd=0.1200000000000000000001&&")?.code == .invalidValue)
        // A C runtime's NaN and infinity say what they are; spaces around a number are not part of it.
        for text in ["1.#QNAN", "-1.#IND", "1.#INF", "1.#QNAN0", "1.#R", "-1.#IO", "-inf", "nan(ind)", " 1.#QNAN"] {
            #expect(accept(Self.head + ";Flag=4;CP=&&w01018-Rtd=\(text);w01001-Rtd=7.1&&")?.measurements.first?.unreadable
                        == [HJ212.Field(name: "Rtd", value: text)], "\(text)")
        }
        #expect(accept(Self.head + ";Flag=4;CP=&&w01018-Rtd= 12.5 &&")?.measurements.first?.rtd == DecimalNumber("12.5"))
        // Only those spellings: other text with digits refuses the frame.
        for text in ["12#5", "5.1nan", "1.#5"] {
            #expect(reject(Self.head + ";Flag=4;CP=&&w01018-Rtd=\(text)&&")?.code == .invalidValue, "\(text)")
        }
        // No reading (`-Rtd=` beside a flag): the value is absent and the frame's other values
        // kept, not the whole frame refused and left unacknowledged.
        let empty = accept(Self.head + ";Flag=4;CP=&&w01018-Rtd=,w01018-Flag=F;w01001-Rtd=7.1,w01001-Flag=N&&")
        #expect(empty?.measurements.map(\.code) == ["w01018", "w01001"])
        #expect(empty?.measurements.first?.rtd == nil && empty?.measurements.first?.flag == "F")
        #expect(empty?.measurements.last?.rtd == DecimalNumber("7.1"))
        #expect(empty?.deviations.names == ["empty_value"])
        #expect(reject(Self.head + ";Flag=4;CP=&&w01018-Rtd=1,w01018-Rtd=2&&")?.code == .duplicateField)
        #expect(reject(Self.head + ";Flag=4;CP=&&DataTime=20160801;w01018-Rtd=1&&")?.code == .invalidValue)
        #expect(reject(Self.head + ";Flag=4;CP=&&w01018-Rtd=1;;w01018-Flag=N&&")?.message == "empty field in the data area at offset 104")
        #expect(reject(Self.head + ";Flag=4;CP=&&w01018-Rtd=1,&&")?.message == "data area ends with ',' at offset 103")
        #expect(reject(Self.head + ";Flag=4;CP=&&w01018&&")?.code == .badDataArea)
        #expect(reject(Self.head + ";Flag=4;CP=&&RtdInterval=30")?.code == .badDataArea)
        #expect(reject(Self.head + ";Flag=4;CP=&&w01018-Flag=N!&&")?.code == .invalidValue)
        #expect(reject(Self.head + ";Flag=4;CP=&&SB1-RS=x&&")?.code == .invalidValue)
    }

    @Test func dataAreaContent() {
        let frame = accept(Self.head + ";Flag=4;CP=&&DataTime=20160801084000;SB1-RS=1,SB1-RT=23.5;"
                           + "w01018-Min=1,w01018-Avg=2.50,w01018-Max=-3,w01018-Cou=4,w01018-ZsRtd=5,w01018-ZsMin=6,"
                           + "w01018-ZsAvg=7,w01018-ZsMax=8,w01018-Flag=N,w01018-EFlag=A1,w01018-SampleTime=20160801083000,"
                           + "w01018-ValidNum=10;i11001-Info=//设备故障;维修中,请等待//;PolId=w01018&&")
        let m = frame?.measurement("w01018")
        #expect(m?.min?.description == "1" && m?.avg?.description == "2.50" && m?.max?.description == "-3")
        #expect(m?.cou?.description == "4" && m?.zsRtd?.description == "5" && m?.zsMin?.description == "6")
        #expect(m?.zsAvg?.description == "7" && m?.zsMax?.description == "8")
        #expect(m?.flag == "N" && m?.eflag == "A1")
        #expect(m?.sampleTime?.compact == "20160801083000")
        #expect(m?.otherFields == [HJ212.Field(name: "ValidNum", value: "10")])
        #expect(frame?.measurement("i11001")?.info == "设备故障;维修中,请等待")
        #expect(frame?.equipment == [{
            var state = HJ212.EquipmentState(code: "SB1")
            state.runningState = 1
            state.runningHours = .init(significand: 235, exponent: -1)
            return state
        }()])
        #expect(frame?.field("PolId") == "w01018")
    }

    @Test func lengthCountedInCharactersIsTolerated() {
        // caoyiliang/HJ212 counts characters for log uploads but CRCs the UTF-8 bytes.
        let segment = Self.head + ";Flag=4;CP=&&DataTime=20160801084000;i11001-Info=//设备故障//&&"
        let bytes = Array(segment.utf8)
        let characters = segment.unicodeScalars.count
        var frame = Array("##".utf8) + Array(String(characters).utf8).padded(to: 4) + bytes
        frame += Array(String(HJ212.crc16(bytes), radix: 16, uppercase: true).utf8).padded(to: 4) + [0x0D, 0x0A]
        guard case .frame(let decoded, let consumed) = HJ212.FrameDecoder().decode(frame) else {
            Issue.record("rejected")
            return
        }
        #expect(consumed == frame.count)
        #expect(decoded.deviations.contains(.lengthCountsCharacters))
        #expect(decoded.declaredLength == characters && decoded.dataLength == bytes.count)
        #expect(decoded.measurement("i11001")?.info == "设备故障")
    }
}

extension Array where Element == UInt8 {
    /// Left-pads ASCII digits with zeros.
    func padded(to width: Int) -> [UInt8] {
        [UInt8](repeating: UInt8(ascii: "0"), count: Swift.max(0, width - count)) + self
    }
}
