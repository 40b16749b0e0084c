import HuiliuEnvironment
import Testing

/// The decoder as a NIO `ByteToMessageDecoder` drives it: bytes arrive in arbitrary pieces.
struct StreamingDecoderTests {
    enum Event: Equatable {
        case frame(qn: String?, mn: String)
        case rejected(HJ212.FrameError.Code)
    }

    /// Feeds `chunks` one by one, decoding as far as possible after each, then ends the stream.
    static func run(_ chunks: [[UInt8]], decoder: HJ212.FrameDecoder = HJ212.FrameDecoder()) -> [Event] {
        var buffer: [UInt8] = []
        var events: [Event] = []
        func drain(atEnd: Bool) {
            while true {
                switch decoder.decode(buffer, atEnd: atEnd) {
                case .frame(let frame, let consumed):
                    events.append(.frame(qn: frame.qn, mn: frame.mn))
                    buffer.removeFirst(consumed)
                case .rejected(let error, let consumed):
                    events.append(.rejected(error.code))
                    precondition(consumed > 0)
                    buffer.removeFirst(consumed)
                case .needMoreData:
                    return
                }
            }
        }
        for chunk in chunks {
            buffer.append(contentsOf: chunk)
            drain(atEnd: false)
        }
        drain(atEnd: true)
        return events
    }

    static let stream: [UInt8] = Fixtures.bytes(Fixtures.surfaceWaterHour + Fixtures.airQualityHour + Fixtures.xiaoyao2005)
    static let expected: [Event] = [
        .frame(qn: "20240601090000001", mn: "42118100SW0001"),
        .frame(qn: "20240601090000002", mn: "42118100AQ0001"),
        .frame(qn: nil, mn: "LD130133000015"),
    ]

    @Test func manyFramesInOneRead() {
        #expect(Self.run([Self.stream]) == Self.expected)
    }

    @Test func oneByteAtATime() {
        #expect(Self.run(Self.stream.map { [$0] }) == Self.expected)
    }

    @Test func splitAtEveryBytePosition() {
        for cut in 0...Self.stream.count {
            let events = Self.run([Array(Self.stream[..<cut]), Array(Self.stream[cut...])])
            #expect(events == Self.expected, "split at \(cut)")
        }
    }

    @Test func splitInThreeEverywhereInTheFirstFrame() {
        let first = Fixtures.bytes(Fixtures.appendixA)
        for a in 0...first.count {
            for b in a...first.count {
                let events = Self.run([Array(first[..<a]), Array(first[a..<b]), Array(first[b...])])
                #expect(events == [.frame(qn: "20160801085857223", mn: "010000A8900016F000169DC0")], "cuts \(a), \(b)")
            }
        }
    }

    @Test func garbageBetweenFrames() {
        let garbage = Array("\u{0}\u{FF}AT+CSQ\r\nOK\r\n#".utf8)
        let input = Fixtures.bytes(Fixtures.surfaceWaterHour) + garbage + Fixtures.bytes(Fixtures.airQualityHour)
        let events = Self.run([input])
        #expect(events == [Self.expected[0], .rejected(.garbage), Self.expected[1]])
        // Dripped, garbage yields more rejections but the frames still come through.
        let dripped = Self.run(input.map { [$0] })
        #expect(dripped.filter { if case .frame = $0 { true } else { false } } == [Self.expected[0], Self.expected[1]])
        #expect(!dripped.contains { if case .rejected(let code) = $0 { code != .garbage } else { false } })
    }

    @Test func garbageBeforeTheFirstFrame() {
        let input = Array("hello".utf8) + Fixtures.bytes(Fixtures.appendixA)
        #expect(Self.run([input]) == [.rejected(.garbage), .frame(qn: "20160801085857223", mn: "010000A8900016F000169DC0")])
    }

    @Test func tripleHashResynchronises() {
        let input = Array("#".utf8) + Fixtures.bytes(Fixtures.appendixA)
        #expect(Self.run([input]) == [.rejected(.garbage), .frame(qn: "20160801085857223", mn: "010000A8900016F000169DC0")])
        let bad = Array("##x1".utf8) + Fixtures.bytes(Fixtures.appendixA)
        #expect(Self.run([bad]) == [.rejected(.badLengthField), .frame(qn: "20160801085857223", mn: "010000A8900016F000169DC0")])
    }

