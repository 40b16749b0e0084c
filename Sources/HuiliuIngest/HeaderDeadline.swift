import HTTPTypes
public import NIOCore
public import NIOHTTPTypes

/// Closes a connection whose request headers do not arrive within `timeout` of the connection
/// opening or of the answer before: the idle timeout restarts with every byte, so clients
/// sending a header byte now and then would hold every place `max_connections` allows and
/// shut everyone else out (slowloris). Once a request's headers are in, its body is bounded
/// by the handler (`body_timeout`), and its answer by the application.
public final class HeaderDeadline: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = HTTPResponsePart

    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?
    /// Whether each request whose headers are in and whose answer is not finished asked to
    /// close the connection: a pipelining client's next headers may be read before the answer
    /// before them ends, and after a request asking to close, no answer comes for them.
    private var outstanding: [Bool] = []

    /// A handler allowing `timeout` for each request's headers: 30 seconds by default, as web
    /// servers allow (nginx 60, Apache 20–40).
    public init(timeout: Duration = .seconds(30)) {
        let (seconds, attoseconds) = timeout.components
        self.timeout = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    public func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let request) = unwrapInboundIn(data) {
            outstanding.append(request.headerFields[.connection]?.lowercased().contains("close") == true)
            disarm()
        }
        context.fireChannelRead(data)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // The last answer done: the next request on the connection has its own time for its headers.
        if case .end = unwrapOutboundIn(data) {
            let closing = outstanding.isEmpty ? false : outstanding.removeFirst()
            // After an answer to a request asking to close, the application answers no more.
            if closing { outstanding.removeAll() }
            if outstanding.isEmpty { arm(context) }
        }
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext) {
        disarm()
        timer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: timeout) { [context] in
            context.close(promise: nil)
        }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }
}
