import Foundation
import HuiliuEnvironment
import Logging
import NIOCore

/// Serves one device connection on its event loop: judges each decoded frame, hands data
/// uploads to the ``GroupCommitter``, and answers in the order the frames came — a 9014 only
/// once its frame is committed.
///
/// Nothing here waits: a frame is decoded, verified, admitted and normalized in the read that
/// brought it, the committer hands outcomes back in one task per event loop per group, and
/// the answers a group releases go out with one flush per connection.
final class ConnectionHandler: ChannelDuplexHandler, GroupCommitter.Receiver {
    typealias InboundIn = DecodedFrame
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// An answer waiting for its turn.
    private enum Answer {
        /// A data upload waiting for its commit, with its 9014 if it asked for one.
        case commit(ack: [UInt8]?, received: ContinuousClock.Instant, mn: String, qn: String?)
        /// An answer that goes out once the answers before it have.
        case ready([UInt8])
    }

    /// Uploads a connection may have waiting for commits before it stops reading. Devices
    /// wait for each answer, so only a misbehaving one gets near it.
    static let maximumWaiting = 64

    let listener: HJ212Listener
    let peer: String
    /// The peer's address without its port: wrong passwords are counted per address.
    let address: String
    var logger: Logger
    private var context: ChannelHandlerContext?
    private var answers = CircularBuffer<Answer>()
    private var commitsWaiting = 0
    private var refusalsInARow = 0
    /// Malformed frames since the last good one: garbage must not hold a socket (and reset the
    /// idle timer) for ever, nor write a log line per frame.
    private var malformedInARow = 0
    /// Malformed frames in a row that close the connection.
    static let malformedLimit = 16
    /// The dedupe key of the latest first packet per `MN/CN` on this connection: the later
    /// packets of a split upload from a device without `QN` (HJ 212-2005) have no `DataTime`
    /// either, so only the connection ties them to their first packet.
    private var splitUploadKeys: [String: String] = [:]
    /// Problems already logged as warnings (a misconfigured device repeats them every minute).
    private var logged: Set<String> = []
    private var needsFlush = false
    private var readHeld = false
    /// No more frames are taken; the channel closes once the answers owed have gone.
    private var closing = false

