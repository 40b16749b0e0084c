public import HuiliuEnvironment

/// What the frame codec hands the connection: a verified frame with its bytes, or bytes it
/// rejected and why.
public enum DecodedFrame: Sendable {
    /// A frame whose length and CRC checked out, with its exact bytes (`##` through CR LF)
    /// and when its last byte was read, for the received-to-acknowledged latency.
    case frame(HJ212.Frame, raw: [UInt8], received: ContinuousClock.Instant)
    /// Bytes that are not a valid frame, the reason, and the first ``excerptLength`` of them for the log.
    case rejected(HJ212.FrameError, excerpt: [UInt8])

    /// The frame, if this is one.
    public var frame: HJ212.Frame? {
        if case .frame(let frame, _, _) = self { return frame }
        return nil
    }

    /// The rejection, if this is one.
    public var rejection: HJ212.FrameError? {
        if case .rejected(let error, _) = self { return error }
        return nil
    }
}

extension DecodedFrame {
    /// How much of rejected bytes is kept: enough for the header (`QN`, `ST`, `CN`, `PW`, `MN`).
    public static let excerptLength = 160

    /// The value of header field `name` (`MN`, `QN`) in the bytes of a rejected frame, if it is
    /// there and readable: behind a carrier's NAT the peer address names no device, the `MN` does.
    public static func headerField(_ name: String, in bytes: [UInt8]) -> String? {
        let key = Array((name + "=").utf8)
        guard bytes.count >= key.count else { return nil }
        for start in 0...(bytes.count - key.count) where bytes[start..<start + key.count].elementsEqual(key) {
            guard start == 0 || bytes[start - 1] == UInt8(ascii: ";") || bytes[start - 1] >= UInt8(ascii: "0") && bytes[start - 1] <= UInt8(ascii: "9")
            else { continue }
            let value = bytes[(start + key.count)...].prefix { $0 != UInt8(ascii: ";") && $0 != UInt8(ascii: "&") }
            guard !value.isEmpty, value.count <= 32, value.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
            return String(decoding: value, as: UTF8.self)
        }
        return nil
    }

    /// Lower-case hex of up to `limit` bytes, for log lines about rejected input; a `PW=` value
    /// in them is starred out first (a device's password is a credential).
    public static func hexExcerpt(_ bytes: [UInt8], limit: Int = 32) -> String {
        var bytes = bytes
        let key = Array("PW=".utf8)
        if bytes.count >= key.count {
            for start in 0...(bytes.count - key.count) where bytes[start..<start + key.count].elementsEqual(key) {
                var i = start + key.count
                while i < bytes.count, bytes[i] != UInt8(ascii: ";"), bytes[i] != UInt8(ascii: "&") {
                    bytes[i] = UInt8(ascii: "*")
                    i += 1
                }
            }
        }
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(min(bytes.count, limit) * 2 + 1)
        for byte in bytes.prefix(limit) {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        if bytes.count > limit { out.append(contentsOf: "…".utf8) }
        return String(decoding: out, as: UTF8.self)
    }
}
