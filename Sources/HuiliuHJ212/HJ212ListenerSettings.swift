import Foundation
public import HuiliuKit
public import HuiliuEnvironment
import HuiliuCore

/// How the HJ 212 listener is set up: the `listeners: { hj212: … }` section of
/// `config/huiliu.yaml`, and the options of `huiliu hj212 listen`.
///
/// ```yaml
/// listeners:
///   hj212:
///     address: 0.0.0.0
///     port: 9212
///     stations: hj212/stations.yaml
///     buffer: ../data/hj212-buffer.db
///     idle_timeout: 5m
/// ```
public struct HJ212ListenerSettings: Sendable {
    static let address = Field<String>("address", .string, "Interface to listen on.", default: "0.0.0.0", example: "0.0.0.0")
    static let port = Field<Int>("port", .integer, "TCP port; 0 picks a free one.", default: 9212, range: 0...65535)
    static let stations = Field<String?>("stations", .path, """
        The station registry: which `MN`s may deliver, with password and metadata; the default is `hj212/stations.yaml` \
        in the configuration directory.
        """, example: "config/hj212/stations.yaml")
    static let buffer = Field<String?>("buffer", .path, """
        The durable local buffer (SQLite) that frames are committed to before they are acknowledged; the default is \
        `hj212-buffer.db` in the data directory, where the `hj212` source looks for it.
        """, example: "data/hj212-buffer.db")
    static let idleTimeout = Field<Duration>("idle_timeout", .duration,
                                             "Close a connection that sends no whole frame for this long (devices send at least every real-time interval); bytes that never make a frame do not keep it open.",
                                             default: "5m")
    static let groupCommitWindow = Field<Duration>("group_commit_window", .duration,
                                                   "How long to gather frames from all connections into one transaction.",
                                                   default: "1ms", advanced: true)
    static let groupCommitMaximum = Field<Int>("group_commit_max_frames", .integer, "The most frames in one transaction.",
                                               default: 2048, advanced: true, range: 1...100_000)
    static let closeAfterRefusals = Field<Int>("close_after_refusals", .integer,
                                               "Close a connection after this many refused frames in a row (unknown MN, wrong password); 0 never closes.",
                                               default: 3, advanced: true, range: 0...1_000_000)
    static let acceptUnknown = Field<Bool>("accept_unknown_stations", .boolean,
                                           "Accept devices that are not in the station registry (testing only).",
                                           default: false, advanced: true)
    static let incompleteUploadTimeout = Field<Duration>("incomplete_upload_timeout", .duration,
                                                         "A split upload (PNUM/PNO) still missing packets this long after its first is stored with the packets that came, its note saying which are missing; a packet that comes later still is added, and the upload delivered again.",
                                                         default: "1h", advanced: true)
    static let maximumDataLength = Field<Int>("max_data_length", .integer,
                                              "The largest data segment accepted, in bytes (the standard says 1024).",
                                              default: 1024, advanced: true, range: 16...65_536)

    static let maximumConnections = Field<Int>("max_connections", .integer,
                                               "Connections open at once; more are closed as they come, so a flood cannot take every file descriptor.",
                                               default: 10_000, advanced: true, range: 1...1_000_000)

    /// The fields, for lint and docs.
    public static let fields: [FieldSpec] = [
        address.spec, port.spec, stations.spec, buffer.spec, idleTimeout.spec, groupCommitWindow.spec,
        groupCommitMaximum.spec, closeAfterRefusals.spec, acceptUnknown.spec, maximumDataLength.spec,
        incompleteUploadTimeout.spec, maximumConnections.spec,
    ]

    /// Interface to listen on. The default is `0.0.0.0`.
    public var host: String = "0.0.0.0"
    /// TCP port; 0 picks a free one. The default is 9212.
    public var port: Int = 9212
    /// The station registry file. The default is `config/hj212/stations.yaml`.
    public var stationsPath: String = "config/hj212/stations.yaml"
    /// The buffer file. The default is `data/hj212-buffer.db`.
    public var bufferPath: String = "data/hj212-buffer.db"
    /// Idle connections are closed after this long. The default is 5 minutes.
    public var idleTimeout: Duration = .seconds(300)
    /// Group-commit grouping. The default is a 1 ms window and 2048 frames.
    public var groupCommit = GroupCommitter.Configuration()
    /// Refused frames in a row before a connection is closed; 0 never closes. The default is 3.
    public var closeAfterRefusals = 3
    /// Connections open at once. The default is 10,000.
    public var maximumConnections = 10_000
    /// Accept unregistered devices. The default is false.
    public var acceptsUnknownStations = false
    /// Decoder limits. The default follows the standard (1024-byte data segments).
    public var decoder = HJ212.FrameDecoder.Configuration()

    /// The defaults.
    public init() {}

    /// Settings from a validated configuration section; paths are relative to the file that
    /// holds it. The buffer and the registry default to the gateway's data and configuration
    /// directories (`data` and `config` beside the file when not given), where the `hj212`
    /// source looks for them.
    public init(config: ParsedConfig, dataDirectory: String? = nil, configDirectory: String? = nil) throws(ConfigError) {
        host = try config[Self.address]
        port = try config[Self.port]
        stationsPath = try config[Self.stations] ?? configDirectory.map { $0 + "/hj212/stations.yaml" }
            ?? config.resolvePath("config/hj212/stations.yaml")
        let earlierDefault = config.resolvePath("data/hj212-buffer.db")
        bufferPath = try config[Self.buffer] ?? dataDirectory.map { directory in
            // Before, the default was data/ beside the file even with data_dir moved: a buffer
            // there (and none in the data directory) is kept, with the frames it still holds.
            let path = directory + "/hj212-buffer.db"
            return !FileManager.default.fileExists(atPath: path) && FileManager.default.fileExists(atPath: earlierDefault) ? earlierDefault : path
        } ?? earlierDefault
        idleTimeout = try config[Self.idleTimeout]
        groupCommit.window = try config[Self.groupCommitWindow]
        groupCommit.maximumBatch = try config[Self.groupCommitMaximum]
        groupCommit.incompleteUploadTimeout = try config[Self.incompleteUploadTimeout]
        closeAfterRefusals = try config[Self.closeAfterRefusals]
        acceptsUnknownStations = try config[Self.acceptUnknown]
        decoder.maximumDataLength = try config[Self.maximumDataLength]
        maximumConnections = try config[Self.maximumConnections]
        guard idleTimeout > .zero else { throw config.error("idle_timeout", "'idle_timeout' must be longer than 0") }
        guard groupCommit.incompleteUploadTimeout > .zero else {
            throw config.error("incomplete_upload_timeout", "'incomplete_upload_timeout' must be longer than 0")
        }
    }

    /// Parses `HOST:PORT` (or `:PORT`, or a bare port) into ``host`` and ``port``.
    public mutating func setAddress(_ text: String) throws(ConfigError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        let location = SourceLocation(file: "<address>", line: 1, column: 1)
        guard let portText = parts.last, let value = Int(portText), (0...65535).contains(value) else {
            throw ConfigError(.invalidValue, at: location, "'\(text)' is not HOST:PORT")
        }
        port = value
        if parts.count > 1 {
            let hostText = parts.dropLast().joined(separator: ":")
            host = hostText.isEmpty ? "0.0.0.0" : hostText
        }
    }
}
