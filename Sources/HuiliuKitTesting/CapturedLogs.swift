public import Logging
import Synchronization

/// Log lines kept in memory, for tests that check what a component logged (and what it
/// must not log, such as secrets).
public final class CapturedLogs: Sendable {
    /// One logged line.
    public struct Line: Sendable {
        /// Its level.
        public var level: Logger.Level
        /// The message.
        public var message: String
        /// The logger's and the call's metadata, rendered.
        public var metadata: [String: String]
    }

    private let lines = Mutex<[Line]>([])

    /// An empty capture.
    public init() {}

    /// Everything logged so far.
    public var all: [Line] { lines.withLock { $0 } }

    /// A logger at debug level that writes here.
    public var logger: Logger {
        var logger = Logger(label: "test") { _ in Handler(sink: self) }
        logger.logLevel = .debug
        return logger
    }

    func append(_ line: Line) { lines.withLock { $0.append(line) } }

    struct Handler: LogHandler {
        let sink: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var merged = metadata
            for (key, value) in event.metadata ?? [:] { merged[key] = value }
            sink.append(Line(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
        }
    }
}
