import Foundation
import HuiliuEnvironment
import HuiliuHJ212
import NIOCore
import Testing
#if canImport(NIOEmbedded)
import NIOEmbedded
#endif

/// The NIO codec around the pure frame decoder: frames cut out of a stream however it is
/// split, garbage between frames rejected without losing the next frame.
struct FrameCodecTests {
    /// Everything the codec makes of `chunks`, fed in order, then the end of the stream.
    static func decode(_ chunks: [[UInt8]]) -> [DecodedFrame] {
        let codec = HJ212FrameCodec()
        var buffer = ByteBuffer()
        var items: [DecodedFrame] = []
        for chunk in chunks {
            buffer.writeBytes(chunk)
            while let item = codec.next(&buffer, atEnd: false) { items.append(item) }
        }
        while buffer.readableBytes > 0, let item = codec.next(&buffer, atEnd: true) { items.append(item) }
        return items
    }

    @Test func framesSurviveByteAtATimeDelivery() {
        let stream = Array((Fixtures.waterHour + Fixtures.airHour).utf8)
        let items = Self.decode(stream.map { [$0] })
        #expect(items.compactMap(\.frame).map(\.qn) == ["20240601090000001", "20240601090000002"])
        #expect(items.allSatisfy { $0.rejection == nil })
    }

    @Test func garbageBetweenFramesIsRejectedAndTheNextFrameStillDecodes() {
        let stream = Array(("noise\r\n" + Fixtures.waterHour + "\u{0}\u{1}garbage##xx" + Fixtures.airHour).utf8)
        for split in [1, 7, 100, stream.count / 2, stream.count - 3] {
            let items = Self.decode([Array(stream[..<split]), Array(stream[split...])])
            #expect(items.compactMap(\.frame).map(\.qn) == ["20240601090000001", "20240601090000002"], "split at \(split)")
            #expect(items.contains { $0.rejection?.code == .garbage })
        }
    }

    @Test func theRawBytesOfAFrameAreKept() {
        let items = Self.decode([Array(Fixtures.realtimeAir.utf8)])
        guard case .frame(let frame, let raw, _)? = items.first else {
            Issue.record("no frame")
            return
        }
        #expect(raw == Array(Fixtures.realtimeAir.utf8))
        #expect(frame.deviations.contains(.lowercaseCRC))
    }

    @Test func aBrokenCRCIsRejectedWithAnExcerpt() {
        var text = Fixtures.airHour
        text = text.replacingOccurrences(of: "C601\r\n", with: "C602\r\n")
        let items = Self.decode([Array(text.utf8), Array(Fixtures.waterHour.utf8)])
        #expect(items.first?.rejection?.code == .crcMismatch)
        if case .rejected(_, let excerpt)? = items.first { #expect(excerpt.starts(with: Array("##0269".utf8))) }
        #expect(items.last?.frame?.qn == "20240601090000001")
        #expect(DecodedFrame.hexExcerpt(Array("##02".utf8)) == "23233032")
    }

    @Test func aFrameCutOffAtTheEndOfTheStreamIsReportedTruncated() {
        let items = Self.decode([Array(Fixtures.waterHour.utf8.prefix(100))])
        #expect(items.count == 1)
        #expect(items.first?.rejection?.code == .truncated)
    }

    #if canImport(NIOEmbedded)
    @Test func embeddedChannelByteAtATime() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(HJ212FrameCodec()))
        for byte in Array(Fixtures.airHour.utf8) {
            try channel.writeInbound(ByteBuffer(bytes: [byte]))
        }
        let item = try channel.readInbound(as: DecodedFrame.self)
        #expect(item?.frame?.qn == "20240601090000002")
        #expect(try channel.readInbound(as: DecodedFrame.self) == nil)
        #expect(try channel.finish().isClean)
    }

    @Test func embeddedChannelManyFramesAndGarbageInOneRead() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(HJ212FrameCodec()))
        let stream = Fixtures.waterHour + "@@junk" + Fixtures.airHour + Fixtures.airHourAnswer + Fixtures.realtimeAir
        try channel.writeInbound(ByteBuffer(string: stream))
        var items: [DecodedFrame] = []
        while let item = try channel.readInbound(as: DecodedFrame.self) { items.append(item) }
        #expect(items.compactMap(\.frame).map(\.cn) == ["2061", "2061", "9014", "2011"])
        #expect(items.compactMap(\.rejection).map(\.code) == [.garbage])
        #expect(try channel.finish().isClean)
    }

    @Test func embeddedChannelReportsATruncatedFrameAtEndOfInput() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(HJ212FrameCodec()))
        try channel.writeInbound(ByteBuffer(string: String(Fixtures.airHour.prefix(50))))
        #expect(try channel.readInbound(as: DecodedFrame.self) == nil)
        _ = try channel.finish()
        let item = try channel.readInbound(as: DecodedFrame.self)
        #expect(item?.rejection?.code == .truncated)
    }
    #endif
}
