import COpenSSL

/// A failure in a cryptographic helper: bad key, bad input encoding, failed decryption.
public struct CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, including OpenSSL's reason when it gave one.
    public var message: String

    /// An error saying `message`.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }

    /// An error saying `what`, with OpenSSL's queued reason appended (and the queue cleared).
    static func openSSL(_ what: String) -> CryptoError {
        var reasons: [String] = []
        var code = ERR_get_error()
        while code != 0 {
            var buffer = [UInt8](repeating: 0, count: 256)
            buffer.withUnsafeMutableBufferPointer { b in
                b.withMemoryRebound(to: CChar.self) { ERR_error_string_n(code, $0.baseAddress, $0.count) }
            }
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self))
            code = ERR_get_error()
        }
        return CryptoError(reasons.isEmpty ? what : "\(what): \(reasons.joined(separator: "; "))")
    }
}
