import CZlib
import Glibc

/// A sliding window over a byte stream: parsers look at `bytes[start..<end]`, consume by
/// moving `start`, and call `fill()` when a record runs past the end. The buffer grows
/// only if a single record is larger than it.
final class ByteWindow {
    let input: any ByteInput
    private(set) var storage: UnsafeMutableRawBufferPointer
    /// First unconsumed byte.
    var start = 0
    /// One past the last valid byte.
    private(set) var end = 0
    /// Stream offset of `storage[0]`.
    private(set) var base: Int
    /// True once the input is exhausted.
    private(set) var isAtEnd = false
    /// The most unconsumed bytes a fill may leave held (one record being parsed), and the file
    /// named when a record runs past it.
    var maximumHeld = Int.max
    var display = ""
    /// Whether the bytes are a GBK file's, turned into UTF-8: offsets count in that text.
    var isTranscoded = false

    /// Where `offset` is, for a message: in a GBK file, in its UTF-8 text, not the file.
    func place(_ offset: Int) -> String {
        isTranscoded ? "byte \(offset) of its UTF-8 text" : "byte \(offset)"
    }
    /// CRC-32 of the consumed bytes from where it started up to `crcThrough`, if known.
    private var crc: UInt?
    private var crcThrough: Int

    /// A window from `offset` on; `crc` is that of the bytes before `crcThrough` (at or after
    /// `offset`), from where the caller counts, `nil` when unknown.
    init(input: any ByteInput, startingAt offset: Int, capacity: Int = 1 << 20, crc: UInt32? = 0, crcThrough: Int? = nil) {
        self.input = input
        self.base = offset
        self.crc = crc.map(UInt.init)
        self.crcThrough = crcThrough ?? offset
        storage = .allocate(byteCount: capacity, alignment: 16)
    }

    /// The CRC-32 of the consumed bytes up to ``position``, from where it was started; `nil`
    /// when the window began at an offset whose bytes before it were not counted.
    func consumedCRC() -> UInt32? {
        absorbConsumed()
        return crc.map { UInt32(truncatingIfNeeded: $0) }
    }

    /// Adds the bytes consumed since the last call to the CRC, before a fill drops them.
    private func absorbConsumed() {
        guard let current = crc, position > crcThrough else { return }
        let from = storage.baseAddress! + (crcThrough - base)
        crc = CZlib.crc32(current, from.assumingMemoryBound(to: UInt8.self), UInt32(position - crcThrough))
        crcThrough = position
    }

    deinit {
        storage.deallocate()
    }

    /// The stream offset of the next unconsumed byte.
    var position: Int { base + start }

    /// The free space a read is given at least (a quarter of a smaller buffer), growing the buffer for it.
    static let minimumRead = 64 << 10

    /// How many consumed bytes the window keeps before ``start``.
    static let recentBytes = 256

    /// Up to ``recentBytes`` bytes just before ``position``: fewer only at the start of the
    /// stream, or of the window when it began at an offset.
    var recent: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: storage[(start - min(start, Self.recentBytes))..<start])
    }

    /// The unconsumed bytes.
    var available: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: storage[start..<end])
    }

    /// Reads more input after moving unconsumed bytes to the front. Returns false at the end.
    @discardableResult
    func fill() throws(FileReadError) -> Bool {
        guard !isAtEnd else { return false }
        // A record past the limit (an unclosed quote, a value of gigabytes) is not held further.
        guard end - start < maximumHeld else {
            throw FileReadError(path: display, message: "\(place(position)): a record or value runs past \(maximumHeld) bytes, the most held at once (max_record_bytes): an unclosed quote, or a value too large to take")
        }
        absorbConsumed()
        // Keep the last consumed bytes too: a checkpoint fingerprints them (``recent``).
        let kept = min(start, Self.recentBytes)
        if start > kept {
            let remaining = end - start + kept
            if remaining > 0 { storage.baseAddress!.copyMemory(from: storage.baseAddress! + start - kept, byteCount: remaining) }
            base += start - kept
            end = remaining
            start = kept
        }
        // Room for a real read: with a byte or two left, a transcoding input cannot put even one
        // decoded character there (a record of Chinese text past 1 MiB failed every run).
        if storage.count - end < min(Self.minimumRead, storage.count / 4) {
            let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: storage.count * 2, alignment: 16)
            larger.baseAddress!.copyMemory(from: storage.baseAddress!, byteCount: end)
            storage.deallocate()
            storage = larger
        }
        // No more than the limit leaves room for (a few bytes at least, for one decoded character):
        // a read of the whole buffer took a record of twice the limit whole.
        let room = maximumHeld == .max ? storage.count - end : min(storage.count - end, max(16, maximumHeld - (end - start)))
        let n = try input.read(into: UnsafeMutableRawBufferPointer(rebasing: storage[end..<(end + room)]))
        if n == 0 {
            isAtEnd = true
            return false
        }
        end += n
        return true
    }

    /// Index (in storage) of the next `byte` at or after `from`, if loaded.
    func index(of byte: UInt8, from: Int) -> Int? {
        guard from < end else { return nil }
        guard let p = memchr(storage.baseAddress! + from, Int32(byte), end - from) else { return nil }
        return UnsafeRawPointer(p) - UnsafeRawPointer(storage.baseAddress!)
    }

    /// The bytes `storage[from..<to]`.
    func slice(_ from: Int, _ to: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: storage[from..<to])
    }

    /// Counts line feeds in `storage[from..<to]`.
    func countNewlines(_ from: Int, _ to: Int) -> Int {
        var count = 0
        var i = from
        while i < to, let next = memchr(storage.baseAddress! + i, 0x0A, to - i) {
            count += 1
            i = (UnsafeRawPointer(next) - UnsafeRawPointer(storage.baseAddress!)) + 1
        }
        return count
    }
}
