import HuiliuCore

/// File names in a listing that are not UTF-8. Chinese Windows FTP servers (IIS, Serv-U) and
/// older Linux ones list names in GBK; such a name is read as GB18030 (a superset of GBK)
/// and its bytes are kept, since the server only finds the file under those bytes.
enum ListingEncoding {
    /// How a listing line's bytes were read.
    enum Reading {
        case utf8, gb18030
        /// Neither: one character per byte, so a name's bytes can be taken back exactly.
        case latin1
    }

    /// `bytes` as text: UTF-8 when valid, else GB18030, else Latin-1.
    static func decode(_ bytes: ArraySlice<UInt8>) -> (text: String, reading: Reading) {
        if let text = String(validating: bytes, as: UTF8.self) { return (text, .utf8) }
        if case .success(let converted) = Iconv.convert(Array(bytes), from: "GB18030", to: "UTF-8") {
            return (String(decoding: converted, as: UTF8.self), .gb18030)
        }
        var text = ""
        text.unicodeScalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
        return (text, .latin1)
    }

    /// `text`'s GB18030 bytes (exact for any text: GB18030 maps all of Unicode).
    static func gb18030(_ text: String) -> [UInt8]? {
        try? Iconv.convert(Array(text.utf8), from: "UTF-8", to: "GB18030").get()
    }
}
