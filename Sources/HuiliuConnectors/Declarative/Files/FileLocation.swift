import Foundation
import Glibc
import HuiliuCore
import HuiliuTransport

/// One file a file stream may read.
struct FileEntry: Sendable {
    var name: String
    var size: Int64?
    var modified: Int64?
    /// A remote file's name as its URL spells it, from the bytes the server listed.
    var urlName: String?
}

/// Where a file stream's files are: a local folder, or an FTP, FTPS or SFTP folder, with
/// the credentials the stream's templates give.
struct FileLocation: Sendable {
    enum Kind: Sendable {
        case local(String)
        case remote(String, FileTransferClient)
    }

    let kind: Kind
    let pattern: String

    /// `secrets` are the connector's secret values: one written into the location's user info
    /// as it is, with an `@` or `/` in it, is percent-encoded there.
    init(_ definition: FileStreamDefinition, context: Value, projectDirectory: String = FileManager.default.currentDirectoryPath,
         proxy: Proxy = .direct, secrets: [String] = []) throws {
        pattern = definition.pattern
        guard let written = try definition.location.string(context), !written.isEmpty else {
            throw ManifestRuntimeError("files.location gave nothing; is the configuration field set?")
        }
        let location = URLRedactor.encodingUserinfo(written, secrets: secrets)
        if location.hasPrefix("ftp://") || location.hasPrefix("ftps://") || location.hasPrefix("sftp://") {
            var options = FileTransferOptions()
            options.proxy = proxy
            let user = try definition.username?.string(context)
            // Paths are the project's, like every other path in its files.
            func resolved(_ path: String) -> String {
                path.hasPrefix("/") ? path : path.hasPrefix("~/") ? NSHomeDirectory() + path.dropFirst() : projectDirectory + "/" + path
            }
            if let given = try definition.privateKey?.string(context), !given.isEmpty {
                let key = resolved(given)
                // Else libssh2 says only that the login was denied, as for a wrong key.
                guard FileManager.default.isReadableFile(atPath: key) else {
                    throw ManifestRuntimeError("files.private_key: no readable key file at \(key)")
                }
                options.credentials = .sshKey(user: user ?? "", privateKeyPath: key, passphrase: try definition.password?.string(context))
            } else if let user, !user.isEmpty {
                options.credentials = .password(user: user, password: try definition.password?.string(context) ?? "")
            }
            if let hostKey = try definition.hostKey?.string(context), !hostKey.isEmpty {
                if hostKey == "insecure" {
                    options.hostKey = .insecureAcceptAny
                } else if hostKey.hasPrefix("~/") || hostKey.hasPrefix("./") || FileManager.default.fileExists(atPath: resolved(hostKey))
                            || (hostKey.hasPrefix("/") && !Self.isFingerprint(hostKey)) {
                    // A fingerprint is base64, which has '/' too (and may start with one): a path
                    // is one that names a file, or starts like one and is no fingerprint.
                    let file = resolved(hostKey)
                    guard FileManager.default.isReadableFile(atPath: file) else {
                        throw ManifestRuntimeError("files.host_key: no readable known_hosts file at \(file)")
                    }
                    options.hostKey = .knownHosts(path: file)
                } else {
                    options.hostKey = .sha256(hostKey.hasPrefix("SHA256:") ? String(hostKey.dropFirst(7)) : hostKey)
                }
            } else if location.hasPrefix("sftp://"), !FileManager.default.fileExists(atPath: SSHHostKeyCheck.defaultKnownHostsPath) {
                throw ManifestRuntimeError("""
                    files.host_key is not set and \(SSHHostKeyCheck.defaultKnownHostsPath) does not exist, so the server cannot be \
                    verified: set host_key to its SHA-256 fingerprint (ssh-keyscan HOST | ssh-keygen -lf -) or a known_hosts file
                    """)
            }
            if let given = try definition.caBundle?.string(context), !given.isEmpty {
                // Without TLS it would be ignored, and the password sent in clear.
                guard location.hasPrefix("ftps://") || (location.hasPrefix("ftp://") && definition.ftpSecurity != "none") else {
                    throw ManifestRuntimeError("files.ca_bundle is for FTPS: an ftps:// location, or ftp:// with tls: required")
                }
                let bundle = resolved(given)
                // Else curl says only that the certificate could not be verified, as with no bundle.
                guard FileManager.default.isReadableFile(atPath: bundle) else {
                    throw ManifestRuntimeError("files.ca_bundle: no readable CA bundle at \(bundle)")
                }
                options.tls.caBundlePath = bundle
            }
            switch definition.ftpSecurity {
            case "required": options.ftpSecurity = .required
            case "if_available": options.ftpSecurity = .ifAvailable
            default: break
            }
            let folder = location.hasSuffix("/") ? location : location + "/"
            kind = .remote(folder, FileTransferClient(options: options))
        } else {
            kind = .local(location.hasPrefix("/") ? location : projectDirectory + "/" + location)
        }
    }

