import Glibc

/// How a ``FileTransferClient`` logs in and protects its connections.
public struct FileTransferOptions: Sendable, Equatable {
    /// Who to log in as. The default is ``FileTransferCredentials/anonymous``.
    public var credentials = FileTransferCredentials.anonymous
    /// How an SFTP server's host key is checked. The default is `~/.ssh/known_hosts`; an unknown
    /// or changed key fails the transfer.
    public var hostKey = SSHHostKeyCheck.knownHosts(path: SSHHostKeyCheck.defaultKnownHostsPath)
    /// TLS for `ftp://` URLs (`ftps://` is always implicit TLS). The default is ``FTPSecurity/none``.
    public var ftpSecurity = FTPSecurity.none
    /// CA bundle, verification and client certificate for FTPS.
    public var tls = TLSOptions()
    /// Use active FTP (the server connects back) instead of passive. The default is `false`.
    public var activeMode = false
    /// Time allowed to connect and log in. The default is 10 seconds.
    public var connectTimeout: Duration = .seconds(10)
    /// Time allowed for a whole transfer, or `nil` for no limit. The default is `nil`.
    public var timeout: Duration?
    /// Fail when no byte arrives for this long. The default is 60 seconds.
    public var stallTimeout: Duration? = .seconds(60)
    /// The proxy to use. The default is ``Proxy/direct``.
    public var proxy: Proxy = .direct

    /// The defaults.
    public init() {}
}

/// Credentials for FTP, FTPS and SFTP.
public enum FileTransferCredentials: Sendable, Equatable {
    /// FTP's anonymous login.
    case anonymous
    /// A user name and password (FTP, or SFTP password/keyboard-interactive authentication).
    case password(user: String, password: String)
    /// SFTP public-key authentication with a PEM or OpenSSH private key file; the public key is
    /// derived from the private one when `publicKeyPath` is `nil`.
    case sshKey(user: String, privateKeyPath: String, publicKeyPath: String? = nil, passphrase: String? = nil)
}

/// How an SSH server proves its identity.
public enum SSHHostKeyCheck: Sendable, Equatable {
    /// The key must be listed in this OpenSSH `known_hosts` file.
    case knownHosts(path: String)
    /// The key's SHA-256 fingerprint, base64 as `ssh-keygen -l` prints it (`SHA256:` prefix optional).
    case sha256(String)
    /// Accept any key: only for tests, since it allows a man in the middle.
    case insecureAcceptAny

    /// `$HOME/.ssh/known_hosts`.
    public static var defaultKnownHostsPath: String {
        let home = getenv("HOME").map { String(cString: $0) } ?? "/root"
        return home + "/.ssh/known_hosts"
    }
}

/// TLS on `ftp://` connections (explicit FTPS, `AUTH TLS`).
public enum FTPSecurity: Sendable, Equatable {
    /// Plain FTP: credentials and data travel in clear text.
    case none
    /// Require TLS for the control and data connections; fail if the server does not offer it.
    case required
    /// Use TLS when the server offers it.
    case ifAvailable
}
