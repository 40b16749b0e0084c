import COpenSSL

/// Message digests through OpenSSL: SHA-256 for event ids and SM3 (GB/T 32905) for the
/// government gateways that require it.
public enum Digest: Sendable {
    case sha256
    case sm3

    /// The digest of `bytes`.
    // Fetched once: OpenSSL 3 looks an algorithm up on every call that names it implicitly.
    nonisolated(unsafe) static let sha256MD = EVP_MD_fetch(nil, "SHA256", nil)
    nonisolated(unsafe) static let sm3MD = EVP_MD_fetch(nil, "SM3", nil)

    /// OpenSSL's implementation of this digest.
    private var algorithm: OpaquePointer? {
        switch self {
        case .sha256: Digest.sha256MD
        case .sm3: Digest.sm3MD
        }
    }

    public func hash(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok: Int32 = bytes.withContiguousStorageIfAvailable { buffer in
            EVP_Digest(buffer.baseAddress, buffer.count, &out, &length, algorithm, nil)
        } ?? Array(bytes).withUnsafeBufferPointer { buffer in
            EVP_Digest(buffer.baseAddress, buffer.count, &out, &length, algorithm, nil)
        }
        precondition(ok == 1, "OpenSSL digest failed")
        out.removeSubrange(Int(length)...)
        return out
    }

    /// The digest of the UTF-8 bytes of `text`, as lowercase hex.
    public func hex(_ text: String) -> String {
        Digest.hexString(hash(Array(text.utf8)))
    }

    /// The first `bytes` bytes of the digest of `input`, as lower-case hex; no allocation but the string's.
    public func hexPrefix(of input: UnsafeBufferPointer<UInt8>, bytes: Int) -> String {
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Int(EVP_MAX_MD_SIZE)) { out in
            var length: UInt32 = 0
            let ok = EVP_Digest(input.baseAddress, input.count, out.baseAddress, &length, algorithm, nil)
            precondition(ok == 1, "OpenSSL digest failed")
            return Digest.hexString(UnsafeBufferPointer(rebasing: out[..<min(bytes, Int(length))]))
        }
    }

    /// Lowercase hex of `bytes`.
    public static func hexString(_ bytes: some Collection<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { buffer in
            var k = 0
            for b in bytes {
                buffer[k] = hexDigit(b >> 4)
                buffer[k + 1] = hexDigit(b & 0x0F)
                k += 2
            }
            return k
        }
    }

    @inline(__always)
    static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? nibble + 48 : nibble + 87
    }
}

extension Digest {
    /// HMAC (RFC 2104) with this digest; both SHA-256 and SM3 use 64-byte blocks.
    public func hmac(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        var block = Array(key)
        if block.count > 64 { block = hash(block) }
        block += [UInt8](repeating: 0, count: 64 - block.count)
        let inner = hash(block.map { $0 ^ 0x36 } + Array(message))
        return hash(block.map { $0 ^ 0x5C } + inner)
    }
}

extension Digest {
    /// Whether `a` and `b` have the same length and bytes, every byte examined whatever the
    /// first difference: comparing a secret (a token, a tag) must not tell how much matched.
    public static func constantTimeEqual(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        // Not the low byte of the lengths' difference: lengths 256 apart would look equal.
        var difference: UInt8 = a.count == b.count ? 0 : 1
        var left = a.makeIterator(), right = b.makeIterator()
        while true {
            let x = left.next(), y = right.next()
            if x == nil && y == nil { return difference == 0 }
            difference |= (x ?? 0) ^ (y ?? 0)
        }
    }
}
