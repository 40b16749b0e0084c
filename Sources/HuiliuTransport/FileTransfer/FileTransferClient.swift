import CCurl
import Glibc

/// Lists and downloads files over FTP, FTPS and SFTP.
///
/// Each client has its own transfer thread and connection cache: libcurl does not compare TLS
/// settings when reusing an `AUTH TLS` FTP connection, nor host-key settings for SSH, so
/// connections are only ever reused between transfers with the same ``FileTransferOptions``.
///
/// ```swift
/// var options = FileTransferOptions()
/// options.credentials = .sshKey(user: "exchange", privateKeyPath: "/etc/huiliu/id_ecdsa")
/// options.hostKey = .sha256("0KaphJVKh5B3Inxw961j8ooVU6b3A5MCTrJwwdqR8M4")
/// let files = FileTransferClient(options: options)
/// for entry in try await files.list("sftp://gov.example/outbox/") where entry.kind == .file { … }
/// for try await chunk in try await files.download("sftp://gov.example/outbox/2024-06.csv") { … }
/// ```
/// URLs name the directory or file; credentials belong in ``FileTransferOptions``, not the URL.
public final class FileTransferClient: Sendable {
    /// Login, host-key and TLS settings for every transfer.
    public let options: FileTransferOptions
    private let loop: CurlLoop

    /// A client for servers reached with `options`.
    public init(options: FileTransferOptions = FileTransferOptions()) {
        self.options = options
        loop = CurlLoop(limits: .init(connectionCacheSize: 8))
    }

    deinit {
        loop.stop()
    }

    /// The entries of the directory at `url` (a trailing `/` is added if missing).
    /// - Parameters:
    ///   - url: an `ftp://`, `ftps://` or `sftp://` directory URL.
    ///   - now: seconds since 1970 for inferring listing years; the default is the system clock.
    public func list(_ url: String, now: Int64? = nil) async throws(TransportError) -> [RemoteFileEntry] {
        let directory = url.hasSuffix("/") ? url : url + "/"
        let response = try await explaining { () async throws(TransportError) in try await loop.perform(plan(for: directory)).get() }
        return DirectoryListing.parse(response.body, now: now ?? Int64(time(nil)))
    }

    /// The size and exact modification time of the file at `url` (FTP `SIZE`/`MDTM`, SFTP `stat`).
    public func attributes(of url: String) async throws(TransportError) -> RemoteFileAttributes {
        var plan = try plan(for: url)
        plan.set(CURLOPT_NOBODY, true)
        plan.set(CURLOPT_FILETIME, true)
        return try await explaining { () async throws(TransportError) in try await loop.perform(plan).get() }.remoteFile
    }

    /// The file at `url` as a stream of chunks with back-pressure; fails before returning if
    /// the file cannot be opened (missing, denied, bad login).
    public func download(_ url: String) async throws(TransportError) -> ResponseBody {
        try await explaining { () async throws(TransportError) in try await loop.openStream(plan(for: url), owner: self).1 }
    }

    /// The whole file at `url`, failing past `limit` bytes.
    public func read(_ url: String, upTo limit: Int = 256 << 20) async throws(TransportError) -> [UInt8] {
        var plan = try plan(for: url)
        plan.maximumBodySize = limit
        return try await explaining { () async throws(TransportError) in try await loop.perform(plan).get() }.body
    }

    /// `body`'s failure with what libcurl's words leave out: which known_hosts file did not
    /// vouch for the server, that a key's passphrase may be what is wrong, that a folder
    /// refused may not exist.
    private func explaining<T>(_ body: () async throws(TransportError) -> T) async throws(TransportError) -> T {
        do {
            return try await body()
        } catch {
            var error = error
            if error.code == .ssh, error.message.contains("remote key was not OK"), case .knownHosts(let path) = options.hostKey {
                error.message += " (the server's host key is not in \(path), or differs from the one recorded there)"
            } else if error.code == .authentication, case .sshKey(_, _, _, let passphrase?) = options.credentials, !passphrase.isEmpty {
                error.message += " (the server refused the key, or the key's passphrase is wrong)"
            } else if error.code == .accessDenied, error.message.contains("change to the given directory") {
                error.message += " (the folder may not exist)"
            }
            throw error
        }
    }

    func plan(for url: String) throws(TransportError) -> TransferPlan {
        let isSFTP = url.hasPrefix("sftp://")
        guard isSFTP || url.hasPrefix("ftp://") || url.hasPrefix("ftps://") else {
            throw TransportError(.invalidRequest, url: url, message: "not an ftp://, ftps:// or sftp:// URL")
        }
        let o = options
        var plan = TransferPlan(url: url, kind: .file)
        plan.set(CURLOPT_PROTOCOLS_STR, "ftp,ftps,sftp")
        plan.applyConnection(connectTimeout: o.connectTimeout, timeout: o.timeout, stallTimeout: o.stallTimeout,
                             tls: o.tls, proxy: o.proxy)
        switch o.credentials {
        case .anonymous:
            break
        case .password(let user, let password):
            plan.set(CURLOPT_USERNAME, user)
            plan.set(CURLOPT_PASSWORD, password)
            plan.set(CURLOPT_SSH_AUTH_TYPES, 2 | 8)  // CURLSSH_AUTH_PASSWORD | CURLSSH_AUTH_KEYBOARD
        case .sshKey(let user, let privateKey, let publicKey, let passphrase):
            plan.set(CURLOPT_USERNAME, user)
            plan.set(CURLOPT_SSH_PRIVATE_KEYFILE, privateKey)
            // An empty public key path makes libssh2 derive the public key from the private one.
            plan.set(CURLOPT_SSH_PUBLIC_KEYFILE, publicKey ?? "")
            if let passphrase { plan.set(CURLOPT_KEYPASSWD, passphrase) }
            plan.set(CURLOPT_SSH_AUTH_TYPES, 1)  // CURLSSH_AUTH_PUBLICKEY
        }
        if isSFTP {
            switch o.hostKey {
            case .knownHosts(let path):
                plan.set(CURLOPT_SSH_KNOWNHOSTS, path)
            case .sha256(let fingerprint):
                var value = Substring(fingerprint)
                if value.hasPrefix("SHA256:") { value = value.dropFirst(7) }
                while value.hasSuffix("=") { value = value.dropLast() }
                plan.set(CURLOPT_SSH_HOST_PUBLIC_KEY_SHA256, String(value))
            case .insecureAcceptAny:
                break
            }
        } else {
            switch o.ftpSecurity {
            case .none: break
            case .required: plan.set(CURLOPT_USE_SSL, 3)  // CURLUSESSL_ALL
            case .ifAvailable: plan.set(CURLOPT_USE_SSL, 1)  // CURLUSESSL_TRY
            }
            if o.activeMode { plan.set(CURLOPT_FTPPORT, "-") }
        }
        return plan
    }
}
