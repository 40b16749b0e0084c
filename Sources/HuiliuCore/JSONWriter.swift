/// Writes ``Value``s as JSON text into a growing byte buffer.
///
/// Non-ASCII text is written as UTF-8, not `\u` escapes, so Chinese text stays readable
/// and compact. Non-finite doubles, which JSON cannot express, are written as `null`.
public struct JSONWriter: Sendable {
    /// The bytes written so far.
    public var bytes: [UInt8]
    /// Indent nested values by two spaces per level and put members on their own lines.
    public var pretty: Bool

    /// A writer with an empty buffer.
    public init(pretty: Bool = false, capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
        self.pretty = pretty
    }

    /// Appends one value.
    public mutating func write(_ value: Value) {
        write(value, level: 0)
    }

    /// Appends raw bytes, for framing (newlines, commas) around values.
    public mutating func append(_ byte: UInt8) {
        bytes.append(byte)
    }

    /// Appends a string as a quoted, escaped JSON string.
    public mutating func write(string: String) {
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
        case .string(let s): write(string: s)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            if items.isEmpty { bytes.append(UInt8(ascii: "]")); return }
            for (k, item) in items.enumerated() {
                if k > 0 { bytes.append(UInt8(ascii: ",")) }
                newline(level + 1)
                write(item, level: level + 1)
            }
            newline(level)
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            if object.isEmpty { bytes.append(UInt8(ascii: "}")); return }
            // Borrow the members in place: iterating copies each key and value (and retains them).
            object.members.withUnsafeBufferPointer { members in
                for k in members.indices {
                    if k > 0 { bytes.append(UInt8(ascii: ",")) }
                    newline(level + 1)
                    write(string: members[k].key)
                    bytes.append(UInt8(ascii: ":"))
                    if pretty { bytes.append(UInt8(ascii: " ")) }
                    write(members[k].value, level: level + 1)
                }
            }
            newline(level)
            bytes.append(UInt8(ascii: "}"))
        }
    }

    @inline(__always)
    mutating func newline(_ level: Int) {
        guard pretty else { return }
        bytes.append(0x0A)
        for _ in 0..<(level * 2) { bytes.append(0x20) }
    }

    private mutating func appendASCII(_ s: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    private mutating func appendText(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
    }

    private mutating func writeInteger(_ n: Int) {
        if n >= 0 && n < 10 {
            bytes.append(UInt8(n) + 48)
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
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[k...]))
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func writeEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        guard let base = utf8.baseAddress else { bytes.append(UInt8(ascii: "\"")); return }
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
                if k &- 1 > runStart { bytes.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: k &- 1 &- runStart)) }
                runStart = k
                appendEscape(b)
            }
        }
        if n > runStart { bytes.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: n &- runStart)) }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscape(_ b: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch b {
        case 0x22: bytes.append(0x22)
        case 0x5C: bytes.append(0x5C)
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        default:
            bytes.append(UInt8(ascii: "u")); bytes.append(0x30); bytes.append(0x30)
            bytes.append(Self.hexDigits[Int(b >> 4)]); bytes.append(Self.hexDigits[Int(b & 0xF)])
        }
    }
}

extension Value {
    /// The value as compact JSON text.
    public var jsonText: String {
        var writer = JSONWriter()
        writer.write(self)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// The value as indented JSON text, for people to read.
    public var prettyJSONText: String {
        var writer = JSONWriter(pretty: true)
        writer.write(self)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

extension Value: CustomStringConvertible {
    public var description: String { jsonText }
}
