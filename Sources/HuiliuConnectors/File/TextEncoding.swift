/// The text encodings the file source reads.
enum TextEncoding: String, Sendable {
    case utf8 = "utf-8"
    case gb18030
    case gbk

    /// The name iconv knows it by.
    var iconvName: String {
        switch self {
        case .utf8: return "UTF-8"
        // GB18030 is a superset of GBK, so GBK text decodes correctly either way.
        case .gb18030, .gbk: return "GB18030"
        }
    }

    /// Guesses from the first bytes of a file: UTF-8 if they are valid UTF-8 (a sequence
    /// cut off at the end of the sample is allowed), GB18030 otherwise. Chinese
    /// government exports that are not UTF-8 are almost always GBK or GB18030.
    static func detect(_ sample: UnsafeRawBufferPointer, isWholeFile: Bool) -> TextEncoding {
        var i = 0
        let n = sample.count
        while i < n {
            let b = sample[i]
            if b < 0x80 { i += 1; continue }
            let length: Int
            switch b {
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: return .gb18030
            }
            if i + length > n { return isWholeFile ? .gb18030 : .utf8 }
            for k in 1..<length where sample[i + k] & 0xC0 != 0x80 { return .gb18030 }
            i += length
        }
        return .utf8
    }

    /// `bytes` as UTF-8 without a byte-order mark: as they are for `utf-8`, converted from
    /// GB18030 for `gb18030` or `gbk`, and for `auto` converted only if they are not UTF-8.
    static func utf8(_ bytes: [UInt8], declared: String) throws -> [UInt8] {
        var text = bytes
        let encoding: TextEncoding
        switch declared {
        case "utf-8": encoding = .utf8
        case "gb18030", "gbk": encoding = .gb18030
        default: encoding = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? .utf8 : bytes.withUnsafeBytes { detect($0, isWholeFile: true) }
        }
        if encoding != .utf8 { text = try Transcoding.toUTF8(bytes, from: encoding.iconvName) }
        if text.starts(with: [0xEF, 0xBB, 0xBF]) { text.removeFirst(3) }
        return text
    }
}
