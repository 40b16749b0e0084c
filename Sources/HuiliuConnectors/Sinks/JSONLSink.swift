import Foundation
import Glibc
public import HuiliuCore
public import HuiliuKit

/// Appends envelopes to a JSON Lines file, one event per line.
///
/// Every write reports the file's length; after a crash the engine hands back the length
/// committed with the last checkpoint and the file is cut there, so records written after
/// it (and about to be re-read) do not appear twice.
///
/// A file belongs to one pipeline: it is locked while the sink has it open, and what lies
/// after the committed length is cut only if it is this pipeline's own events (its
/// CloudEvents `source`); anything else there stops the run instead of being destroyed.
/// A position saved for another file (the path changed, the file was replaced) is not applied.
public final class JSONLSink: SinkConnector, @unchecked Sendable {
    static let path = Field<String>("path", .path, "File to append to; created with its directory if missing.",
                                    example: "data/out/payments.jsonl")
    static let sync = Field<Bool>("fsync", .boolean, "Flush each batch to disk before acknowledging it.", default: true)

    public static let spec = ComponentSpec(
        name: "jsonl", kind: .sink, summary: "Appends CloudEvents envelopes to a JSON Lines file.",
        fields: [path.spec, sync.spec], shorthandField: "path")

    let path: String
    let durable: Bool
    /// This pipeline's event source, which its lines carry.
    let eventSource: String
    // Owned by the runner's single consumer task; never touched concurrently.
    var descriptor: Int32 = -1
    var length = 0
    var inode = 0
    /// The last batch's mean line length, with room to spare.
    var bytesPerEvent = 512
    let io = BlockingQueue(label: "huiliu.sink.jsonl")

    public init(config: ParsedConfig, context: ConnectorContext) throws {
        path = try config[Self.path]
        durable = try config[Self.sync]
        eventSource = context.eventSource
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    public func open(resumingAt position: Value?) async throws {
        let directory = (path as NSString).deletingLastPathComponent
        try SinkError.makeDirectory(directory, for: path)
        // Events carry personal data: not readable by every user of the machine (the state
        // store is 0600); the owner's group may read, for a log shipper running as another user.
        descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw SinkError("\(path): cannot open: \(String(cString: strerror(errno)))") }
        guard FileLock.lock(descriptor) else {
            Glibc.close(descriptor)
            descriptor = -1
            throw SinkError("\(path): another sink is writing this file (another pipeline's, or another jsonl sink of this one, perhaps under another spelling of the path); a jsonl file belongs to one sink")
        }
        var info = stat()
        fstat(descriptor, &info)
        length = Int(info.st_size)
        inode = Int(info.st_ino)
        if let committed = position?["length"]?.intValue, committed > length, length > 0, Self.sameFile(position, path: path, inode: inode) {
            // Cut short outside Huiliu (truncate, a shell redirect): events it delivered are gone
            // from it, and appending would hide that. Emptied (logrotate's copytruncate), it starts again.
            Glibc.close(descriptor)
            descriptor = -1
            throw SinkError("""
                \(path): the file is \(length) bytes, but this pipeline had delivered \(committed): it was cut short (by hand, \
                or by a crash of the machine with fsync: false), and the events after byte \(length) are gone from it; nothing \
                was written. Restore it, or move it aside (the next run starts a new file there)
                """)
        }
        if let committed = position?["length"]?.intValue, committed < length, Self.sameFile(position, path: path, inode: inode) {
            do {
                try checkTail(from: committed)
            } catch {
                Glibc.close(descriptor)
                descriptor = -1
                throw error
            }
            guard ftruncate(descriptor, off_t(committed)) == 0 else {
                throw SinkError("\(path): cannot cut back to the committed length \(committed): \(String(cString: strerror(errno)))")
            }
            length = committed
        }
        lseek(descriptor, off_t(length), SEEK_SET)
    }

    /// Whether a saved position is this file's: the same path and, when it says, the same inode.
    static func sameFile(_ position: Value?, path: String, inode: Int) -> Bool {
        if let saved = position?["path"]?.stringValue, saved != path { return false }
        if let saved = position?["inode"]?.intValue, saved != inode { return false }
        return true
    }

