import Glibc
public import HuiliuCore
public import HuiliuKit

/// Prints envelopes to standard output, one JSON line each (or indented).
public struct StdoutSink: SinkConnector {
    static let pretty = Field<Bool>("pretty", .boolean, "Indent each event over several lines.", default: false)

    public static let spec = ComponentSpec(
        name: "stdout", kind: .sink, summary: "Prints CloudEvents envelopes to standard output.",
        fields: [pretty.spec])

    let pretty: Bool

    public init(config: ParsedConfig, context: ConnectorContext) throws {
        pretty = try config[Self.pretty]
    }

    public func write(_ envelopes: [Envelope]) async throws -> Value? {
        var writer = JSONWriter(pretty: pretty, capacity: envelopes.count * 512)
        for envelope in envelopes {
            writer.write(envelope)
            writer.append(0x0A)
        }
        // A failed write (a full disk, a closed pipe) fails the batch: acknowledging it would
        // move the checkpoint past records nobody received.
        try writer.withBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(1, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw SinkError("standard output: write failed: \(String(cString: strerror(errno)))") }
                offset += n
            }
        }
        return nil
    }
}
