import Foundation
import Glibc
public import HuiliuCore
public import HuiliuKit

/// Appends envelopes to a JSON Lines file, one event per line.
///
/// Every write reports the file's length; after a crash the engine hands back the length
/// committed with the last checkpoint and the file is cut there, so records written after
/// it (and about to be re-read) do not appear twice.
public final class JSONLSink: SinkConnector, @unchecked Sendable {
    static let path = Field<String>("path", .path, "File to append to; created with its directory if missing.",
                                    example: "data/out/payments.jsonl")
    static let sync = Field<Bool>("fsync", .boolean, "Flush each batch to disk before acknowledging it.", default: true)

    public static let spec = ComponentSpec(
        name: "jsonl", kind: .sink, summary: "Appends CloudEvents envelopes to a JSON Lines file.",
        fields: [path.spec, sync.spec], shorthandField: "path")

    let path: String
    let durable: Bool
    // Owned by the runner's single consumer task; never touched concurrently.
    var descriptor: Int32 = -1
    var length = 0
    let io = BlockingQueue(label: "huiliu.sink.jsonl")

    public init(config: ParsedConfig, context: ConnectorContext) throws {
        path = try config[Self.path]
        durable = try config[Self.sync]
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    public func open(resumingAt position: Value?) async throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw SinkError("\(path): cannot open: \(String(cString: strerror(errno)))") }
        var info = stat()
        fstat(descriptor, &info)
        length = Int(info.st_size)
        if let committed = position?["length"]?.intValue, committed < length {
            guard ftruncate(descriptor, off_t(committed)) == 0 else {
                throw SinkError("\(path): cannot cut back to the committed length \(committed): \(String(cString: strerror(errno)))")
            }
            length = committed
        }
        lseek(descriptor, off_t(length), SEEK_SET)
    }

    public func position() async -> Value? {
        ["length": .integer(length)]
    }

    public func write(_ envelopes: [Envelope]) async throws -> Value? {
        var writer = JSONWriter(capacity: envelopes.count * 512)
        // Borrowed from the buffer: iterating the array would copy (retain) every envelope.
        envelopes.withUnsafeBufferPointer { envelopes in
            for index in envelopes.indices {
                writer.write(envelopes[index])
                writer.append(0x0A)
            }
        }
        // Writing and fsync block; they run off the cooperative pool so mapping goes on meanwhile.
        let bytes = writer.bytes, descriptor = descriptor, path = path, durable = durable
        try await io.run {
            try bytes.withUnsafeBytes { raw in
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
        length += writer.bytes.count
        return ["length": .integer(length)]
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
