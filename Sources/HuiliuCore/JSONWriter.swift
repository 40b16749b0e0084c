/// Writes ``Value``s as JSON text into a growing byte buffer.
///
/// Non-ASCII text is written as UTF-8, not `\u` escapes, so Chinese text stays readable
/// and compact. Non-finite doubles, which JSON cannot express, are written as `null`.
///
/// The bytes live in a buffer of the writer's own rather than an array: an array checks that
/// it is uniquely referenced on every append, and a record is a hundred small appends. A copy
/// of a writer shares the buffer until either writes (copy on write, checked once per call).
/// Sendable as a value: the pointer is into storage that a writer writes only when it holds
/// the sole reference.
public struct JSONWriter: @unchecked Sendable {
    private var storage: OutputStorage
    /// `storage.base`, kept here so appends need not reach into the class.
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// The number of bytes written so far.
    public private(set) var count = 0
    /// Indent nested values by two spaces per level and put members on their own lines.
    public var pretty: Bool

    /// A writer with an empty buffer.
    public init(pretty: Bool = false, capacity: Int = 256) {
        storage = OutputStorage(capacity: capacity)
        base = storage.base
        self.capacity = storage.capacity
        self.pretty = pretty
    }

    /// The bytes written so far (a copy).
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// Calls `body` with the bytes written so far, in place.
    public func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try withExtendedLifetime(storage) { try body(UnsafeRawBufferPointer(start: base, count: count)) }
    }

    /// Forgets the bytes written, keeping the buffer's capacity.
    public mutating func removeAll() {
        unique()
        count = 0
    }

    /// Appends one value.
    public mutating func write(_ value: Value) {
        unique()
        write(value, level: 0)
    }

    /// Appends raw bytes, for framing (newlines, commas) around values.
    public mutating func append(_ byte: UInt8) {
        unique()
        appendByte(byte)
    }

    /// Gives this writer storage of its own before it writes, if a copy shares it.
    @inline(__always)
    mutating func unique() {
        if !isKnownUniquelyReferenced(&storage) { replaceStorage(capacity: capacity) }
    }

    private mutating func replaceStorage(capacity newCapacity: Int) {
        let new = OutputStorage(capacity: newCapacity)
        new.base.update(from: base, count: count)
        storage = new
        base = new.base
        capacity = new.capacity
    }

    @inline(__always)
    mutating func appendByte(_ byte: UInt8) {
        if count == capacity { grow(to: count &+ 1) }
        base[count] = byte
        count &+= 1
    }

    @inline(__always)
    mutating func appendBytes(_ bytes: UnsafeBufferPointer<UInt8>) {
        let n = bytes.count
        guard n > 0 else { return }
        if count &+ n > capacity { grow(to: count &+ n) }
        (base + count).update(from: bytes.baseAddress.unsafelyUnwrapped, count: n)
        count &+= n
    }

    @inline(never)
    private mutating func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        replaceStorage(capacity: newCapacity)
    }

    /// Appends a string as a quoted, escaped JSON string.
    public mutating func write(string: String) {
        unique()
        writeString(string)
    }

    mutating func writeString(_ string: String) {
        // Native strings lend their bytes without a copy; bridged ones are copied once.
        if string.utf8.withContiguousStorageIfAvailable({ writeEscaped($0) }) == nil {
            var s = string
            s.withUTF8 { utf8 in writeEscaped(utf8) }
        }
    }

    mutating func write(_ value: Value, level: Int) {
        switch value {
        case .null: appendASCII("null")
        case .bool(let b): appendASCII(b ? "true" : "false")
        case .integer(let n): writeInteger(n)
        case .decimal(let d): appendText(d.description)
        case .double(let d):
            if d.isFinite { appendText(d.description) } else { appendASCII("null") }
        case .string(let s): writeString(s)
        case .array(let items):
            appendByte(UInt8(ascii: "["))
            if items.isEmpty { appendByte(UInt8(ascii: "]")); return }
            for (k, item) in items.enumerated() {
                if k > 0 { appendByte(UInt8(ascii: ",")) }
                newline(level + 1)
                write(item, level: level + 1)
            }
            newline(level)
            appendByte(UInt8(ascii: "]"))
        case .object(let object):
            appendByte(UInt8(ascii: "{"))
            if object.isEmpty { appendByte(UInt8(ascii: "}")); return }
            // Borrow the members in place: iterating copies each key and value (and retains them).
            object.members.withUnsafeBufferPointer { members in
                for k in members.indices {
                    if k > 0 { appendByte(UInt8(ascii: ",")) }
                    newline(level + 1)
                    writeString(members[k].key)
                    appendByte(UInt8(ascii: ":"))
                    if pretty { appendByte(UInt8(ascii: " ")) }
                    write(members[k].value, level: level + 1)
                }
            }
            newline(level)
            appendByte(UInt8(ascii: "}"))
        }
    }

    @inline(__always)
    mutating func newline(_ level: Int) {
        guard pretty else { return }
        appendByte(0x0A)
        for _ in 0..<(level * 2) { appendByte(0x20) }
    }

    private mutating func appendASCII(_ s: StaticString) {
        appendBytes( UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    private mutating func appendText(_ s: String) {
        var s = s
        s.withUTF8 { appendBytes( $0) }
    }

    private mutating func writeInteger(_ n: Int) {
        if n >= 0 && n < 10 {
            appendByte(UInt8(n) + 48)
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch on the stack
        withUnsafeMutableBytes(of: &digits) { scratch in
            var m = n.magnitude
            var k = scratch.count
            repeat {
                k -= 1
                scratch[k] = UInt8(m % 10) + 48
                m /= 10
            } while m > 0
            if n < 0 { k -= 1; scratch[k] = UInt8(ascii: "-") }
            appendBytes( UnsafeBufferPointer(rebasing: scratch.bindMemory(to: UInt8.self)[k...]))
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func writeEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        appendByte(UInt8(ascii: "\""))
        guard let base = utf8.baseAddress else { appendByte(UInt8(ascii: "\"")); return }
        let n = utf8.count
        var runStart = 0
        var k = 0
        // Most text needs no escaping: check eight bytes at a time for '"', '\\' or a control
        // byte, and copy each clean run in one piece.
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        while k < n {
            while k &+ 8 <= n {
                let w = UnsafeRawPointer(base + k).loadUnaligned(as: UInt64.self)
                let quote = w ^ (ones &* 0x22), backslash = w ^ (ones &* 0x5C)
                let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((w &- ones &* 0x20) & ~w)
                if special & highs != 0 { break }
                k &+= 8
            }
            // Up to eight bytes one at a time: the special byte the word check found, or the tail.
            let stop = min(n, k &+ 8)
            while k < stop {
                let b = base[k]
                k &+= 1
                guard b < 0x20 || b == 0x22 || b == 0x5C else { continue }
                if k &- 1 > runStart { appendBytes( UnsafeBufferPointer(start: base + runStart, count: k &- 1 &- runStart)) }
                runStart = k
                appendEscape(b)
            }
        }
        if n > runStart { appendBytes( UnsafeBufferPointer(start: base + runStart, count: n &- runStart)) }
        appendByte(UInt8(ascii: "\""))
    }

    private mutating func appendEscape(_ b: UInt8) {
        appendByte(UInt8(ascii: "\\"))
        switch b {
        case 0x22: appendByte(0x22)
        case 0x5C: appendByte(0x5C)
        case 0x0A: appendByte(UInt8(ascii: "n"))
        case 0x0D: appendByte(UInt8(ascii: "r"))
        case 0x09: appendByte(UInt8(ascii: "t"))
        case 0x08: appendByte(UInt8(ascii: "b"))
        case 0x0C: appendByte(UInt8(ascii: "f"))
        default:
            appendByte(UInt8(ascii: "u")); appendByte(0x30); appendByte(0x30)
            appendByte(Self.hexDigits[Int(b >> 4)]); appendByte(Self.hexDigits[Int(b & 0xF)])
        }
    }
}

extension Value {
    /// The value as compact JSON text.
    public var jsonText: String {
        // Keys are often integers: their text needs no writer (and no buffer allocated).
        if case .integer(let n) = self { return String(n) }
        var writer = JSONWriter()
        writer.write(self)
        return writer.withBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// The value as indented JSON text, for people to read.
    public var prettyJSONText: String {
        var writer = JSONWriter(pretty: true)
        writer.write(self)
        return writer.withBytes { String(decoding: $0, as: UTF8.self) }
    }
}

extension Value: CustomStringConvertible {
    public var description: String { jsonText }
}

/// The memory behind a writer's bytes, freed with the last writer that holds it. Its fields
/// are constants: the writer keeps the count, so appending touches no class property (each
/// access to a mutable one would be checked for exclusivity at run time).
final class OutputStorage: @unchecked Sendable {
    // Sendable because a writer only writes into storage it holds the sole reference to.
    let base: UnsafeMutablePointer<UInt8>
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }
}
