import COpenSSL

/// Message digests through OpenSSL: SHA-256 for event ids and SM3 (GB/T 32905) for the
/// government gateways that require it.
public enum Digest: Sendable {
    case sha256
    case sm3

    /// The digest of `bytes`.
    public func hash(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let md: OpaquePointer? = switch self {
        case .sha256: EVP_sha256()
        case .sm3: EVP_sm3()
        }
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok: Int32 = bytes.withContiguousStorageIfAvailable { buffer in
            EVP_Digest(buffer.baseAddress, buffer.count, &out, &length, md, nil)
        } ?? Array(bytes).withUnsafeBufferPointer { buffer in
            EVP_Digest(buffer.baseAddress, buffer.count, &out, &length, md, nil)
        }
        precondition(ok == 1, "OpenSSL digest failed")
        out.removeSubrange(Int(length)...)
        return out
    }

    /// The digest of the UTF-8 bytes of `text`, as lowercase hex.
    public func hex(_ text: String) -> String {
        Digest.hexString(hash(Array(text.utf8)))
    }

    /// Lowercase hex of `bytes`.
    public static func hexString(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
