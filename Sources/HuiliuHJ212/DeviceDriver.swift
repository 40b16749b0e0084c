import HuiliuEnvironment
import NIOCore

/// Plays one emulated device over a client connection: sends its frames on schedule, waits
/// for each 9014 its frame asks for (as a real data logger does before the next upload),
/// and records what came back. Everything runs on the channel's event loop, so a fleet of
/// thousands costs the machine little beyond the sockets.
final class DeviceDriver: ChannelDuplexHandler {
    typealias InboundIn = DecodedFrame
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What one device did.
    struct Tally: Sendable {
        var sent = 0
        var expectingAnswer = 0
        var acknowledged = 0
        var timedOut = 0
        var corrupted = 0
        /// The listener closed the connection before the device was done (an unknown MN or a
        /// wrong password is refused that way).
        var closedByListener = false
        var latencies = LatencyHistogram()
        /// `MN QN` of every acknowledged frame, when asked for.
        var acknowledgedFrames: [String] = []
    }

    let emulator: DeviceEmulator
    let device: Int
    let plan: DeviceFleet.Plan
    /// Time between frames; a device that waits for no answer is held to 1 ms even unpaced.
    let interval: TimeAmount
    let done: EventLoopPromise<Tally>
    var tally = Tally()
    var count = 0
    var started = NIODeadline.now()
    var awaiting: (qn: String, sentAt: NIODeadline)?
    /// Checks for an overdue acknowledgement a few times per timeout; one timer per device
    /// instead of one per frame keeps the fleet's own cost down at tens of thousands of frames a second.
    var watchdog: RepeatedTask?
    var finished = false

    init(emulator: DeviceEmulator, device: Int, plan: DeviceFleet.Plan, done: EventLoopPromise<Tally>) {
        self.emulator = emulator
        self.device = device
        self.plan = plan
        self.done = done
        let asks = emulator.devices[device].requestsAnswer
        interval = asks ? plan.sendInterval : max(plan.sendInterval, .milliseconds(1))
    }

    func channelActive(context: ChannelHandlerContext) {
        started = .now()
        context.fireChannelActive()
        let check = TimeAmount.nanoseconds(max(plan.ackTimeout.nanoseconds / 5, 1_000_000))
        let bound = NIOLoopBound((driver: self, context: context), eventLoop: context.eventLoop)
        watchdog = context.eventLoop.scheduleRepeatedTask(initialDelay: check, delay: check) { _ in
            bound.value.driver.checkAcknowledgement(bound.value.context)
        }
        // Devices start spread over one send interval, not all in the same instant.
        let offset = interval.nanoseconds * Int64(device % 997) / 997
        schedule(context, at: started + .nanoseconds(offset))
    }

    /// Gives up on an acknowledgement that is overdue and moves on, as a device does.
    private func checkAcknowledgement(_ context: ChannelHandlerContext) {
        guard let waiting = awaiting, NIODeadline.now() - waiting.sentAt >= plan.ackTimeout else { return }
        awaiting = nil
        tally.timedOut += 1
        sendWhenDue(context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !finished {
            tally.closedByListener = true
            // Not a timeout: the answer cannot come on a closed connection.
            awaiting = nil
        }
        finish(context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .frame(let reply, _, _) = unwrapInboundIn(data), reply.cn == "9014",
              let waiting = awaiting, reply.qn == waiting.qn else { return }
        awaiting = nil
        tally.acknowledged += 1
        tally.latencies.record((NIODeadline.now() - waiting.sentAt).nanoseconds)
        if plan.recordsAcknowledged { tally.acknowledgedFrames.append("\(reply.mn) \(waiting.qn)") }
        sendWhenDue(context)
    }

    private func sendNext(_ context: ChannelHandlerContext) {
        guard !finished else { return }
        let now = NIODeadline.now()
        // A catch-up is finished whatever the duration: the duration bounds the live phase.
        guard now < plan.stopAt || count < plan.catchUpHours else {
            finish(context)
            return
        }
        let k = count
        count += 1
        let (frameInterval, time) = plan.frame(k)
        let frame = emulator.frame(device: device, interval: frameInterval, at: time)
        var buffer = context.channel.allocator.buffer(capacity: frame.bytes.count)
        buffer.writeBytes(frame.bytes)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        tally.sent += 1
        if frame.corruption != nil {
            tally.corrupted += 1
        } else if frame.device.requestsAnswer, let qn = Self.qn(of: frame.bytes) {
            tally.expectingAnswer += 1
            awaiting = (qn, now)
            return
        }
        sendWhenDue(context)
    }

    /// Sends at the next slot of the device's schedule, at once if that has passed.
    private func sendWhenDue(_ context: ChannelHandlerContext) {
        // Catch-up uploads go back to back; the live schedule starts after them.
        if count < plan.catchUpHours { started = .now() }
        let due = started + .nanoseconds(interval.nanoseconds * Int64(max(0, count - plan.catchUpHours)))
        schedule(context, at: due)
    }

    private func schedule(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        if deadline <= .now() {
            // Not a direct call: an unpaced device would otherwise recurse without bound.
            context.eventLoop.assumeIsolated().execute { [self] in sendNext(context) }
        } else {
            context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in sendNext(context) }
        }
    }

    private func finish(_ context: ChannelHandlerContext) {
        guard !finished else { return }
        finished = true
        watchdog?.cancel()
        watchdog = nil
        if awaiting != nil { tally.timedOut += 1 }
        awaiting = nil
        done.succeed(tally)
        context.close(promise: nil)
    }

    /// The `QN` of an encoded frame: the 17 digits after `##LLLLQN=`.
    static func qn(of bytes: [UInt8]) -> String? {
        guard bytes.count > 26, bytes[6] == UInt8(ascii: "Q"), bytes[7] == UInt8(ascii: "N"), bytes[8] == UInt8(ascii: "=") else {
            return nil
        }
        return String(decoding: bytes[9..<26], as: UTF8.self)
    }
}

@available(*, unavailable)
extension DeviceDriver: Sendable {}
