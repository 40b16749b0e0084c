public import HuiliuEnvironment
public import NIOCore

/// A `ByteToMessageDecoder` that cuts an HJ 212 byte stream into frames.
///
/// ```
/// … garbage … ##0248QN=…;CP=&&…&&81C1\r\n##0269QN=…&&C601\r\n
///             └──────── .frame ─────────┘└──── .frame ────┘
/// ```
///
/// It wraps the pure ``HJ212/FrameDecoder``: broken frames and bytes between frames come out
/// as ``DecodedFrame/rejected(_:excerpt:)`` and the stream resynchronises on the next `##`,
/// so one bad frame never costs a device its connection.
public final class HJ212FrameCodec: ByteToMessageDecoder {
    public typealias InboundOut = DecodedFrame

    let decoder: HJ212.FrameDecoder

    /// A codec with the decoder's limits.
    public init(configuration: HJ212.FrameDecoder.Configuration = .init()) {
        decoder = HJ212.FrameDecoder(configuration: configuration)
    }

    public func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let item = next(&buffer, atEnd: false) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(item))
        return .continue
    }

    public func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // At the end of the stream an unfinished frame is reported as truncated, not kept.
        guard buffer.readableBytes > 0, let item = next(&buffer, atEnd: true) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(item))
        return .continue
    }

    /// Takes the next frame or rejection off the front of `buffer`; `nil` when it needs more bytes.
    public func next(_ buffer: inout ByteBuffer, atEnd: Bool) -> DecodedFrame? {
        let step = buffer.withUnsafeReadableBytes { decoder.decode($0, atEnd: atEnd) }
        switch step {
        case .needMoreData:
            return nil
        case .frame(let frame, let consumed):
            return .frame(frame, raw: buffer.readBytes(length: consumed) ?? [], received: .now)
        case .rejected(let error, let consumed):
            let count = min(max(consumed, 1), buffer.readableBytes)
            let excerpt = buffer.getBytes(at: buffer.readerIndex, length: min(count, DecodedFrame.excerptLength)) ?? []
            buffer.moveReaderIndex(forwardBy: count)
            return .rejected(error, excerpt: excerpt)
        }
    }
}

@available(*, unavailable)
extension HJ212FrameCodec: Sendable {}
