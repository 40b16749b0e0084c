public import Foundation
public import HuiliuCore
public import Logging
import HuiliuStore
import Synchronization

/// Writes one JSON object per log line: what the daemon logs for collectors to read.
///
/// Metadata becomes top-level fields; values are strings unless they were given as numbers.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String
    /// The descriptor lines go to (standard error).
    let descriptor: Int32

    /// A handler writing to standard error.
    public init(label: String, descriptor: Int32 = 2) {
        self.label = label
        self.descriptor = descriptor
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    static let lock = Mutex(())

    public func log(event: LogEvent) {
        var object = Object()
        object["time"] = .string(Timestamp.now())
        object["level"] = .string(event.level.rawValue)
        object["message"] = .string(event.message.description)
        object["logger"] = .string(label)
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for key in merged.keys.sorted() {
            object[key] = Self.value(merged[key]!)
        }
        var writer = JSONWriter()
        writer.write(.object(object))
        writer.append(0x0A)
        // One write per line, serialized, so lines from concurrent tasks never interleave.
        // A failed write is dropped: Foundation's FileHandle traps on one, and a log reader gone
        // away (SIGPIPE ignored, as systemd does) stopped every pipeline and listener with it.
        Self.lock.withLock { _ in writer.withBytes { DescriptorWrite.all($0, to: descriptor) } }
    }

    static func value(_ metadata: Logger.Metadata.Value) -> Value {
        switch metadata {
        case .string(let s): return .string(s)
        case .stringConvertible(let c):
            if let i = c as? Int { return .integer(i) }
            return .string(c.description)
        case .array(let items): return .array(items.map(value))
        case .dictionary(let d):
            var object = Object()
            for key in d.keys.sorted() { object[key] = value(d[key]!) }
            return .object(object)
        }
    }
}
