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

    /// What `bytes` (a field, a line with other than ASCII) of a file that began with only
    /// ASCII say of its encoding.
    enum LateEvidence: Equatable {
        /// Decides the file: three-byte UTF-8 (Chinese in UTF-8), or bytes only GB18030 reads.
        case decides(TextEncoding)
        /// Valid either way, two-byte UTF-8 only: read as `reading`, the file left open.
        case reads(TextEncoding)
        /// Text of neither.
        case neither
    }

    /// The evidence of `bytes`. Two-byte UTF-8 is valid GBK as often as not (`µg/m³` is
    /// `碌g/m鲁` in GBK, `路` is `·` in UTF-8): it reads as UTF-8 and decides nothing.
    /// (``decideAhead(_:from:limit:)`` has usually decided such a file when it was opened.)
    static func lateEvidence(_ bytes: some Collection<UInt8>) -> LateEvidence {
        let array = Array(bytes)
        if String(validating: array, as: UTF8.self) != nil {
            return array.contains(where: { $0 >= 0xE0 }) ? .decides(.utf8) : .reads(.utf8)
        }
        return (try? Transcoding.toUTF8(array, from: "GB18030")) != nil ? .decides(.gb18030) : .neither
    }

    /// For a file whose first bytes were all ASCII: reads on from `from`, up to `limit` bytes,
    /// to the first bytes that tell its encoding (three-byte UTF-8, or bytes that are not
    /// UTF-8); two-byte UTF-8, which GBK text can be too, is passed over. `nil` if nothing
    /// told. So a GBK file whose first Chinese is `路` (C2 B7, `·` in UTF-8) reads as GBK.
    static func decideAhead(_ input: any ByteInput, from: Int, limit: Int) -> TextEncoding? {
        guard (try? input.seek(to: from)) != nil else { return nil }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var carried = 0, read = 0
        while read < limit {
            guard let n = try? input.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[carried...])), n > 0 else { return nil }
            read += n
            let end = carried + n
            var i = 0
            while i < end {
                let b = buffer[i]
                if b < 0x80 { i += 1; continue }
                let length: Int
                switch b {
                case 0xC2...0xDF: length = 2
                case 0xE0...0xEF: length = 3
                case 0xF0...0xF4: length = 4
                default: return .gb18030
                }
                // A sequence cut by the buffer's end is looked at again with the next read.
                if i + length > end { break }
                for k in 1..<length where buffer[i + k] & 0xC0 != 0x80 { return .gb18030 }
                if length > 2 { return .utf8 }
                i += length
            }
            carried = end - i
            if carried > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + i, byteCount: carried) }
        }
        return nil
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
