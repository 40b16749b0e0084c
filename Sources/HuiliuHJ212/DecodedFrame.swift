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

    /// Where the values of field `name` stand in `bytes`: after each `name=`, up to `;` or `&`.
    static func valueRanges(of name: String, in bytes: [UInt8]) -> [(key: Int, value: Range<Int>)] {
        let key = Array((name + "=").utf8)
        guard bytes.count >= key.count else { return [] }
        return (0...(bytes.count - key.count)).filter { bytes[$0..<$0 + key.count].elementsEqual(key) }.map { start in
            let from = start + key.count
            let end = bytes[from...].firstIndex { $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: "&") } ?? bytes.count
            return (start, from..<end)
        }
    }

    /// The value of header field `name` (`MN`, `QN`) in the bytes of a rejected frame, if it is
    /// there and readable: behind a carrier's NAT the peer address names no device, the `MN` does.
    public static func headerField(_ name: String, in bytes: [UInt8]) -> String? {
        // A field starts the data segment (after the length digits) or follows a `;`.
        let found = valueRanges(of: name, in: bytes).first { start, _ in
            start == 0 || bytes[start - 1] == UInt8(ascii: ";") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[start - 1])
        }
        guard let value = found.map({ bytes[$0.value] }), !value.isEmpty, value.count <= 32, value.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { return nil }
        return String(decoding: value, as: UTF8.self)
    }

    /// Lower-case hex of up to `limit` bytes, for log lines about rejected input; a `PW=` value
    /// in them is starred out first (a device's password is a credential).
    public static func hexExcerpt(_ bytes: [UInt8], limit: Int = 32) -> String {
        var bytes = bytes
        for (_, value) in valueRanges(of: "PW", in: bytes) {
            bytes.replaceSubrange(value, with: repeatElement(UInt8(ascii: "*"), count: value.count))
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
