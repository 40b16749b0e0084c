import Logging
import NIOCore

/// Closes a connection when the `IdleStateHandler` in front of it reports no reads for the
/// idle timeout: a device that stopped talking should not hold a socket forever.
final class IdleCloser: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let logger: Logger
    let peer: String
    let onClose: @Sendable () -> Void

    init(logger: Logger, peer: String, onClose: @escaping @Sendable () -> Void) {
        self.logger = logger
        self.peer = peer
        self.onClose = onClose
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        logger.info("closing idle HJ 212 connection", metadata: ["peer": "\(peer)"])
        onClose()
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension IdleCloser: Sendable {}
