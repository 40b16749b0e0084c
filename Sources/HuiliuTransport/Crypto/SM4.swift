import COpenSSL

/// SM4 (GB/T 32907-2016) block cipher through OpenSSL's EVP interface, for gateways that
/// encrypt payloads (domain.md §7.2, pattern 3).
///
/// ```swift
/// let sm4 = try SM4(key: Hex.decode("0123456789abcdeffedcba9876543210"))
/// let plain = try sm4.decrypt(base64: response.encData, mode: .ecb)
/// ```
public struct SM4: Sendable {
    /// A block cipher mode.
    public enum Mode: Sendable, Equatable {
        /// Electronic codebook: each block alone; what most gateways use.
        case ecb
        /// Cipher block chaining with a 16-byte initialisation vector.
        case cbc(iv: [UInt8])
    }

    /// How the last block is filled.
    public enum Padding: Sendable, Equatable {
        /// PKCS#7: 1 to 16 bytes, each holding the pad length.
        case pkcs7
        /// None: the input must be a whole number of blocks.
        case none
    }

    /// Which way a ``SM4Cryptor`` works.
    public enum Operation: Sendable {
        /// Plaintext in, ciphertext out.
        case encrypt
        /// Ciphertext in, plaintext out.
        case decrypt
    }

    /// The block and key size in bytes: 16.
    public static let blockSize = 16

    /// The 16-byte key.
    public let key: [UInt8]

    /// A cipher with `key`, which must be 16 bytes.
    public init(key: [UInt8]) throws(CryptoError) {
        guard key.count == SM4.blockSize else { throw CryptoError("an SM4 key is 16 bytes, not \(key.count)") }
        self.key = key
    }

    /// `plaintext` encrypted.
    public func encrypt(_ plaintext: some Collection<UInt8>, mode: Mode, padding: Padding = .pkcs7) throws(CryptoError) -> [UInt8] {
        try run(.encrypt, Array(plaintext), mode: mode, padding: padding)
    }

    /// `ciphertext` decrypted; fails on a wrong key or corrupt input when padding is checked.
    public func decrypt(_ ciphertext: some Collection<UInt8>, mode: Mode, padding: Padding = .pkcs7) throws(CryptoError) -> [UInt8] {
        try run(.decrypt, Array(ciphertext), mode: mode, padding: padding)
    }

    /// Base64 `ciphertext` decrypted.
    public func decrypt(base64 ciphertext: String, mode: Mode, padding: Padding = .pkcs7) throws(CryptoError) -> [UInt8] {
        try decrypt(Base64.decode(ciphertext), mode: mode, padding: padding)
    }

    /// Hex `ciphertext` decrypted.
    public func decrypt(hex ciphertext: String, mode: Mode, padding: Padding = .pkcs7) throws(CryptoError) -> [UInt8] {
        try decrypt(Hex.decode(ciphertext), mode: mode, padding: padding)
    }

    /// A streaming cipher, for payloads too large to hold twice or for repeated block operations.
    public func makeCryptor(_ operation: Operation, mode: Mode, padding: Padding = .pkcs7) throws(CryptoError) -> SM4Cryptor {
        try SM4Cryptor(key: key, operation: operation, mode: mode, padding: padding)
    }

    private func run(_ operation: Operation, _ input: [UInt8], mode: Mode, padding: Padding) throws(CryptoError) -> [UInt8] {
        if operation == .decrypt && input.count % SM4.blockSize != 0 {
            throw CryptoError("SM4 ciphertext is \(input.count) bytes, not a multiple of 16")
        }
        let cryptor = try makeCryptor(operation, mode: mode, padding: padding)
        var output = try cryptor.update(input)
        output += try cryptor.finish()
        return output
    }
}

/// An SM4 encryption or decryption in progress: feed ``update(_:)`` any number of times, then
/// ``finish()`` once.
public final class SM4Cryptor {
    // Fetched once: implicit lookups by name cost a provider query per call in OpenSSL 3.
    nonisolated(unsafe) private static let ecb = EVP_CIPHER_fetch(nil, "SM4-ECB", nil)
    nonisolated(unsafe) private static let cbc = EVP_CIPHER_fetch(nil, "SM4-CBC", nil)

    private let context: OpaquePointer
    private var finished = false

    init(key: [UInt8], operation: SM4.Operation, mode: SM4.Mode, padding: SM4.Padding) throws(CryptoError) {
        let cipher: OpaquePointer?
        var iv: [UInt8]? = nil
        switch mode {
        case .ecb:
            cipher = SM4Cryptor.ecb
        case .cbc(let vector):
            guard vector.count == SM4.blockSize else { throw CryptoError("an SM4 IV is 16 bytes, not \(vector.count)") }
            cipher = SM4Cryptor.cbc
            iv = vector
        }
        guard let cipher else { throw CryptoError.openSSL("this OpenSSL has no SM4") }
        guard let context = EVP_CIPHER_CTX_new() else { throw CryptoError.openSSL("EVP_CIPHER_CTX_new failed") }
        self.context = context
        let ok = key.withUnsafeBufferPointer { k in
            if let iv {
                return iv.withUnsafeBufferPointer { v in
                    EVP_CipherInit_ex2(context, cipher, k.baseAddress, v.baseAddress, operation == .encrypt ? 1 : 0, nil)
                }
            }
            return EVP_CipherInit_ex2(context, cipher, k.baseAddress, nil, operation == .encrypt ? 1 : 0, nil)
        }
        guard ok == 1 else { throw CryptoError.openSSL("SM4 initialisation failed") }
        EVP_CIPHER_CTX_set_padding(context, padding == .pkcs7 ? 1 : 0)
    }

    deinit {
        EVP_CIPHER_CTX_free(context)
    }

    /// The output for `input`; may be shorter than the input while a block is incomplete.
    public func update(_ input: some Collection<UInt8>) throws(CryptoError) -> [UInt8] {
        precondition(!finished, "SM4Cryptor used after finish()")
        let bytes = Array(input)
        var output = [UInt8](repeating: 0, count: bytes.count + SM4.blockSize)
        var length: Int32 = 0
        let ok = bytes.withUnsafeBufferPointer { b in
            EVP_CipherUpdate(context, &output, &length, b.baseAddress ?? UnsafePointer(bitPattern: 1), Int32(b.count))
        }
        guard ok == 1 else { throw CryptoError.openSSL("SM4 update failed") }
        output.removeSubrange(Int(length)...)
        return output
    }

    /// The final block (padding added or checked and removed).
    public func finish() throws(CryptoError) -> [UInt8] {
        precondition(!finished, "SM4Cryptor finished twice")
        finished = true
        var output = [UInt8](repeating: 0, count: SM4.blockSize)
        var length: Int32 = 0
        guard EVP_CipherFinal_ex(context, &output, &length) == 1 else {
            throw CryptoError.openSSL("SM4 final block failed (wrong key, mode or padding?)")
        }
        output.removeSubrange(Int(length)...)
        return output
    }
}

@available(*, unavailable)
extension SM4Cryptor: Sendable {}
