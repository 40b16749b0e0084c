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