    /// Refuses to cut what another writer appended after `committed`: the first and last
    /// complete lines there must be this pipeline's events, and a last line without a line
    /// feed (a write cut short when a run was killed) must begin as one of its events would.
    private func checkTail(from committed: Int) throws {
        func read(_ offset: Int, _ count: Int) -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: count)
            let n = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(offset)) }
            return Array(bytes.prefix(max(0, n)))
        }
        func foreign(_ source: String?) -> SinkError {
            SinkError("""
                \(path): \(length - committed) bytes after this pipeline's committed length \(committed) were not written by \
                it (\(source.map { "events of \($0)" } ?? "a line that is not its event")); nothing was cut. A jsonl file \
                belongs to one pipeline: give this sink a path of its own. If they are this pipeline's own, written before \
                its event_source was changed by a run that did not finish, cut them yourself: truncate -s \(committed) '\(path.replacingOccurrences(of: "'", with: "'\\''"))'
                """)
        }
        let window = min(length - committed, 1 << 20)
        let head = read(committed, window), tail = read(length - window, window)
        var end = length
        if tail.last != 0x0A {
            let fragment: [UInt8]? = if let newline = tail.lastIndex(of: 0x0A) {
                Array(tail[(newline + 1)...])
            } else {
                window == length - committed ? tail : nil
            }
            guard let fragment, isTornEvent(fragment) else { throw foreign(nil) }
            end = length - fragment.count
        }
        guard end > committed else { return }
        var last = Array(tail.prefix(end - (length - window)))
        if last.last == 0x0A { last.removeLast() }
        if let newline = last.lastIndex(of: 0x0A) { last.removeSubrange(...newline) }
        for sample in [Array(head.prefix { $0 != 0x0A }), last] {
            let source = (try? JSONReader.parse(sample))?["source"]?.stringValue
            guard source == eventSource else { throw foreign(source) }
        }
    }

    /// Whether `fragment`, a last line without its line feed, is the start of an event of this
    /// pipeline as ``write(_:)`` writes one: `{"specversion":…,"id":…,"source":"<its source>"…`.
    private func isTornEvent(_ fragment: [UInt8]) -> Bool {
        let opening = Array(#"{"specversion":""#.utf8)
        guard fragment.count < opening.count ? opening.starts(with: fragment) : fragment.starts(with: opening) else { return false }
        guard let marker = fragment.firstRange(of: Array(#","source":"#.utf8)) else { return true }
        var quoted = JSONWriter()
        quoted.write(string: eventSource)
        let source = quoted.withBytes { Array($0) }
        let rest = fragment[marker.upperBound...]
        return rest.count < source.count ? source.starts(with: rest) : rest.starts(with: source)
    }

    public func position() async -> Value? {
        ["length": .integer(length), "path": .string(path), "inode": .integer(inode)]
    }

    public func write(_ envelopes: [Envelope]) async throws -> Value? {
        // Sized from the last batch, so the buffer is not copied as it grows.
        var writer = JSONWriter(capacity: envelopes.count * bytesPerEvent)
        writer.writeLines(envelopes)
        // Writing and fsync block; they run off the cooperative pool so mapping goes on meanwhile.
        let output = writer, descriptor = descriptor, path = path, durable = durable
        try await io.run {
            try output.withBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw SinkError("\(path): write failed: \(String(cString: strerror(errno)))")
                    }
                    offset += n
                }
            }
            if durable, fdatasync(descriptor) != 0 {
                throw SinkError("\(path): fsync failed: \(String(cString: strerror(errno)))")
            }
        }
        length += writer.count
        // Bounded: one huge event must not make the next batch reserve gigabytes up front.
        if !envelopes.isEmpty { bytesPerEvent = min(max(writer.count / envelopes.count + 64, 128), 16_384) }
        return await position()
    }

    public func close() async throws {
        if descriptor >= 0 {
            Glibc.close(descriptor)
            descriptor = -1
        }
    }
}

/// A sink that could not write.
public struct SinkError: Error, Sendable, CustomStringConvertible {
    /// What failed.
    public var message: String

    init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

extension SinkError {
    /// Creates the folder a sink's file goes in; a failure names the file and says why (a
    /// file where the folder should be, rather than a raw Cocoa error).
    static func makeDirectory(_ directory: String, for path: String) throws {
        guard !directory.isEmpty else { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            // The folder, or one above it, may be a file.
            var ancestor = directory
            while !ancestor.isEmpty, ancestor != "/" {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: ancestor, isDirectory: &isDirectory) {
                    if !isDirectory.boolValue {
                        let which = ancestor == directory ? "it is" : "\(ancestor) is"
                        throw SinkError("\(path): cannot create the directory \(directory): \(which) a file, not a directory")
                    }
                    break
                }
                ancestor = (ancestor as NSString).deletingLastPathComponent
            }
            throw SinkError("\(path): cannot create the directory \(directory): \(error.localizedDescription)")
        }
    }
}