    init(listener: HJ212Listener, peer: String) {
        self.listener = listener
        self.peer = peer
        address = String(peer[..<(peer.lastIndex(of: ":") ?? peer.endIndex)])
        logger = listener.logger
        logger[metadataKey: "peer"] = "\(peer)"
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        listener.metrics.connectionOpened()
        logger.debug("HJ 212 device connected")
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        listener.metrics.connectionClosed()
        logger.debug("HJ 212 device disconnected")
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        switch unwrapInboundIn(data) {
        case .rejected(let error, let excerpt):
            listener.metrics.count(.malformed)
            malformedInARow += 1
            // The first of a run is a warning; the rest, which a garbage sender would make many,
            // only at debug level.
            var metadata: Logger.Metadata = [
                "reason": "\(error.message)", "code": "\(error.code)", "excerpt": "\(DecodedFrame.hexExcerpt(excerpt))",
            ]
            for field in ["MN", "QN"] {
                if let value = DecodedFrame.headerField(field, in: excerpt) { metadata[field.lowercased()] = "\(value)" }
            }
            logger.log(level: malformedInARow == 1 ? .warning : .debug, "malformed HJ 212 frame", metadata: metadata)
            if malformedInARow >= Self.malformedLimit {
                logger.warning("closing HJ 212 connection after \(malformedInARow) malformed frames in a row")
                closing = true
                closeIfDone()
            }
        case .frame(let frame, let raw, let received):
            malformedInARow = 0
            handle(frame, raw: raw, received: received, context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushIfNeeded()
        context.fireChannelReadComplete()
    }

    /// Holds reads while too many uploads wait for commits, or while the device does not take
    /// its answers: a device that never reads them would fill the gateway's memory with them.
    /// Its frames wait in the kernel and then in the device, which keeps what is unanswered.
    func read(context: ChannelHandlerContext) {
        if commitsWaiting >= Self.maximumWaiting || !context.channel.isWritable {
            readHeld = true
        } else {
            context.read()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, readHeld, commitsWaiting < Self.maximumWaiting {
            readHeld = false
            context.read()
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            // A device that stopped talking should not hold a socket forever.
            logger.info("closing idle HJ 212 connection")
            listener.metrics.count(idleClosed: ())
            context.close(promise: nil)
            return
        }
        if let event = event as? ChannelEvent, event == .inputClosed {
            // The device (or shutdown) ended the input: answer what came, then close.
            closing = true
            closeIfDone()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("HJ 212 connection ended with an error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    private func handle(_ frame: HJ212.Frame, raw: [UInt8], received: ContinuousClock.Instant, context: ChannelHandlerContext) {
        let metrics = listener.metrics
        let admission = listener.admission
        let station = admission.stations[frame.mn]
        var verdict = admission.judge(frame, station: station)
        if station != nil, listener.passwordGuard.isLocked(frame.mn, from: address) {
            verdict = .refuse(.guessing)
        } else if verdict == .refuse(.wrongPassword), listener.passwordGuard.failed(frame.mn, from: address) {
            logger.warning("HJ 212 password guessing: too many wrong passwords for this MN from this address; its frames from there are refused for a while", metadata: [
                "mn": "\(frame.mn)", "limit": "\(listener.passwordGuard.limit)", "seconds": "\(listener.passwordGuard.window.components.seconds)",
            ])
        }
        switch verdict {
        case .store(let ack):
            refusalsInARow = 0
            if let registered = station?.edition, registered != frame.edition,
               logged.insert("edition/\(frame.mn)/\(frame.edition.rawValue)").inserted {
                // Stored all the same (the frame is valid in its own edition), but the device or
                // its registration is not what the other says: codes and flags differ by edition.
                logger.warning("HJ 212 frame in another edition than its station is registered with", metadata: [
                    "mn": "\(frame.mn)", "registered": "\(registered.rawValue)", "frame": "\(frame.edition.rawValue)",
                ])
            }
            var row = BufferedFrame(frame: frame, raw: raw, station: station, peer: peer,
                                    receivedAt: Int64(Date().timeIntervalSince1970 * 1000))
            if let packet = row.packet {
                let upload = frame.mn + "/" + frame.cn
                if packet.number == 1, let key = row.dedupeKey {
                    splitUploadKeys[upload] = key
                } else if row.dedupeKey == nil {
                    // Without its first packet this one cannot be placed: a key of its own keeps
                    // it from joining another upload, and it is stored when the upload times out.
                    row.dedupeKey = splitUploadKeys[upload] ?? "\(peer)@\(row.receivedAt)#\(packet.number)"
                }
            }
            let receiver = NIOLoopBound<any GroupCommitter.Receiver>(self, eventLoop: context.eventLoop)
            guard listener.committer.submit(row, receiver: receiver) else {
                notStored(mn: frame.mn, qn: frame.qn, error: GroupCommitter.StopError())
                closeIfDone()
                return
            }
            answers.append(.commit(ack: ack ? HJ212.Reply.dataAnswer.frame(answering: frame) : nil, received: received,
                                   mn: frame.mn, qn: frame.qn))
            commitsWaiting += 1
        case .answer(let reply):
            refusalsInARow = 0
            metrics.count(.answered)
            let bytes = reply.frame(answering: frame)
            if answers.isEmpty { write(bytes) } else { answers.append(.ready(bytes)) }
        case .ignore(let reason):
            metrics.count(.ignored)
            logger.debug("HJ 212 frame ignored", metadata: ["mn": "\(frame.mn)", "cn": "\(frame.cn)", "reason": "\(reason)"])
        case .refuse(let refusal):
            metrics.count(.refused, reason: refusal)
            refusalsInARow += 1
            let level: Logger.Level = logged.insert("\(refusal.rawValue)/\(frame.mn)").inserted ? .warning : .debug
            logger.log(level: level, "HJ 212 frame refused; not acknowledged", metadata: [
                "mn": "\(frame.mn)", "cn": "\(frame.cn)", "qn": "\(frame.qn ?? "")", "reason": "\(refusal.rawValue)",
            ])
            let limit = listener.settings.closeAfterRefusals
            if limit > 0 && refusalsInARow >= limit {
                logger.warning("closing HJ 212 connection after \(refusalsInARow) refused frames in a row")
                closing = true
                closeIfDone()
            }
        }
    }

    func committed(_ outcome: Result<FrameBuffer.Outcome, any Error>) {
        guard case .commit(let ack, let received, let mn, let qn)? = answers.popFirst() else {
            assertionFailure("a commit outcome arrived for a connection with no upload waiting")
            return
        }
        commitsWaiting -= 1
        switch outcome {
        case .success(let result):
            switch result {
            case .stored: listener.metrics.count(.stored)
            case .duplicate: listener.metrics.count(.duplicate)
            case .packetKept: listener.metrics.count(.packet)
            }
            if let ack, write(ack) { listener.metrics.acknowledged(after: received.duration(to: .now)) }
        case .failure(let error):
            notStored(mn: mn, qn: qn, error: error)
        }
        while case .ready(let bytes)? = answers.first {
            answers.removeFirst()
            write(bytes)
        }
        if readHeld && commitsWaiting < Self.maximumWaiting / 2 && context?.channel.isWritable != false {
            readHeld = false
            context?.read()
        }
    }

    func groupDelivered() {
        flushIfNeeded()
        closeIfDone()
    }

    private func notStored(mn: String, qn: String?, error: any Error) {
        listener.metrics.count(.failed)
        logger.error("HJ 212 frame not stored; not acknowledged", metadata: [
            "mn": "\(mn)", "qn": "\(qn ?? "-")", "error": "\(error)",
        ])
        // The buffer is gone (shutdown or a crash test): the device will resend elsewhere or later.
        if error is GroupCommitter.StopError { closing = true }
    }

    /// Queues `bytes` for the next flush; false if the connection is gone.
    @discardableResult
    private func write(_ bytes: [UInt8]) -> Bool {
        guard let context else { return false }
        context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
        needsFlush = true
        return true
    }

    private func flushIfNeeded() {
        guard needsFlush, let context else { return }
        needsFlush = false
        context.flush()
    }

    private func closeIfDone() {
        guard closing, answers.isEmpty, let context else { return }
        flushIfNeeded()
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension ConnectionHandler: Sendable {}
