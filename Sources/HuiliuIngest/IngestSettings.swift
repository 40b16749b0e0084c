public import HuiliuKit
import HuiliuCore

/// How the push endpoint is set up: the `listeners: { webhook: … }` section of
/// `config/huiliu.yaml`.
///
/// ```yaml
/// listeners:
///   webhook:
///     port: 8088
///     channels:                          # who may push where: a token per channel
///       government: ${secret:ingest/government}
///       procuratorate: ${env:PROCURATORATE_PUSH_TOKEN}
/// ```
public struct IngestSettings: Sendable {
    static let address = Field<String>("address", .string, "Interface to listen on.", default: "0.0.0.0", example: "0.0.0.0")
    static let port = Field<Int>("port", .integer, "TCP port; 0 picks a free one.", default: 8088, range: 0...65535)
    static let buffer = Field<String?>("buffer", .path, """
        The durable local buffer (SQLite) that records are committed to before a request is answered; the default is \
        `ingest-buffer.db` in the data directory, where the `webhook` source looks for it.
        """, example: "data/ingest-buffer.db")
    static let channels = Field<Value>("channels", .map(.secret), """
        The channels that may be pushed to, each with the bearer token its clients send (a reference): \
        `POST /ingest/<channel>` with `Authorization: Bearer <token>`.
        """, example: ["government": "${secret:ingest/government}"])
    static let maximumBody = Field<Int>("max_body_bytes", .integer, "The largest request body taken; larger ones are refused with 413.",
                                        default: .integer(16 << 20), advanced: true, range: 1024...1_073_741_824)

    static let bodyTimeout = Field<Duration>("body_timeout", .duration, """
        Time a request's body may take to arrive once its headers have, and a second more for each 64 KiB it declares \
        (or max_body_bytes may hold, chunked); a slower one is answered 408 (a client still sending may see the \
        connection reset instead) and its connection closed, so clients trickling bytes cannot hold the memory and places \
        kept for pushes in flight.
        """, default: "60s", advanced: true)
    static let maximumConnections = Field<Int>("max_connections", .integer, """
        Connections open at once (fewer if the open-file limit is lower: a quarter of it is kept for the rest); past it, \
        new ones wait in the system's queue until one closes, so a flood cannot take every file descriptor. A push \
        whose client gave up waiting is still stored when its turn comes: send an Idempotency-Key, and a retry is \
        answered as a repeat.
        """, default: 1024, advanced: true, range: 1...65_536)

    /// The fields, for lint and docs.
    public static let fields: [FieldSpec] = [address.spec, port.spec, buffer.spec, channels.spec, maximumBody.spec,
                                             bodyTimeout.spec, maximumConnections.spec]

    /// Interface to listen on. The default is `0.0.0.0`.
    public var host = "0.0.0.0"
    /// TCP port; 0 picks a free one. The default is 8088.
    public var port = 8088
    /// The buffer file. The default is `data/ingest-buffer.db` (the data directory's, from configuration).
    public var bufferPath = "data/ingest-buffer.db"
    /// Each channel's token.
    public var tokens: [String: String] = [:]
    /// The largest body taken, in bytes. The default is 16 MiB.
    public var maximumBodyBytes = 16 << 20
    /// Time a body may take to arrive after its headers. The default is 60 seconds.
    public var bodyTimeout: Duration = .seconds(60)
    /// Connections open at once. The default is 1,024.
    public var maximumConnections = 1024
    /// Time a request's headers may take (``HeaderDeadline``); not configurable, as for every web server's.
    var headerTimeout: Duration = .seconds(30)
    /// Bytes the pushes in flight may hold together, raw and decoded (at least four bodies of
    /// `maximumBodyBytes`); beyond it a push is answered 503 with Retry-After.
    var maximumBytesInFlight = 256 << 20

    /// The defaults (no channel).
    public init() {}

    /// Settings from a validated configuration section; paths are relative to the file that
    /// holds it, and the buffer is in `dataDirectory` unless named.
    public init(config: ParsedConfig, dataDirectory: String) throws(ConfigError) {
        host = try config[Self.address]
        port = try config[Self.port]
        bufferPath = try config[Self.buffer] ?? dataDirectory + "/ingest-buffer.db"
        maximumBodyBytes = try config[Self.maximumBody]
        bodyTimeout = try config[Self.bodyTimeout]
        guard bodyTimeout > .zero else { throw config.error("body_timeout", "body_timeout must be longer than zero") }
        maximumConnections = try config[Self.maximumConnections]
        for (channel, token) in try config[Self.channels].objectValue ?? Object() {
            guard Self.isChannelName(channel) else {
                throw config.error("channels", "channel names use letters, digits, '-' and '_' only (they are URL path segments); got '\(channel)'")
            }
            guard let token = token.stringValue, token.count >= 16 else {
                throw config.error("channels", "the token of channel '\(channel)' is shorter than 16 characters: too easy to guess")
            }
            tokens[channel] = token
        }
        guard !tokens.isEmpty else { throw config.error("channels", "'channels' names no channel: nothing could be pushed") }
    }

    /// Reads and validates the `listeners.webhook` section of `config/huiliu.yaml`.
    public static func read(_ node: ConfigNode, resolver: ReferenceResolver, baseDirectory: String,
                            dataDirectory: String) throws(ConfigErrors) -> IngestSettings {
        try ConfigValidator.readSection(node, fields: fields, owner: "listeners.webhook", resolver: resolver, baseDirectory: baseDirectory) {
            (config) throws(ConfigError) in try IngestSettings(config: config, dataDirectory: dataDirectory)
        }
    }

    /// True for a name that is one URL path segment as it is: letters, digits, `-` and `_`.
    public static func isChannelName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F
        }
    }
}
