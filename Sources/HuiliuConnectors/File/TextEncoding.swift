import HuiliuCore

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
    /// government exports that are not UTF-8 are almost always GBK or GB18030. Bytes that are
    /// not UTF-8 after ``LateEncoding/decisiveCharacters`` valid characters of three or more
    /// bytes do not make a file GB18030: it is UTF-8 with a bad row (a GBK line pasted in, a
    /// character an export cut short), which is rejected, not the whole file read as GB18030
    /// and garbled (GBK text is not valid UTF-8 that long).
    static func detect(_ sample: UnsafeRawBufferPointer, isWholeFile: Bool) -> TextEncoding {
        var i = 0
        var wide = 0
        let n = sample.count
        while i < n {
            let b = sample[i]
            if b < 0x80 { i += 1; continue }
            let length = utf8Length(lead: b)
            if length == 0 { return wide >= LateEncoding.decisiveCharacters ? .utf8 : .gb18030 }
            if i + length > n { return isWholeFile && wide < LateEncoding.decisiveCharacters ? .gb18030 : .utf8 }
            for k in 1..<length where sample[i + k] & 0xC0 != 0x80 { return wide >= LateEncoding.decisiveCharacters ? .utf8 : .gb18030 }
            if length >= 3 { wide += 1 }
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
/// in its checkpoint). Neither kind of evidence is taken from a little text:
///
/// - GB18030: bytes that are not UTF-8 and read as common Chinese (a GB2312 character), in a
///   row with fewer than `decisiveCharacters` UTF-8 characters of three bytes. Such a row is
///   read whole as GB18030, its fields that happened to be valid UTF-8 too (GBK's `女` is `Ů`).
/// - UTF-8: only valid UTF-8, with `decisiveCharacters` or more such characters.
///
/// A piece mostly of UTF-8 but for a character cut short or a stray byte (a field an export
/// cut by bytes) rejects its row and decides nothing; other bytes that are not UTF-8 (a
/// Windows-1252 `é`, a rare GBK character alone) are read as GB18030 without deciding.
struct LateEncoding: Sendable {
    /// Characters of three or more UTF-8 bytes that decide UTF-8, or keep GB18030 from being decided.
    static let decisiveCharacters = 8

    /// `nil` until a row has decided.
    var decided: TextEncoding?

    /// What one piece of a row (a field, or a line) says.
    enum Reading {
        /// Valid UTF-8 with this many characters of three or more bytes.
        case utf8(wide: Int)
        /// Not UTF-8 and read as GB18030; whether it reads as common Chinese, and how many
        /// valid UTF-8 characters of three or more bytes it has all the same.
        case gb18030(chinese: Bool, wide: Int)
        /// UTF-8 but for a character cut short or a stray byte.
        case flawedUTF8
    }

    /// `bytes` read by the decision so far, and, while undecided, what they say: `nil` text if
    /// they are not text in it (or flawed UTF-8); no reading for ASCII.
    func read(_ bytes: UnsafeRawBufferPointer) -> (text: String?, reading: Reading?) {
        if !bytes.contains(where: { $0 >= 0x80 }) { return (String(decoding: bytes, as: UTF8.self), nil) }
        switch decided {
        case .utf8?: return (String(validUTF8: bytes), nil)
        case .gb18030?, .gbk?: return (Self.gb18030(bytes), nil)
        case nil:
            let bytes = Array(bytes)
            let scan = Self.scanUTF8(bytes)
            if scan.flaws == 0 { return (String(decoding: bytes, as: UTF8.self), .utf8(wide: scan.wide)) }
            // UTF-8 cut short after a character or more, or after ASCII (a code and a name cut at
            // 20 bytes), or much UTF-8 with a few flaws. GBK text is so by chance in about one name
            // in a thousand, and ASCII with one Chinese character after it in a few in a hundred.
            let cutAfterText = scan.wide >= 1 || bytes.first.map { $0 < 0x80 } == true
            if (scan.flaws == 1 && scan.cutAtEnd && cutAfterText) || (scan.wide >= 2 && scan.wide >= 2 * scan.flaws) {
                return (nil, .flawedUTF8)
            }
            guard let text = Self.gb18030(bytes) else { return (nil, nil) }
            return (text, .gb18030(chinese: Self.hasGB2312Character(bytes), wide: scan.wide))
        }
    }

    /// Decides from one row: GB18030 when a piece that is not UTF-8 reads as common Chinese,
    /// none is flawed UTF-8, and the row has little UTF-8; UTF-8 when all of it is UTF-8 and
    /// much. Returns whether the row is GB18030, so that its pieces read as UTF-8 are read again.
    /// Whether a field's bytes must be read in pairs to find `delimiter`: decided GB18030, whose
    /// trail bytes run 0x40–0x7E (`|`, `@`, `^`, `~`) as well as 0x80–0xFE. Declared GB18030 is
    /// decoded before it is split, and comma, tab and semicolon are below every trail byte.
    func pairsBytes(_ delimiter: UInt8) -> Bool {
        (decided == .gb18030 || decided == .gbk) && (0x40...0x7E).contains(delimiter)
    }

    mutating func decide(chinese: Bool, notUTF8: Bool, flawed: Bool, wideUTF8: Int) -> Bool {
        guard decided == nil else { return false }
        let muchUTF8 = wideUTF8 >= Self.decisiveCharacters
        if chinese && !flawed && !muchUTF8 { decided = .gb18030 }
        if muchUTF8 && !notUTF8 && !flawed { decided = .utf8 }
        return decided == .gb18030
    }

    /// Characters of three or more bytes that are valid UTF-8 (no overlong forms or surrogates,
    /// as CESU-8 writes), the flaws: runs of bytes that make no valid character (a stray byte, a
    /// character cut short, a CESU-8 surrogate pair are one each), and whether a character was
    /// cut short at the end of a piece of text.
    static func scanUTF8(_ bytes: [UInt8]) -> (wide: Int, flaws: Int, cutAtEnd: Bool) {
        var wide = 0, flaws = 0, i = 0, inFlaw = false, cutAtEnd = false
        func flaw() {
            if !inFlaw { flaws += 1 }
            inFlaw = true
        }
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x80 { inFlaw = false; i += 1; continue }
            let length = TextEncoding.utf8Length(lead: b)
            guard length > 0 else { flaw(); i += 1; continue }
            // The second byte's range narrows for E0, ED, F0 and F4 (RFC 3629 §4).
            let second: ClosedRange<UInt8> = switch b {
            case 0xE0: 0xA0...0xBF
            case 0xED: 0x80...0x9F
            case 0xF0: 0x90...0xBF
            case 0xF4: 0x80...0x8F
            default: 0x80...0xBF
            }
            var k = 1
            while k < length, i + k < bytes.count, k == 1 ? second.contains(bytes[i + k]) : bytes[i + k] & 0xC0 == 0x80 { k += 1 }
            if k == length {
                if length >= 3 { wide += 1 }
                inFlaw = false
            } else {
                // Cut short: at the end, or (a lead and a continuation or more) before ASCII, as a
                // JSON string's closing quote follows a value cut by bytes.
                if i + k == bytes.count || (k >= 2 && bytes[i + k] < 0x80) { cutAtEnd = true }
                flaw()
            }
            i += k
        }
        return (wide, flaws, cutAtEnd)
    }

    /// Whether `bytes` read as GB18030 hold a GB2312 character (lead 0xB0–0xF7, trail 0xA1–0xFE):
    /// common Chinese, where a stray Windows-1252 byte pairs with an ASCII one.
    static func hasGB2312Character(_ bytes: [UInt8]) -> Bool {
        var i = 0
        while i + 1 < bytes.count {
            let lead = bytes[i], trail = bytes[i + 1]
            if lead < 0x81 || lead == 0xFF { i += 1; continue }
            if (0x30...0x39).contains(trail) { i += 4; continue }  // a four-byte sequence
            if (0xB0...0xF7).contains(lead) && (0xA1...0xFE).contains(trail) { return true }
            i += 2
        }
        return false
    }

    /// What a part that cannot be read is not, for the row's rejection.
    var expected: String {
        switch decided {
        case .utf8?: "UTF-8 (as this file's earlier rows are)"
        case .gb18030?, .gbk?: "GB18030 (as this file's earlier rows are)"
        case nil: "UTF-8 (a character cut short, or a stray byte) nor GB18030"
        }
    }

    static func gb18030(_ bytes: some Collection<UInt8>) -> String? {
        (try? Transcoding.toUTF8(Array(bytes), from: "GB18030")).flatMap { String(validating: $0, as: UTF8.self) }
    }
}
