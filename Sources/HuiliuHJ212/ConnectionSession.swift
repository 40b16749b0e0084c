import Foundation
import HuiliuEnvironment
import Logging
import NIOCore

/// What one device connection remembers between frames: its peer, refusals in a row, and
/// which problems it has already logged (a misconfigured device repeats them every minute).
struct ConnectionSession {
    let peer: String
    let listener: HJ212Listener
    var logger: Logger
    var refusalsInARow = 0
    var logged: Set<String> = []

    init(peer: String, listener: HJ212Listener) {
        self.peer = peer
        self.listener = listener
        logger = listener.logger
        logger[metadataKey: "peer"] = "\(peer)"
    }

    /// Handles one decoded item; returns false when the connection should close.
    mutating func handle(_ item: DecodedFrame, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws -> Bool {
        let metrics = listener.metrics
        switch item {
        case .rejected(let error, let excerpt):
            metrics.count(.malformed)
            logger.warning("malformed HJ 212 frame", metadata: [
                "reason": "\(error.message)", "code": "\(error.code)", "excerpt": "\(DecodedFrame.hexExcerpt(excerpt))",
            ])
            return true
        case .frame(let frame, let raw, let received):
            switch listener.admission.judge(frame) {
            case .store(let ack):
                refusalsInARow = 0
                let row = BufferedFrame(frame: frame, raw: raw, station: listener.admission.stations[frame.mn], peer: peer,
                                        receivedAt: Int64(Date().timeIntervalSince1970 * 1000))
                let outcome: FrameBuffer.Outcome
                do {
                    outcome = try await listener.committer.submit(row)
                } catch {
                    metrics.count(.failed)
                    logger.error("HJ 212 frame not stored; not acknowledged", metadata: [
                        "mn": "\(frame.mn)", "qn": "\(frame.qn ?? "-")", "error": "\(error)",
                    ])
                    // The buffer is gone (shutdown or a disk fault): the device will resend.
                    return !(error is GroupCommitter.StopError)
                }
                switch outcome {
                case .stored: metrics.count(.stored)
                case .duplicate: metrics.count(.duplicate)
                case .packetKept: metrics.count(.packet)
                }
                if ack {
                    try await outbound.write(ByteBuffer(bytes: HJ212.Reply.dataAnswer.frame(answering: frame)))
                    metrics.acknowledged(after: received.duration(to: .now))
                }
            case .answer(let reply):
                refusalsInARow = 0
                metrics.count(.answered)
                try await outbound.write(ByteBuffer(bytes: reply.frame(answering: frame)))
            case .ignore(let reason):
                metrics.count(.ignored)
                logger.debug("HJ 212 frame ignored", metadata: ["mn": "\(frame.mn)", "cn": "\(frame.cn)", "reason": "\(reason)"])
            case .refuse(let refusal):
                metrics.count(.refused, reason: refusal)
                refusalsInARow += 1
                let level: Logger.Level = logged.insert("\(refusal.rawValue)/\(frame.mn)").inserted ? .warning : .debug
                logger.log(level: level, "HJ 212 frame refused; not acknowledged", metadata: [
                    "mn": "\(frame.mn)", "cn": "\(frame.cn)", "reason": "\(refusal.rawValue)",
                ])
                let limit = listener.settings.closeAfterRefusals
                if limit > 0 && refusalsInARow >= limit {
                    logger.warning("closing HJ 212 connection after \(refusalsInARow) refused frames in a row")
                    return false
                }
            }
            return true
        }
    }
}
