import CZlib
import Foundation

/// Undoes a request's `Content-Encoding` (RFC 9110 §8.4): gzip and deflate, bounded by the
/// same limit as a plain body, so a small compressed push cannot fill memory.
enum ContentDecoding {
    enum Failure: Error, CustomStringConvertible {
        case unsupported(String)
        case tooLarge(Int)
        case corrupt(String, String)

        var description: String {
            switch self {
            case .unsupported(let coding):
                "Content-Encoding '\(coding)' is not taken: send the body as it is, or with gzip or deflate"
            case .tooLarge(let limit): "the decoded body is larger than \(limit) bytes (max_body_bytes)"
            case .corrupt(let coding, let reason): "the body is not valid \(coding): \(reason)"
            }
        }
    }

    /// `body` with the codings `header` lists undone, last applied first.
    static func decode(_ body: [UInt8], header: String?, limit: Int) throws(Failure) -> [UInt8] {
        guard let header else { return body }
        let codings = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { !$0.isEmpty && $0 != "identity" }
        var bytes = body
        for coding in codings.reversed() {
            switch coding {
            case "gzip", "x-gzip": bytes = try inflate(bytes, windowBits: 16 + MAX_WBITS, coding: coding, limit: limit)
            // HTTP's deflate is zlib-wrapped; the window bits also take a gzip header, which some clients send.
            case "deflate": bytes = try inflate(bytes, windowBits: 32 + MAX_WBITS, coding: coding, limit: limit)
            default: throw .unsupported(coding)
            }
        }
        return bytes
    }

    private static func inflate(_ input: [UInt8], windowBits: Int32, coding: String, limit: Int) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        guard czlib_inflate_init(&stream, windowBits) == Z_OK else { throw .corrupt(coding, "zlib could not start") }
        defer { inflateEnd(&stream) }
        let source = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, input.count))
        defer { source.deallocate() }
        _ = source.initialize(from: input)
        let chunk = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 1 << 16)
        defer { chunk.deallocate() }
        stream.next_in = source.baseAddress
        stream.avail_in = uInt(input.count)
        var output: [UInt8] = []
        while true {
            stream.next_out = chunk.baseAddress
            stream.avail_out = uInt(chunk.count)
            let status = CZlib.inflate(&stream, Z_NO_FLUSH)
            output.append(contentsOf: chunk.prefix(chunk.count - Int(stream.avail_out)))
            if output.count > limit { throw .tooLarge(limit) }
            switch status {
            case Z_STREAM_END:
                // A gzip file may hold several members, one after another.
                guard stream.avail_in > 0 else { return output }
                inflateReset(&stream)
            case Z_OK:
                if stream.avail_in == 0 && stream.avail_out > 0 { throw .corrupt(coding, "it ends early") }
            case Z_BUF_ERROR:
                throw .corrupt(coding, "it ends early")
            default:
                throw .corrupt(coding, stream.msg.map { String(cString: $0) } ?? "zlib error \(status)")
            }
        }
    }
}
