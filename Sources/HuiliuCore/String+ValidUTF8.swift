import Foundation

extension String {
    /// The bytes as text if they are valid UTF-8, else `nil`.
    ///
    /// The standard library's `String(validating:as:)` is generic and looks up type metadata on
    /// every call: reading a CSV file spent a tenth of its time there. Decoding repairs what is
    /// not UTF-8 (each fault becomes U+FFFD), so the text is valid exactly when its bytes are the
    /// input's.
    public init?(validUTF8 bytes: UnsafeRawBufferPointer) {
        var text = String(decoding: bytes, as: UTF8.self)
        let same = text.utf8.count == bytes.count
            && text.withUTF8 { bytes.isEmpty || memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }
        guard same else { return nil }
        self = text
    }

    /// The bytes as text if they are valid UTF-8, else `nil`.
    public init?(validUTF8 bytes: [UInt8]) {
        guard let text = bytes.withUnsafeBytes({ String(validUTF8: $0) }) else { return nil }
        self = text
    }
}
