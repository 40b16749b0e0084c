import COpenSSL

extension Digest {
    /// A digest computed over data that arrives in pieces (a file read in chunks).
    ///
    /// ```swift
    /// var hasher = Digest.Hasher(.sha256)
    /// for chunk in chunks { hasher.update(chunk) }
    /// let hex = Digest.hexString(hasher.finalize())
    /// ```
    public struct Hasher: ~Copyable {
        private let context: OpaquePointer

        /// A hasher for `digest`.
        public init(_ digest: Digest) {
            context = EVP_MD_CTX_new()
            let md: OpaquePointer? = digest == .sha256 ? Digest.sha256MD : Digest.sm3MD
            precondition(EVP_DigestInit_ex(context, md, nil) == 1, "OpenSSL digest init failed")
        }

        deinit {
            EVP_MD_CTX_free(context)
        }

        /// Adds `bytes`.
        public mutating func update(_ bytes: some Collection<UInt8>) {
            let ok: Int32 = bytes.withContiguousStorageIfAvailable { EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
                ?? Array(bytes).withUnsafeBufferPointer { EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
            precondition(ok == 1, "OpenSSL digest update failed")
        }

        /// The digest of everything added.
        public consuming func finalize() -> [UInt8] {
            var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
            var length: UInt32 = 0
            precondition(EVP_DigestFinal_ex(context, &out, &length) == 1, "OpenSSL digest final failed")
            out.removeSubrange(Int(length)...)
            return out
        }
    }
}