    /// A SHA-256 fingerprint as OpenSSH prints it: 43 base64 characters, without padding.
    static func isFingerprint(_ text: String) -> Bool {
        let body = text.hasPrefix("SHA256:") ? text.dropFirst(7) : Substring(text)
        return (43...44).contains(body.count) && body.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+/=".contains($0)) }
    }

    /// The folder, credentials removed, for messages.
    var display: String {
        switch kind {
        case .local(let path): return path
        case .remote(let url, _): return URLRedactor.redact(url)
        }
    }

    /// The files matching the pattern, sorted by name.
    func list() async throws -> [FileEntry] {
        var entries: [FileEntry] = []
        switch kind {
        case .local(let directory):
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: directory)
            } catch {
                var isDirectory: ObjCBool = false
                let exists = FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory)
                throw ManifestRuntimeError(exists && !isDirectory.boolValue ? "\(directory): is a file, not a folder of files"
                                           : exists ? "\(directory): cannot be listed (permissions?)" : "\(directory): no such folder")
            }
            for name in names where fnmatch(pattern, name, 0) == 0 {
                var info = stat()
                guard stat(directory + "/" + name, &info) == 0 else {
                    // A name that is not UTF-8 (GBK, from a Windows share) reads with replacement
                    // characters and cannot be opened by them: said, where it was skipped unread.
                    if name.unicodeScalars.contains("\u{FFFD}") {
                        throw ManifestRuntimeError("\(directory)/\(name): a file whose name is not UTF-8 (GBK?) cannot be read: rename it (convmv -f gbk -t utf-8)")
                    }
                    continue
                }
                guard (info.st_mode & S_IFMT) == S_IFREG else { continue }
                entries.append(FileEntry(name: name, size: Int64(info.st_size), modified: Int64(info.st_mtim.tv_sec)))
            }
        case .remote(let url, let client):
            for entry in try await client.list(url) where entry.kind == .file && fnmatch(pattern, entry.name, 0) == 0 {
                entries.append(FileEntry(name: entry.name, size: entry.size, modified: entry.modified, urlName: entry.urlPathComponent))
            }
        }
        return entries.sorted { $0.name < $1.name }
    }

    /// A local path holding `entry`'s bytes: the file itself, or a download into `scratch`.
    func localPath(of entry: FileEntry, scratch: String) async throws -> String {
        switch kind {
        case .local(let directory):
            return directory + "/" + entry.name
        case .remote(let url, let client):
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            let path = scratch + "/" + entry.name.replacingOccurrences(of: "/", with: "_")
            FileManager.default.createFile(atPath: path, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            let encoded = entry.urlName ?? RemoteFileEntry(name: entry.name, kind: .file).urlPathComponent
            var received: Int64 = 0
            for try await chunk in try await client.download(url + encoded) {
                handle.write(Data(chunk))
                received += Int64(chunk.count)
            }
            // A server without SIZE ends a cut transfer with 226 as if it were whole: the listing's
            // size tells. A file grown since it was listed is whole; one shorter is not read.
            if let listed = entry.size, received < listed {
                throw ManifestRuntimeError("""
                    \(URLRedactor.redact(url))\(entry.name): downloaded \(received) bytes of the \(listed) the listing gave; the \
                    transfer was cut short (or the file shrank since it was listed), so it is not read now: the next run tries again
                    """)
            }
            return path
        }
    }

    /// True when the files are downloaded (and the local copy should be removed after reading).
    var isRemote: Bool {
        if case .remote = kind { return true }
        return false
    }
}
