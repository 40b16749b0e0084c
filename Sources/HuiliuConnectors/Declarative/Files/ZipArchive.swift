import CZlib

/// Reads members of a ZIP archive (an XLSX workbook) from memory: the central directory,
/// then stored or deflated members inflated with zlib, whole or as a stream. No ZIP64, no encryption — neither
/// occurs in spreadsheets.
struct ZipArchive {
    struct Entry {
        var name: String
        var method: UInt16
        var compressedSize: Int
        var size: Int
        var localHeader: Int
        /// The CRC-32 of the uncompressed bytes.
        var crc: UInt32
    }

    let bytes: [UInt8]
    let entries: [String: Entry]

    init(_ bytes: [UInt8]) throws {
        self.bytes = bytes
        guard bytes.count >= 22 else { throw ZipError("too short to be a ZIP archive") }
        // The end-of-central-directory record is within the last 64 KiB + 22 bytes.
        var eocd = -1
        var i = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65_535)
        while i >= lowest {
            if bytes[i] == 0x50 && bytes[i + 1] == 0x4B && bytes[i + 2] == 0x05 && bytes[i + 3] == 0x06 {
                eocd = i
                break
            }
            i -= 1
        }
        guard eocd >= 0 else { throw ZipError("no end of central directory: not a ZIP archive (or a ZIP64 one)") }
        let count = Int(Self.u16(bytes, eocd + 10))
        var offset = Int(Self.u32(bytes, eocd + 16))
        var entries: [String: Entry] = [:]
        for _ in 0..<count {
            guard offset + 46 <= bytes.count, Self.u32(bytes, offset) == 0x0201_4B50 else { throw ZipError("corrupt central directory") }
            let method = Self.u16(bytes, offset + 10)
            let compressed = Int(Self.u32(bytes, offset + 20))
            let size = Int(Self.u32(bytes, offset + 24))
            let nameLength = Int(Self.u16(bytes, offset + 28))
            let extraLength = Int(Self.u16(bytes, offset + 30))
            let commentLength = Int(Self.u16(bytes, offset + 32))
            let local = Int(Self.u32(bytes, offset + 42))
            let crc = Self.u32(bytes, offset + 16)
            guard offset + 46 + nameLength <= bytes.count else { throw ZipError("corrupt central directory") }
            let name = String(decoding: bytes[(offset + 46)..<(offset + 46 + nameLength)], as: UTF8.self)
            entries[name] = Entry(name: name, method: method, compressedSize: compressed, size: size, localHeader: local, crc: crc)
            offset += 46 + nameLength + extraLength + commentLength
        }
        self.entries = entries
    }

    /// The uncompressed bytes of member `name`, or `nil` if there is none; refused when the
    /// archive says it holds more than `maximumSize`. Read through a ``MemberStream``, so its
    /// size, ratio and CRC-32 are checked as a streamed member's are.
    func data(_ name: String, maximumSize: Int = maximumMemberSize) throws -> [UInt8]? {
        guard let entry = entries[name] else { return nil }
        guard entry.size <= maximumSize else {
            throw ZipError("\(name) holds \(entry.size) bytes, more than the \(maximumSize >> 20) MiB such a part may: a damaged file")
        }
        guard let stream = try stream(name) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(entry.size)
        try Self.drain(stream, name) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Inflates member `name` to its end without keeping it, to check it against its CRC-32
    /// before any of it is used: a sheet damaged in its middle would otherwise deliver the
    /// rows before the damage, and wrong values among them, before the check at its end.
    func verify(_ name: String) throws {
        guard let stream = try stream(name) else { return }
        try Self.drain(stream, name) { _ in }
    }

    /// Reads `stream` to its end, where its CRC-32 is checked, handing `body` each piece.
    private static func drain(_ stream: MemberStream, _ name: String, _ body: (UnsafeRawBufferPointer) -> Void) throws {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = stream.read(into: buffer, count: 1 << 16)
            if n == 0 { return }
            if n < 0 { throw stream.failure ?? ZipError("\(name) is corrupt") }
            body(UnsafeRawBufferPointer(start: buffer, count: n))
        }
    }

    /// Member `name` read as it inflates, or `nil` if there is none: a sheet of a million rows
    /// is hundreds of megabytes of XML, never held whole. A member whose contents are kept
    /// (shared strings) gives the most it may hold, `maximumSize`.
    func stream(_ name: String, maximumSize: Int? = nil) throws -> MemberStream? {
        guard let entry = entries[name] else { return nil }
        if let maximumSize, entry.size > maximumSize {
            throw ZipError("\(name) holds \(entry.size) bytes, more than the \(maximumSize >> 20) MiB it is read into memory with: save the sheet as CSV")
        }
        guard entry.method == 0 || entry.method == 8 else {
            throw ZipError("\(name) uses compression method \(entry.method); only stored and deflate are supported")
        }
        guard entry.size <= max(entry.compressedSize, 1) * Self.maximumRatio else {
            throw ZipError("\(name) says it holds \(entry.size) bytes in \(entry.compressedSize): more than a workbook part can (a zip bomb?)")
        }
        return try MemberStream(try compressedBytes(of: entry), entry: entry)
    }

    private func compressedBytes(of entry: Entry) throws -> ArraySlice<UInt8> {
        let header = entry.localHeader
        guard header + 30 <= bytes.count, Self.u32(bytes, header) == 0x0403_4B50 else { throw ZipError("corrupt local header of \(entry.name)") }
        let start = header + 30 + Int(Self.u16(bytes, header + 26)) + Int(Self.u16(bytes, header + 28))
        guard start + entry.compressedSize <= bytes.count else { throw ZipError("\(entry.name) runs past the end of the archive") }
        return bytes[start..<(start + entry.compressedSize)]
    }

    /// One member's bytes, inflated a buffer at a time. No more than the directory declares
    /// comes out: a member that inflates past it is corrupt, or a zip bomb's.
    final class MemberStream {
        private let input: ArraySlice<UInt8>
        /// zlib keeps a pointer back to its stream and checks it on every call: a fixed address,
        /// not a stored property whose address Swift does not promise.
        private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        private let entry: Entry
        private var consumed = 0
        private var finished = false
        /// The CRC-32 of the bytes given out, checked against the directory's at the end.
        private var crc = CZlib.crc32(0, nil, 0)
        /// Why the last read failed, for the reader that asked.
        private(set) var failure: ZipError?

        init(_ compressed: ArraySlice<UInt8>, entry: Entry) throws {
            input = compressed
            self.entry = entry
            stream.initialize(to: z_stream())
            if entry.method == 8 {
                // Thrown with every property set, deinit still runs and frees the stream.
                guard czlib_inflate_init_raw(stream) == Z_OK else { throw ZipError("zlib could not start inflating \(entry.name)") }
            }
        }

        deinit {
            if entry.method == 8 { inflateEnd(stream) }
            stream.deallocate()
        }

        /// Fills up to `count` bytes at `buffer`; 0 at the end, -1 on corrupt data (see `failure`).
        func read(into buffer: UnsafeMutableRawPointer, count: Int) -> Int {
            let n = inflated(into: buffer, count: count)
            guard n >= 0 else { return -1 }
            crc = CZlib.crc32(crc, buffer.assumingMemoryBound(to: Bytef.self), uInt(n))
            if finished && UInt32(truncatingIfNeeded: crc) != entry.crc {
                failure = ZipError("\(entry.name) is corrupt: its bytes do not match the archive's CRC-32")
                return -1
            }
            return n
        }

        private func inflated(into buffer: UnsafeMutableRawPointer, count: Int) -> Int {
            guard failure == nil else { return -1 }
            guard !finished, count > 0 else { return 0 }
            guard !input.isEmpty else {
                finished = entry.method == 0
                if !finished { failure = ZipError("\(entry.name) is cut short") }
                return finished ? 0 : -1
            }
            if entry.method == 0 {
                let n = min(count, input.count - consumed)
                if n > 0 { input.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress! + consumed, byteCount: n) } }
                consumed += n
                finished = consumed == input.count
                return n
            }
            while true {
                let before = consumed
                let (status, produced) = input.withUnsafeBufferPointer { source in
                    // zlib only reads its input; the pointer type is its C API's.
                    stream.pointee.next_in = UnsafeMutablePointer(mutating: source.baseAddress! + consumed)
                    stream.pointee.avail_in = uInt(source.count - consumed)
                    stream.pointee.next_out = buffer.assumingMemoryBound(to: Bytef.self)
                    stream.pointee.avail_out = uInt(count)
                    let status = CZlib.inflate(stream, Z_NO_FLUSH)
                    consumed = source.count - Int(stream.pointee.avail_in)
                    return (status, count - Int(stream.pointee.avail_out))
                }
                guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                    failure = ZipError("\(entry.name) is corrupt (zlib status \(status))")
                    return -1
                }
                if Int(stream.pointee.total_out) > entry.size {
                    failure = ZipError("\(entry.name) inflates past the \(entry.size) bytes its directory says (corrupt, or a zip bomb?)")
                    return -1
                }
                finished = status == Z_STREAM_END
                if produced > 0 || finished { return produced }
                // Nothing out and nothing more taken in: the data ends before the stream does.
                guard consumed > before else {
                    failure = ZipError("\(entry.name) is cut short")
                    return -1
                }
            }
        }
    }

    /// The largest member read whole, and the largest shared string table (it is held while its
    /// sheet is read); the workbook, its relationships and styles have their own smaller limit.
    static let maximumMemberSize = 1 << 30
    /// Deflate does not shrink text more than about 1000 to 1; a declared size beyond that is
    /// a zip bomb's, and is refused before anything is allocated for it.
    static let maximumRatio = 1_032

    private static func u16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    private static func u32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
}

/// A ZIP archive that cannot be read.
struct ZipError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
