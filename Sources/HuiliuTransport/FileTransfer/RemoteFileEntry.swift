/// One entry of a remote directory listing.
public struct RemoteFileEntry: Sendable, Equatable {
    /// What an entry is.
    public enum Kind: Sendable, Equatable {
        /// A regular file.
        case file
        /// A directory.
        case directory
        /// A symbolic link; see ``RemoteFileEntry/linkTarget``.
        case symbolicLink
        /// A device, socket or something the listing did not say.
        case other
    }

    /// How exact a listed modification time is.
    public enum Precision: Sendable, Equatable {
        /// To the minute (`Nov 29 02:15`, DOS listings); the year may be inferred.
        case minute
        /// To the day (`Nov 29  2023`): older files.
        case day
        /// To the second (from `MDTM`/`stat`).
        case second
    }

    /// The file name, without directory.
    public var name: String
    /// File, directory or link.
    public var kind: Kind
    /// The size in bytes, when listed.
    public var size: Int64?
    /// The modification time as seconds since 1970, reading the listed wall-clock time as UTC
    /// (most servers list in UTC; use ``FileTransferClient/attributes(of:)`` for exact times).
    public var modified: Int64?
    /// How exact ``modified`` is.
    public var modifiedPrecision: Precision?
    /// The permission string, such as `-rw-r--r--`, when listed.
    public var permissions: String?
    /// Where a symbolic link points.
    public var linkTarget: String?
    /// The name's bytes as listed when they are not UTF-8 (GBK from a Chinese Windows server);
    /// requests for the file must spell it so. `nil` for a UTF-8 name.
    public var nameBytes: [UInt8]?

    /// The name percent-encoded for a URL path, from the bytes the server listed.
    public var urlPathComponent: String {
        var encoded = ""
        for byte in nameBytes ?? Array(name.utf8) {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                encoded += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return encoded
    }

    /// An entry with the given parts.
    public init(name: String, kind: Kind, size: Int64? = nil, modified: Int64? = nil, modifiedPrecision: Precision? = nil,
                permissions: String? = nil, linkTarget: String? = nil) {
        self.name = name
        self.kind = kind
        self.size = size
        self.modified = modified
        self.modifiedPrecision = modifiedPrecision
        self.permissions = permissions
        self.linkTarget = linkTarget
    }
}

/// Size and exact modification time of one remote file.
public struct RemoteFileAttributes: Sendable, Equatable {
    /// The size in bytes, if the server said.
    public var size: Int64?
    /// Seconds since 1970, UTC, if the server said.
    public var modified: Int64?
}
