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
            let length = utf8Length(lead: b)
            if length == 0 { return .gb18030 }
            if i + length > n { return isWholeFile ? .gb18030 : .utf8 }
            for k in 1..<length where sample[i + k] & 0xC0 != 0x80 { return .gb18030 }
            i += length
        }
        return .utf8
    }

    /// The length of the UTF-8 sequence `lead` begins; 0 when it begins none.
    static func utf8Length(lead: UInt8) -> Int {
        switch lead {
        case 0xC2...0xDF: 2
        case 0xE0...0xEF: 3
        case 0xF0...0xF4: 4
        default: 0
        }
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

/// How a file whose first 64 KiB were all ASCII (`encoding: auto`) is read: its encoding
/// is decided by the first row whose other bytes tell, and kept for the rest of the file (and
/// in its checkpoint). Bytes that are not UTF-8 tell GB18030, unless they are UTF-8 with one
/// flaw: a character cut short at their end (an export that cut a field by bytes), or one
/// stray byte (`Andr\xE9s` from Windows-1252); such a row is rejected instead, and decides
/// nothing. Valid UTF-8 tells only when there is much of it: short GBK text is valid UTF-8
/// often enough (`女` is `Ů`, the name `岑光华` two Tibetan-range characters), but not over
/// `decisiveCharacters` characters of three or more bytes. A row that shows GB18030 is read so
/// whole, its valid-UTF-8 fields too.
struct LateEncoding: Sendable {
    /// Characters of three or more UTF-8 bytes a row needs to decide UTF-8.
    static let decisiveCharacters = 8

    /// `nil` until a row has decided.
    var decided: TextEncoding?

    /// What one piece of a row (a field, or a line) says.
    enum Reading {
        /// Valid UTF-8 with this many characters of three or more bytes.
        case utf8(wide: Int)
        /// Not UTF-8; this is its GB18030 reading.
        case gb18030(String)
    }

    /// `bytes` read by the decision so far, and, while undecided, what they say: `nil` if they
    /// are not text in it (or UTF-8 with one flaw); no reading for ASCII.
    func read(_ bytes: some Collection<UInt8>) -> (text: String, reading: Reading?)? {
        if !bytes.contains(where: { $0 >= 0x80 }) { return String(validating: bytes, as: UTF8.self).map { ($0, nil) } }
        switch decided {
        case .utf8?: return String(validating: bytes, as: UTF8.self).map { ($0, nil) }
        case .gb18030?, .gbk?: return Self.gb18030(bytes).map { ($0, nil) }
        case nil:
            if let text = String(validating: bytes, as: UTF8.self) {
                return (text, .utf8(wide: bytes.reduce(0) { $0 + ($1 >= 0xE0 ? 1 : 0) }))
            }
            if Self.isFlawedUTF8(Array(bytes)) { return nil }
            return Self.gb18030(bytes).map { ($0, .gb18030($0)) }
        }
    }

    /// Decides from one row's readings: GB18030 when some piece was not UTF-8 and the rest
    /// hold too little UTF-8 to say otherwise; UTF-8 when all were UTF-8 and enough of it.
    /// Returns whether the row is GB18030, so that its pieces read as UTF-8 are read again.
    mutating func decide(sawGB18030: Bool, wideUTF8: Int) -> Bool {
        guard decided == nil else { return false }
        let muchUTF8 = wideUTF8 >= Self.decisiveCharacters
        if sawGB18030 && !muchUTF8 { decided = .gb18030 }
        if muchUTF8 && !sawGB18030 { decided = .utf8 }
        return decided == .gb18030
    }

    /// Whether `bytes`, not valid UTF-8, are UTF-8 but for one flaw: a character cut short at
    /// the end, or one byte that begins or continues no character. GBK text has more (`男`,
    /// C4 D0, is a lead byte without its continuation and a cut one; `王芳` four bad bytes).
    static func isFlawedUTF8(_ bytes: [UInt8]) -> Bool {
        var flaws = 0, cutAtEnd = false, i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x80 { i += 1; continue }
            let length = TextEncoding.utf8Length(lead: b)
            guard length > 0 else { flaws += 1; i += 1; continue }
            var k = 1
            while k < length, i + k < bytes.count, bytes[i + k] & 0xC0 == 0x80 { k += 1 }
            if k == length { i += length; continue }
            if i + k == bytes.count { cutAtEnd = true; break }
            // A character cut short inside: one flaw, and its continuation bytes go with it.
            flaws += 1
            i += k
        }
        return (flaws == 0 && cutAtEnd) || (flaws == 1 && !cutAtEnd)
    }

    /// What a part that cannot be read is not, for the row's rejection.
    var expected: String {
        switch decided {
        case .utf8?: "UTF-8 (as this file's earlier rows are)"
        case .gb18030?, .gbk?: "GB18030 (as this file's earlier rows are)"
        case nil: "UTF-8 (a character cut short, or a stray byte)"
        }
    }

    static func gb18030(_ bytes: some Collection<UInt8>) -> String? {
        (try? Transcoding.toUTF8(Array(bytes), from: "GB18030")).flatMap { String(validating: $0, as: UTF8.self) }
    }
}
