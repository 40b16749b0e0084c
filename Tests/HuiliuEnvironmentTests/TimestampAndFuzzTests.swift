import HuiliuEnvironment
import Testing

struct TimestampTests {
    @Test func parsesAndFormats() throws {
        let t = try #require(HJ212.Timestamp("20240601080000"))
        #expect(t.rfc3339 == "2024-06-01T08:00:00+08:00")
        #expect(t.compact == "20240601080000")
        let ms = try #require(HJ212.Timestamp("20160801085857223"))
        #expect(ms.millisecond == 223 && ms.rfc3339 == "2016-08-01T08:58:57.223+08:00")
        #expect(HJ212.Timestamp("20230229000000") == nil)
        #expect(HJ212.Timestamp("20240229000000") != nil)
        #expect(HJ212.Timestamp("2024060108000") == nil)
        #expect(HJ212.Timestamp("2024060108000x") == nil)
        #expect(HJ212.Timestamp("20240601240000") == nil)
    }

    @Test func unixTimeIsChinaStandardTime() throws {
        // 2024-06-01T00:00:00Z is 08:00 in Beijing.
        let t = HJ212.Timestamp(secondsSince1970: 1_717_200_000)
        #expect(t.rfc3339 == "2024-06-01T08:00:00+08:00")
        #expect(t.secondsSince1970 == 1_717_200_000)
        let newYear = try #require(HJ212.Timestamp(year: 2026, month: 1, day: 1))
        #expect(newYear.adding(seconds: -1).rfc3339 == "2025-12-31T23:59:59+08:00")
        #expect(HJ212.Timestamp(secondsSince1970: -1).rfc3339 == "1970-01-01T07:59:59+08:00")
    }
}

/// Mutated and shredded streams: the decoder must always make progress and never trap.
struct DecoderFuzzTests {
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state ^ (state >> 29)
        }
    }

    @Test func mutatedStreamsAlwaysProgress() {
        var random = Generator(state: 0xC0FFEE)
        let samples = [Fixtures.appendixA, Fixtures.surfaceWaterHour, Fixtures.xiaoyao2005, Fixtures.fork453,
                       Fixtures.airQualityAck] + Fixtures.broken.map(\.frame)
        let alphabet = Array("#&;,=-/0123456789ABCDEFacQNSTCPW\r\n".utf8) + [0x00, 0xE8, 0xFF]
        for _ in 0..<300 {
            var stream: [UInt8] = []
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                var frame = Fixtures.bytes(samples.randomElement(using: &random)!)
                for _ in 0..<Int.random(in: 0...4, using: &random) {
                    let k = Int.random(in: 0..<frame.count, using: &random)
                    switch Int.random(in: 0..<3, using: &random) {
                    case 0: frame[k] = alphabet.randomElement(using: &random)!
                    case 1: frame.remove(at: k)
                    default: frame.insert(alphabet.randomElement(using: &random)!, at: k)
                    }
                }
                stream += frame
            }
            var buffer: [UInt8] = []
            var position = 0
            while position < stream.count {
                let size = Int.random(in: 1...200, using: &random)
                buffer += stream[position..<min(position + size, stream.count)]
                position += size
                drain(&buffer, atEnd: false)
            }
            drain(&buffer, atEnd: true)
            #expect(buffer.isEmpty)
        }
    }

    func drain(_ buffer: inout [UInt8], atEnd: Bool) {
        let decoder = HJ212.FrameDecoder()
        while true {
            switch decoder.decode(buffer, atEnd: atEnd) {
            case .frame(let frame, let consumed):
                #expect(consumed > 0 && consumed <= buffer.count)
                #expect(frame.isChecksumValid)
                buffer.removeFirst(consumed)
            case .rejected(let error, let consumed):
                #expect(consumed > 0 && consumed <= buffer.count, "\(error)")
                #expect(!error.message.isEmpty)
                buffer.removeFirst(consumed)
            case .needMoreData:
                #expect(!atEnd || buffer.isEmpty)
                return
            }
        }
    }
}
