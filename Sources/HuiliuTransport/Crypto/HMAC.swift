import COpenSSL
public import HuiliuCore

/// Keyed-hash message authentication codes (RFC 2104) over SHA-256 or SM3.
///
/// ```swift
/// HMAC.hex("appKey=demo&nonce=abc123&timestamp=1700000000000", key: "appSecret-demo", digest: .sm3)
/// // "3915ca24…"
/// ```
public enum HMAC {
    // Fetched once; naming an algorithm implicitly makes OpenSSL 3 look it up on every call.
    nonisolated(unsafe) private static let sha256 = EVP_MD_fetch(nil, "SHA256", nil)
    nonisolated(unsafe) private static let sm3 = EVP_MD_fetch(nil, "SM3", nil)

    /// True when this OpenSSL provides `digest` (a FIPS-only build has no SM3).
    public static func supports(_ digest: Digest) -> Bool {
        (digest == .sm3 ? sm3 : sha256) != nil
    }

    /// The MAC of `message` under `key`.
    /// - Parameters:
    ///   - message: the bytes to authenticate.
    ///   - key: the secret key bytes.
    ///   - digest: the hash function.
    public static func authenticationCode(for message: some Collection<UInt8>, key: some Collection<UInt8>,
                                          digest: Digest) -> [UInt8] {
        let md = digest == .sm3 ? sm3 : sha256
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let keyBytes = Array(key)
        let messageBytes = Array(message)
        let result = keyBytes.withUnsafeBytes { k in
            messageBytes.withUnsafeBytes { m in
                // A non-null pointer even for empty input: HMAC() treats NULL data as "no data".
                COpenSSL.HMAC(md, k.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(k.count),
                              m.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1),
                              m.count, &out, &length)
            }
        }
        precondition(result != nil, "OpenSSL HMAC failed")
        out.removeSubrange(Int(length)...)
        return out
    }

    /// The MAC of the UTF-8 bytes of `message` under the UTF-8 bytes of `key`, as lowercase hex.
    public static func hex(_ message: String, key: String, digest: Digest) -> String {
        Digest.hexString(authenticationCode(for: Array(message.utf8), key: Array(key.utf8), digest: digest))
    }
}