    @Test func brokenFramesDoNotHideTheirNeighbours() {
        for sample in Fixtures.broken {
            let input = Fixtures.bytes(Fixtures.appendixA + sample.frame + Fixtures.surfaceWaterHour)
            let expected: [Event] = [
                .frame(qn: "20160801085857223", mn: "010000A8900016F000169DC0"),
                .rejected(sample.message.hasPrefix("CRC") ? .crcMismatch : .lengthMismatch),
                Self.expected[0],
            ]
            #expect(Self.run([input]) == expected, "\(sample.name)")
            #expect(Self.run(input.map { [$0] }) == expected, "\(sample.name), dripped")
        }
    }

    /// Found by the fuzzer: a broken header whose declared length ends, by chance, on a CR LF
    /// after a good frame. Read whole, the declared trailer hid the good frame; read in pieces,
    /// the good frame's header cut the broken one short. It must not depend on the split.
    @Test func aGoodFrameInsideABrokenOnesDeclaredLengthIsFoundHoweverTheBytesArrive() {
        var input = Array("##0214".utf8) + Array("0SQ=&&A9s1\r\n".utf8) + [UInt8](repeating: 0x17, count: 10)
        input += Fixtures.bytes(Fixtures.xiaoyao2005)
        input += [UInt8](repeating: 0x17, count: 6)
        while input.count < 6 + 214 { input += Array("&&A9s1\r\n".utf8) + [UInt8](repeating: 0x17, count: 8) }
        input = Array(input[..<(6 + 214 + 4)]) + Array("\r\n".utf8)  // CR LF exactly where the declared trailer would be
        // Garbage may be reported in as many pieces as it arrived in; frames may not differ.
        func frames(_ events: [Event]) -> [Event] { events.filter { if case .frame = $0 { true } else { false } } }
        let whole = Self.run([input])
        #expect(frames(whole) == [.frame(qn: nil, mn: "LD130133000015")], "\(whole)")
        for cut in 0...input.count {
            #expect(frames(Self.run([Array(input[..<cut]), Array(input[cut...])])) == frames(whole), "split at \(cut)")
        }
    }

    @Test func truncatedFrameFollowedByAGoodOne() {
        let whole = Fixtures.bytes(Fixtures.surfaceWaterHour)
        for cut in [10, 100, whole.count - 7, whole.count - 2] {
            let input = Array(whole[..<cut]) + Fixtures.bytes(Fixtures.airQualityHour)
            let events = Self.run([input])
            #expect(events.count == 2, "cut at \(cut): \(events)")
            #expect(events.last == Self.expected[1], "cut at \(cut)")
            if case .rejected(let code) = events.first {
                #expect([.truncated, .badTrailer].contains(code), "cut at \(cut)")
            }
        }
    }

    @Test func truncatedAtEndOfStream() {
        let whole = Fixtures.bytes(Fixtures.appendixA)
        #expect(Self.run([Array(whole.dropLast(3))]) == [.rejected(.truncated)])
        #expect(Self.run([Array("##01".utf8)]) == [.rejected(.truncated)])
    }

    @Test func incompleteFrameWaitsForMoreData() {
        let whole = Fixtures.bytes(Fixtures.appendixA)
        for cut in 0..<whole.count {
            guard case .needMoreData = HJ212.FrameDecoder().decode(Array(whole[..<cut])) else {
                Issue.record("cut at \(cut) must wait")
                continue
            }
        }
    }

    @Test func shortLengthIsReportedWithoutWaitingForMoreBytes() {
        // A device that sends one frame with an understated length and then waits for its
        // acknowledgement must get a verdict now, not when the next frame arrives.
        let bytes = Fixtures.bytes(Fixtures.broken[5].frame)
        guard case .rejected(let error, let consumed) = HJ212.FrameDecoder().decode(bytes) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(error.code == .lengthMismatch && consumed == bytes.count)
    }

    @Test func overstatedLengthIsReportedOnceTheFrameEnds() {
        let segment = "QN=20240601090000001;ST=21;CN=2011;PW=123456;MN=42118100SW0001;Flag=4;CP=&&w01001-Rtd=7.1&&"
        var frame = HJ212.encodeFrame(segment: segment)
        #expect(frame[2..<6] == Array("0091".utf8)[...])
        frame[3] = UInt8(ascii: "1")  // 0091 → 0191
        guard case .rejected(let error, let consumed) = HJ212.FrameDecoder().decode(frame) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(error.message == "length mismatch: frame says 0191, data segment has 91 bytes")
        #expect(consumed == frame.count)
    }

    @Test func runawayInputWithoutTrailerIsDropped() {
        var configuration = HJ212.FrameDecoder.Configuration()
        configuration.maximumDataLength = 100
        let input = Array("##0050".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 200)
        guard case .rejected(let error, let consumed) = HJ212.FrameDecoder(configuration: configuration).decode(input) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(error.code == .badTrailer && error.offset == 56)
        #expect(consumed == input.count)
    }
}
