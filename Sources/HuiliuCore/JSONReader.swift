import Glibc

/// Parses JSON text (RFC 8259) into ``Value``s, straight from bytes.
///
/// Strings are validated as UTF-8 while they are scanned, `\u` escapes and surrogate
/// pairs are decoded, numbers stay exact (see ``DecimalNumber``), and every error names
/// the byte offset it was found at.
public struct JSONReader: Sendable {
    /// Nesting deeper than this is refused rather than risking the stack.
    public static let maximumDepth = 512

    /// Buffers and shape hints kept between documents, so reading a stream of similar
    /// records allocates less. The default is a fresh reader per call of the static methods.
    var state = JSONParser.State()

    /// How deep values may nest. The default is ``maximumDepth``.
    public var depthLimit = JSONReader.maximumDepth

    /// A reader that keeps its buffers between documents.
    public init() {}

    /// A reader that takes nesting up to `depthLimit` levels: one level more than
    /// ``maximumDepth`` for text that wraps a value another reader accepted.
    public init(depthLimit: Int) {
        self.depthLimit = depthLimit
    }

    /// Parses one complete JSON text; anything but whitespace after the value is an error.
    public mutating func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONError) -> Value {
        var parser = JSONParser(bytes, state: takeState())
        parser.depthLimit = depthLimit
        defer { state = parser.state }
        let value = try parser.parseTopLevel()
        parser.skipWhitespace()
        if parser.i < parser.end {
            throw JSONError(offset: parser.i, message: "unexpected \(parser.describeByte(parser.i)) after the JSON value")
        }
        return value
    }

    /// Parses the value that starts at `offset` (after optional whitespace) and returns it
    /// with the offset just past it. Bytes after the value are left alone, which is what a
    /// streaming reader of arrays or concatenated values needs.
    public mutating func parsePrefix(_ bytes: UnsafeRawBufferPointer, from offset: Int) throws(JSONError) -> (value: Value, end: Int) {
        var parser = JSONParser(bytes, state: takeState())
        defer { state = parser.state }
        parser.depthLimit = depthLimit
        parser.i = offset
        let value = try parser.parseTopLevel()
        return (value, parser.i)
    }

    /// Hands the kept state to a parser, leaving the reader its own reference to none of it:
    /// the parser then updates its caches in place instead of copying them on every write.
    private mutating func takeState() -> JSONParser.State {
        let taken = state
        state = JSONParser.State.placeholder
        return taken
    }

    /// Parses one complete JSON text.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONError) -> Value {
        var reader = JSONReader()
        return try reader.parse(bytes)
    }

    /// Parses one complete JSON text from a byte array.
    public static func parse(_ bytes: [UInt8]) throws(JSONError) -> Value {
        let result: Result<Value, JSONError> = bytes.withUnsafeBytes { buffer in
            do throws(JSONError) { return .success(try parse(buffer)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Parses one complete JSON text from a string.
    public static func parse(_ text: String) throws(JSONError) -> Value {
        try parse(Array(text.utf8))
    }

    /// Parses the value that starts at `offset`; see the instance method.
    public static func parsePrefix(_ bytes: UnsafeRawBufferPointer, from offset: Int) throws(JSONError) -> (value: Value, end: Int) {
        var reader = JSONReader()
        return try reader.parsePrefix(bytes, from: offset)
    }
}

/// The recursive-descent parser behind ``JSONReader``.
struct JSONParser {
    let base: UnsafePointer<UInt8>
    let end: Int
    var i = 0
    var depth = 0
    /// Nesting deeper than this is refused.
    var depthLimit = JSONReader.maximumDepth
    var state: State

    /// What a parser keeps between documents.
    struct State: Sendable {
        var scratch: [UInt8] = []
        var keyPrints: [UInt64] = []
        var sizeHints = [Int](repeating: 0, count: 8)
        /// The keys of the last object seen at each shallow depth, by member position.
        var keys: [CachedKey] = []

        /// What a reader holds while its parser works: shares its (empty) storage, costs nothing.
        static let placeholder = State()
    }

    /// A key as it was last read at one position of an object: records of one stream spell
    /// the same keys in the same order, so the next object's key there is usually these bytes.
    struct CachedKey: Sendable {
        var key = ""
        /// Its fingerprint; 0 while the slot is empty.
        var print: UInt64 = 0
        /// Its length in bytes.
        var length = 0
        /// Its first sixteen bytes, zero-padded: most keys are shorter, and two word
        /// comparisons are cheaper than a call to `memcmp`.
        var head: (UInt64, UInt64) = (0, 0)
    }

    static let cachedDepths = 8, cachedMembers = 32

    init(_ bytes: UnsafeRawBufferPointer, state: State = State()) {
        self.state = state
        // An empty buffer may have a nil base; point at a static byte instead.
        base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? JSONParser.emptyBase
        end = bytes.count
    }

    nonisolated(unsafe) private static let emptyBase: UnsafePointer<UInt8> = {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        p.initialize(to: 0)
        return UnsafePointer(p)
    }()

    func describeByte(_ at: Int) -> String {
        let b = base[at]
        if b >= 0x21 && b < 0x7F { return "character '\(Character(Unicode.Scalar(b)))'" }
        return "byte 0x" + String(b, radix: 16, uppercase: true)
    }

    func endOfInput() -> JSONError {
        JSONError(offset: end, message: "unexpected end of input", isIncomplete: true)
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while i < end {
            let b = base[i]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            i += 1
        }
    }

    mutating func parseTopLevel() throws(JSONError) -> Value {
        skipWhitespace()
        guard i < end else { throw endOfInput() }
        return try parseValue()
    }

    mutating func parseValue() throws(JSONError) -> Value {
        switch base[i] {
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        default: throw JSONError(offset: i, message: "expected a JSON value, found \(describeByte(i))")
        }
    }

    mutating func expectLiteral(_ word: StaticString) throws(JSONError) {
        let start = i
        let p = word.utf8Start
        for k in 0..<word.utf8CodeUnitCount {
            guard i < end else { throw endOfInput() }
            guard base[i] == p[k] else {
                throw JSONError(offset: start, message: "invalid literal; expected '\(word)'")
            }
            i += 1
        }
    }

    mutating func enter() throws(JSONError) {
        depth += 1
        if depth > depthLimit {
            throw JSONError(offset: i, message: "nesting deeper than \(depthLimit) levels")
        }
    }

    mutating func parseObject() throws(JSONError) -> Value {
        try enter()
        i += 1
        // Records in a stream have the same shape, so the last object's size at this depth
        // is a good guess: one allocation instead of a growing array's five.
        let hint = depth < state.sizeHints.count ? state.sizeHints[depth] : 0
        var object = Object(minimumCapacity: hint)
        defer { if depth + 1 < state.sizeHints.count { state.sizeHints[depth + 1] = object.count } }
        skipWhitespace()
        guard i < end else { throw endOfInput() }
        if base[i] == UInt8(ascii: "}") {
            i += 1
            depth -= 1
            return .object(object)
        }
        // Fingerprints of this object's keys, so duplicate keys are found without comparing
        // every pair of strings; they live on a stack shared by all nesting levels.
        let printsBase = state.keyPrints.count
        defer { state.keyPrints.removeSubrange(printsBase...) }
        // Past a few dozen keys, a set: searching the stack for each key took minutes for an
        // object of 40,000 keys, and a push of a million never ended.
        var manyPrints: Set<UInt64>?
        var member = 0
        while true {
            guard i < end else { throw endOfInput() }
            guard base[i] == UInt8(ascii: "\"") else {
                throw JSONError(offset: i, message: "expected a string key, found \(describeByte(i))")
            }
            let keyStart = i + 1
            let key: String
            let print: UInt64
            let slot = depth < Self.cachedDepths && member < Self.cachedMembers ? depth &* Self.cachedMembers &+ member : -1
            if let cached = cachedKey(slot, at: keyStart) {
                key = cached.key
                print = cached.print
                i = keyStart + cached.length + 1
            } else {
                key = try parseString()
                print = fingerprint(keyStart, i - 1)
                if slot >= 0 && print != 0 {
                    let length = i - 1 - keyStart
                    cacheKey(CachedKey(key: key, print: print, length: length, head: head(keyStart, length)), slot)
                }
            }
            member += 1
            let maybeDuplicate: Bool
            if print == 0 {
                maybeDuplicate = true
            } else if manyPrints != nil {
                maybeDuplicate = !manyPrints!.insert(print).inserted
            } else {
                maybeDuplicate = state.keyPrints[printsBase...].contains(print)
                state.keyPrints.append(print)
                if member > 32 { manyPrints = Set(state.keyPrints[printsBase...]) }
            }
            skipWhitespace()
            guard i < end else { throw endOfInput() }
            guard base[i] == UInt8(ascii: ":") else {
                throw JSONError(offset: i, message: "expected ':' after object key, found \(describeByte(i))")
            }
            i += 1
            skipWhitespace()
            guard i < end else { throw endOfInput() }
            let value = try parseValue()
            if maybeDuplicate { object[key] = value } else { object.appendUnchecked(key: key, value: value) }
            skipWhitespace()
            guard i < end else { throw endOfInput() }
            switch base[i] {
            case UInt8(ascii: ","):
                i += 1
                skipWhitespace()
            case UInt8(ascii: "}"):
                i += 1
                depth -= 1
                return .object(object)
            default:
                throw JSONError(offset: i, message: "expected ',' or '}' after object member, found \(describeByte(i))")
            }
        }
    }

    /// The cached key at `slot` if the bytes at `start` spell it and close the string there.
    /// A cached key has no escapes and was checked when first read, so equal bytes followed
    /// by a quote are the same key.
    @inline(__always)
    func cachedKey(_ slot: Int, at start: Int) -> CachedKey? {
        guard slot >= 0 && slot < state.keys.count else { return nil }
        let cached = state.keys[slot]
        let close = start + cached.length
        guard cached.print != 0, close < end, base[close] == UInt8(ascii: "\"") else { return nil }
        if cached.length <= 16 && start &+ 16 <= end {
            // The sixteen bytes from the key's start are in the buffer; the ones past its end
            // are masked off.
            let raw = UnsafeRawPointer(base + start)
            let low = raw.loadUnaligned(as: UInt64.self), high = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            let (lowMask, highMask) = Self.masks(cached.length)
            return (low & lowMask) == cached.head.0 && (high & highMask) == cached.head.1 ? cached : nil
        }
        var key = cached.key
        let same = cached.length == 0 || key.withUTF8 { memcmp($0.baseAddress!, base + start, cached.length) == 0 }
        return same ? cached : nil
    }

    /// Masks keeping the first `length` (at most 16) bytes of two little-endian words.
    @inline(__always)
    static func masks(_ length: Int) -> (UInt64, UInt64) {
        let low: UInt64 = length >= 8 ? ~0 : (1 << (UInt64(length) * 8)) &- 1
        let high: UInt64 = length >= 16 ? ~0 : length <= 8 ? 0 : (1 << (UInt64(length - 8) * 8)) &- 1
        return (low, high)
    }

    /// The first sixteen bytes of `length` bytes at `start`, zero-padded, as two words.
    func head(_ start: Int, _ length: Int) -> (UInt64, UInt64) {
        var words: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(start: base + start, count: min(length, 16))) }
        return words
    }

    mutating func cacheKey(_ key: CachedKey, _ slot: Int) {
        if slot >= state.keys.count {
            state.keys.append(contentsOf: repeatElement(CachedKey(), count: slot + 1 - state.keys.count))
        }
        state.keys[slot] = key
    }

    /// FNV-1a over a key's raw bytes; 0 (never produced otherwise) for keys with escapes,
    /// whose raw bytes may spell the same key differently.
    func fingerprint(_ from: Int, _ to: Int) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for k in from..<to {
            let b = base[k]
            if b == UInt8(ascii: "\\") { return 0 }
            hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3
        }
        return hash == 0 ? 1 : hash
    }

    mutating func parseArray() throws(JSONError) -> Value {
        try enter()
        i += 1
        var array: [Value] = []
        skipWhitespace()
        guard i < end else { throw endOfInput() }
        if base[i] == UInt8(ascii: "]") {
            i += 1
            depth -= 1
            return .array(array)
        }
        while true {
            guard i < end else { throw endOfInput() }
            array.append(try parseValue())
            skipWhitespace()
            guard i < end else { throw endOfInput() }
            switch base[i] {
            case UInt8(ascii: ","):
                i += 1
                skipWhitespace()
            case UInt8(ascii: "]"):
                i += 1
                depth -= 1
                return .array(array)
            default:
                throw JSONError(offset: i, message: "expected ',' or ']' after array element, found \(describeByte(i))")
            }
        }
    }

    mutating func parseNumber() throws(JSONError) -> Value {
        let start = i
        var negative = false
        if base[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
            guard i < end else { throw endOfInput() }
        }
        guard base[i] &- 48 < 10 else {
            throw JSONError(offset: i, message: "expected a digit, found \(describeByte(i))")
        }
        var significand = 0
        var overflow = false
        if base[i] == UInt8(ascii: "0") {
            i += 1
            if i < end, base[i] &- 48 < 10 {
                throw JSONError(offset: start, message: "numbers must not have leading zeros")
            }
        } else {
            while i < end, base[i] &- 48 < 10 {
                let (m, o1) = significand.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int(base[i] &- 48))
                overflow = overflow || o1 || o2
                significand = a
                i += 1
            }
        }
        var exponent = 0
        var isInteger = true
        if i < end, base[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            guard i < end else { throw endOfInput() }
            guard base[i] &- 48 < 10 else {
                throw JSONError(offset: i, message: "expected a digit after the decimal point, found \(describeByte(i))")
            }
            while i < end, base[i] &- 48 < 10 {
                let (m, o1) = significand.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int(base[i] &- 48))
                overflow = overflow || o1 || o2
                significand = a
                exponent -= 1
                i += 1
            }
        }
        if i < end, base[i] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            i += 1
            guard i < end else { throw endOfInput() }
            var expNegative = false
            if base[i] == UInt8(ascii: "-") || base[i] == UInt8(ascii: "+") {
                expNegative = base[i] == UInt8(ascii: "-")
                i += 1
                guard i < end else { throw endOfInput() }
            }
            guard base[i] &- 48 < 10 else {
                throw JSONError(offset: i, message: "expected a digit in the exponent, found \(describeByte(i))")
            }
            var e = 0
            while i < end, base[i] &- 48 < 10 {
                if e < 1_000_000 { e = e * 10 + Int(base[i] &- 48) } else { overflow = true }
                i += 1
            }
            exponent += expNegative ? -e : e
        }
        if !overflow {
            if isInteger { return .integer(negative ? -significand : significand) }
            return .decimal(DecimalNumber(significand: negative ? -significand : significand, exponent: exponent))
        }
        if let exact = exactDecimal(from: start, to: i) { return exact }
        // An integer beyond 64 bits is an identifier far more often than a quantity (a 20-digit
        // account number): its digits are kept, as text, rather than rounded to a double.
        if isInteger {
            let text = String(decoding: UnsafeBufferPointer(start: base + start, count: i - start), as: UTF8.self)
            // -9223372036854775808 overflows the positive accumulator but is an Int.
            return Int(text).map(Value.integer) ?? .string(text)
        }
        return .double(parseDouble(from: start, to: i))
    }

    /// A number too long for the fast path that is still exact in 18 digits once its leading
    /// and trailing zeros are set aside (`1.10000000000000000000`, `100000000000000000000`):
    /// amounts written that way must not turn into floating point.
    func exactDecimal(from start: Int, to stop: Int) -> Value? {
        var digits: [UInt8] = []
        var exponent = 0, k = start, negative = false
        if base[k] == UInt8(ascii: "-") { negative = true; k += 1 }
        var fraction = false
        while k < stop, base[k] | 0x20 != UInt8(ascii: "e") {
            if base[k] == UInt8(ascii: ".") { fraction = true } else {
                if !(digits.isEmpty && base[k] == UInt8(ascii: "0")) { digits.append(base[k] &- 48) }
                if fraction { exponent -= 1 }
            }
            k += 1
        }
        if k < stop {
            // The exponent part; one with more than six digits stays on the slow path.
            k += 1
            let sign = base[k] == UInt8(ascii: "-") ? -1 : 1
            if base[k] == UInt8(ascii: "-") || base[k] == UInt8(ascii: "+") { k += 1 }
            guard stop - k <= 6 else { return nil }
            var e = 0
            while k < stop { e = e * 10 + Int(base[k] &- 48); k += 1 }
            exponent += sign * e
        }
        while digits.last == 0 { digits.removeLast(); exponent += 1 }
        guard digits.count <= 18 else { return nil }
        var significand = 0
        for digit in digits { significand = significand * 10 + Int(digit) }
        return .decimal(DecimalNumber(significand: negative ? -significand : significand, exponent: exponent))
    }

    /// Falls back to the C library for numbers too long for an exact 64-bit significand.
    func parseDouble(from start: Int, to stop: Int) -> Double {
        var text = [CChar](repeating: 0, count: stop - start + 1)
        for k in start..<stop { text[k - start] = CChar(bitPattern: base[k]) }
        return strtod(text, nil)
    }

    mutating func parseString() throws(JSONError) -> String {
        i += 1
        let start = i
        var highBytes: UInt64 = 0   // any byte ≥ 0x80 seen (in bit 7 of some byte)
        var fourByteLeads: UInt64 = 0   // any byte ≥ 0xF0 seen
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        while true {
            // Eight bytes at a time while none is a quote, a backslash or a control byte.
            while i &+ 8 <= end {
                let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                let quote = w ^ (ones &* 0x22), backslash = w ^ (ones &* 0x5C)
                let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((w &- ones &* 0x20) & ~w)
                if special & highs != 0 { break }
                highBytes |= w
                fourByteLeads |= w & (w << 1) & (w << 2) & (w << 3)
                i &+= 8
            }
            guard i < end else {
                try validateUTF8(start, i)  // invalid text is reported as such, not as "more needed"
                throw endOfInput()
            }
            let b = base[i]
            if b == UInt8(ascii: "\"") {
                let bytes = UnsafeBufferPointer(start: base + start, count: i - start)
                let s = String(decoding: bytes, as: UTF8.self)
                // The standard library validates while decoding but repairs instead of failing.
                // A repair changes the length, except for a cut-off four-byte sequence, so check
                // precisely only then — plain CJK text is not scanned twice.
                if (highBytes & highs != 0) && (s.utf8.count != bytes.count || fourByteLeads & highs != 0) {
                    try validateUTF8(start, i)
                }
                i += 1
                return s
            }
            if b == UInt8(ascii: "\\") { return try parseEscapedString(from: start) }
            if b < 0x20 { throw controlCharacter(at: i) }
            highBytes |= UInt64(b)
            if b >= 0xF0 { fourByteLeads |= 0x80 }
            i += 1
        }
    }

    /// Checks `base[from..<to]` as UTF-8, throwing at the first invalid byte; leaves `i` alone.
    mutating func validateUTF8(_ from: Int, _ to: Int) throws(JSONError) {
        let saved = i
        i = from
        while i < to {
            if base[i] < 0x80 { i += 1 } else {
                do throws(JSONError) { try skipMultibyte() } catch {
                    // A sequence cut by the end of the buffer is "more needed", not invalid.
                    if error.isIncomplete && to == end { i = saved; return }
                    throw error
                }
            }
        }
        i = saved
    }

    func controlCharacter(at offset: Int) -> JSONError {
        JSONError(offset: offset, message: "unescaped control character 0x\(String(base[offset], radix: 16, uppercase: true)) in string")
    }

    /// Checks one multi-byte UTF-8 sequence at `i` (RFC 3629: no overlongs, no surrogates,
    /// nothing above U+10FFFF) and steps over it.
    mutating func skipMultibyte() throws(JSONError) {
        let b0 = base[i]
        let length: Int
        var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F
        case 0xF0: length = 4; lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F
        default: throw invalidUTF8(at: i)
        }
        guard i + length <= end else {
            // A sequence cut by the end of the buffer may be completed by more input.
            for k in 1..<(end - i) where base[i + k] & 0xC0 != 0x80 { throw invalidUTF8(at: i + k) }
            throw endOfInput()
        }
        let b1 = base[i + 1]
        guard b1 >= lower && b1 <= upper else { throw invalidUTF8(at: i + 1) }
        for k in 2..<length where base[i + k] & 0xC0 != 0x80 { throw invalidUTF8(at: i + k) }
        i += length
    }

    func invalidUTF8(at offset: Int) -> JSONError {
        JSONError(offset: offset, message: "invalid UTF-8 byte 0x\(String(base[offset], radix: 16, uppercase: true))")
    }

    mutating func parseEscapedString(from start: Int) throws(JSONError) -> String {
        state.scratch.removeAll(keepingCapacity: true)
        state.scratch.append(contentsOf: UnsafeBufferPointer(start: base + start, count: i - start))
        while i < end {
            let b = base[i]
            switch b {
            case UInt8(ascii: "\""):
                i += 1
                return String(decoding: state.scratch, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape()
            case 0..<0x20:
                throw controlCharacter(at: i)
            case 0..<0x80:
                state.scratch.append(b)
                i += 1
            default:
                let from = i
                try skipMultibyte()
                state.scratch.append(contentsOf: UnsafeBufferPointer(start: base + from, count: i - from))
            }
        }
        throw endOfInput()
    }

    mutating func parseEscape() throws(JSONError) {
        let escapeStart = i
        i += 1
        guard i < end else { throw endOfInput() }
        let c = base[i]
        i += 1
        switch c {
        case UInt8(ascii: "\""): state.scratch.append(0x22)
        case UInt8(ascii: "\\"): state.scratch.append(0x5C)
        case UInt8(ascii: "/"): state.scratch.append(0x2F)
        case UInt8(ascii: "b"): state.scratch.append(0x08)
        case UInt8(ascii: "f"): state.scratch.append(0x0C)
        case UInt8(ascii: "n"): state.scratch.append(0x0A)
        case UInt8(ascii: "r"): state.scratch.append(0x0D)
        case UInt8(ascii: "t"): state.scratch.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4()
            if scalar >= 0xD800 && scalar < 0xDC00 {
                let lone = JSONError(offset: escapeStart, message: "lone high surrogate \\u\(hex(scalar)) is not followed by a low surrogate")
                if end - i < 2 {
                    if i == end || base[i] == UInt8(ascii: "\\") { throw endOfInput() }
                    throw lone
                }
                guard base[i] == UInt8(ascii: "\\"), base[i + 1] == UInt8(ascii: "u") else { throw lone }
                i += 2
                let low = try parseHex4()
                guard low >= 0xDC00 && low < 0xE000 else {
                    throw JSONError(offset: escapeStart, message: "high surrogate \\u\(hex(scalar)) is followed by \\u\(hex(low)), not a low surrogate")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if scalar >= 0xDC00 && scalar < 0xE000 {
                throw JSONError(offset: escapeStart, message: "lone low surrogate \\u\(hex(scalar))")
            }
            appendUTF8(scalar)
        default:
            throw JSONError(offset: escapeStart, message: "invalid escape '\\\(Character(Unicode.Scalar(c)))'")
        }
    }

    func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }

    mutating func parseHex4() throws(JSONError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard i < end else { throw endOfInput() }
            let c = base[i]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - 87)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - 55)
            default: throw JSONError(offset: i, message: "expected a hex digit in \\u escape, found \(describeByte(i))")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            state.scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            state.scratch.append(UInt8(0xC0 | (scalar >> 6)))
            state.scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            state.scratch.append(UInt8(0xE0 | (scalar >> 12)))
            state.scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            state.scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            state.scratch.append(UInt8(0xF0 | (scalar >> 18)))
            state.scratch.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            state.scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            state.scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }
}
