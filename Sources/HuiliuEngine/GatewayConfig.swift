import HuiliuCore
public import HuiliuKit
import Foundation
import HuiliuStore

/// The gateway's own settings, from `config/huiliu.yaml`: where state lives, where
/// secrets come from, the default time zone, and which pipelines exist.
public struct GatewayConfig: Sendable, CustomStringConvertible, CustomReflectable {
    /// The project it is of, and nothing it holds: the store URL carries a password, the
    /// tokens and secrets are secret.
    public var description: String { "GatewayConfig(\(projectDirectory))" }
    public var customMirror: Mirror { Mirror(self, children: ["projectDirectory": projectDirectory]) }

    /// The project root: relative paths in the config are resolved against it.
    public var projectDirectory: String
    /// The config file, if one was read.
    public var file: String?
    /// The SQLite state database.
    public var storePath: String
    /// Where components keep state files.
    public var dataDirectory: String
    /// Default time zone for schedules and times without an offset.
    public var timezone: String
    /// Glob patterns of pipeline files.
    public var pipelinePatterns: [String]
    /// The loaded secrets.
    public var secrets: SecretStore
    /// The config directory (`config/`).
    public var configDirectory: String
    /// Address the admin API listens on.
    public var adminAddress: String
    /// Port of the admin API.
    public var adminPort: Int
    /// Bearer tokens for the admin API.
    public var adminTokens: [AdminToken]
    /// How long `huiliu serve` waits for runs to reach a batch boundary on shutdown.
    public var gracePeriod: Duration
    /// How long `huiliu serve` keeps finished runs' records (`serve.keep_runs`); `nil` keeps them all.
    public var keepRuns: Duration? = .seconds(400 * 86_400)
    /// The `listeners:` section, by listener kind (`hj212`, `webhook`), for the daemon to validate and start.
    public var listeners: [String: ConfigNode]
    /// How connectors reach upstream systems (`http.proxy`).
    public var proxy: OutboundProxy = .direct
    /// The PostgreSQL URL of a shared state store, if the gateway uses one instead of ``storePath``.
    public var storeURL: String?

    /// A bearer token of the admin API.
    public struct AdminToken: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        /// Who holds it, for logs.
        public var name: String
        /// The token itself.
        public var token: String
        /// `read` tokens may only read; `write` tokens may also trigger, cancel, replay and reload.
        public var canWrite: Bool

        /// Its holder and role, never the token (printed with the configuration that holds it).
        public var description: String { "AdminToken(\(name), \(canWrite ? "write" : "read"))" }
        public var debugDescription: String { description }
        public var customMirror: Mirror { Mirror(self, children: ["name": name, "canWrite": canWrite]) }
    }

    /// The fields of `config/huiliu.yaml`.
    public static let fields: [FieldSpec] = [
        FieldSpec("version", .integer, "Format version; must be 1.", default: 1, range: 1...1),
        FieldSpec("data_dir", .path, "Directory for state and outputs.", default: "data"),
        FieldSpec("store", .object([
            FieldSpec("path", .path, "SQLite file for runs, checkpoints and dead letters.", default: "data/huiliu.db"),
            FieldSpec("postgres", .string, """
                PostgreSQL URL of a shared store instead (`postgresql://huiliu@db.example/huiliu`, a password as \
                ${secret:…}): gateways that share it share runs, checkpoints and dead letters, and a pipeline runs on one \
                of them at a time.
                """, optional: true),
        ]), "Where Huiliu keeps its state.", optional: true),
        FieldSpec("secrets", .object([
            FieldSpec("file", .path, "YAML file mapping secret names to values (nested keys join with '/').", optional: true),
            FieldSpec("directory", .path, "Directory with one file per secret; the relative path is the name.", optional: true),
        ]), "Where `${secret:…}` references are looked up.", optional: true),
        FieldSpec("timezone", .string, """
            Time zone of pipeline schedules that name none (a pipeline's own `timezone` overrides it). Expressions \
            (`parse_time`, `format_time`) use Asia/Shanghai unless given a zone argument.
            """, default: "Asia/Shanghai"),
        FieldSpec("pipelines", .list(.string), "Glob patterns of pipeline files.", default: ["pipelines/*.yaml"]),
        FieldSpec("admin", .object([
            FieldSpec("address", .string, "Address the admin API binds to.", default: "127.0.0.1"),
            FieldSpec("port", .integer, "Port of the admin API.", default: 8470, range: 0...65535),
            FieldSpec("tokens", .list(.object([
                FieldSpec("name", .string, "Who holds the token (shown in logs)."),
                FieldSpec("token", .secret, "The token: a ${secret:…} reference."),
                FieldSpec("role", .oneOf(["read", "write"]), "read, or write (trigger, cancel, replay, reload).", default: "read"),
            ])), "Bearer tokens accepted by the admin API.", optional: true),
        ]), "The daemon's admin API.", optional: true),
        FieldSpec("serve", .object([
            FieldSpec("grace_period", .duration, "On SIGTERM, how long runs get to reach a batch boundary.", default: "30s"),
            FieldSpec("keep_runs", .string, """
                How long the daemon keeps the records of finished runs (`huiliu runs`), checked daily: a duration \
                (`400d`, more than a budget year by default), or `forever`. Each pipeline's latest finished run is kept whatever \
                its age; dead letters and provenance entries are kept in any case.
                """, default: "400d"),
        ]), "The daemon.", optional: true),
        FieldSpec("listeners", .map(.any), "Listeners the daemon runs, by kind: hj212 (monitoring devices), webhook (records pushed over HTTP).", optional: true),
        FieldSpec("http", .object([
            FieldSpec("proxy", .string, "`direct`, `environment` (http_proxy, https_proxy, no_proxy), or a proxy URL "
                      + "(http://, https://, socks5h://) for connectors' HTTP, FTP and SFTP traffic.", default: "direct"),
            FieldSpec("no_proxy", .string, "Hosts reached directly even so, comma-separated.", optional: true),
            FieldSpec("proxy_username", .string, "The proxy's user name.", optional: true),
            FieldSpec("proxy_password", .secret, "The proxy's password: a ${secret:…} reference.", optional: true),
        ]), "How connectors reach upstream systems.", optional: true),
    ]

    /// Loads the config at `path`, or defaults rooted at `projectDirectory` when there is none.
    public static func load(path: String?, projectDirectory: String? = nil,
                            environment: [String: String]? = nil) throws(ConfigErrors) -> GatewayConfig {
        let fm = FileManager.default
        // Absolute, so that `--config config/huiliu.yaml` finds its project root (the
        // relative path's parent of `config` would be the empty string).
        let given = path.map { $0.hasPrefix("/") ? $0 : fm.currentDirectoryPath + "/" + $0 }
        let candidate = given ?? (projectDirectory ?? fm.currentDirectoryPath) + "/config/huiliu.yaml"
        let exists = fm.fileExists(atPath: candidate)
        if path != nil && !exists {
            throw ConfigErrors([ConfigError(.invalidValue, at: SourceLocation(file: path ?? candidate, line: 1, column: 1), "config file not found")])
        }
        let root: String
        if let projectDirectory {
            root = projectDirectory
        } else if exists {
            // config/huiliu.yaml lives one level below the project root.
            let configDir = ((candidate as NSString).deletingLastPathComponent as NSString).standardizingPath
            root = (configDir as NSString).lastPathComponent == "config" ? (configDir as NSString).deletingLastPathComponent : configDir
        } else {
            root = fm.currentDirectoryPath
        }
        var parsedValues = Object()
        var listenerNodes: [String: ConfigNode] = [:]
        var secrets: [String: String] = [:]
        if exists {
            let node: ConfigNode, repeats: [ConfigError]
            do {
                (node, repeats) = try YAMLDocument.loadPastRepeats(path: candidate, displayPath: path ?? candidate)
            } catch {
                switch error {
                case .syntax, .duplicateKeys: throw ConfigErrors(error.problems)
                case .unreadable(let path, let reason):
                    throw ConfigErrors([ConfigError(.invalidValue, at: SourceLocation(file: path, line: 1, column: 1), reason)])
                }
            }
            // Secrets first: other settings (admin tokens) may refer to them. A repeated key is said
            // with their problems: it may be their cause (a second `secrets:` that was meant).
            // A secrets file that cannot be read is said with the file's other problems, not
            // instead of them (less the references it would have resolved).
            var secretsProblems: [ConfigError] = []
            do throws(ConfigErrors) {
                var fileSetting: SourceLocation?
                if case .scalar(_, _, let at)? = node["secrets"]?["file"] { fileSetting = at }
                secrets = try loadSecrets(node["secrets"]?.plainValue.objectValue, root: root, fileSetting: fileSetting)
            } catch {
                secretsProblems = error.errors
            }
            var validator = ConfigValidator(registry: ConnectorRegistry(),
                                            resolver: ReferenceResolver(environment: environment, secrets: SecretStore(secrets)),
                                            baseDirectory: root)
            let parsed = validator.readFields(node, fields: fields, owner: "gateway config")
            // Judged as resolved: `${secret:…}` and `${env:…}` give the URL; quoted without its user info.
            if case .scalar(let written, _, let at)? = node["http"]?["proxy"] {
                let text = parsed.values["http"]?.objectValue?["proxy"]?.stringValue ?? written
                if !["direct", "environment"].contains(text),
                   !["http://", "https://", "socks4://", "socks4a://", "socks5://", "socks5h://"].contains(where: { text.hasPrefix($0) }) {
                    validator.report(ConfigError(.invalidValue, at: at, """
                        http.proxy is direct, environment, or a proxy URL such as http://proxy.example:3128; \
                        got '\(Self.withoutUserinfo(text))'
                        """))
                } else if Self.writesOutItsPassword(written) {
                    validator.report(ConfigError(.literalSecret, at: at, """
                        http.proxy holds its password written out; give it in http.proxy_password as a reference, \
                        such as ${secret:proxy/password}
                        """))
                }
            }
            // The store URL's password is a credential like any other: a reference, never written out.
            if case .scalar(let url, _, let at)? = node["store"]?["postgres"], Self.writesOutItsPassword(url) {
                validator.report(ConfigError(.literalSecret, at: at,
                                             "store.postgres holds its password written out; write it as a reference, such as postgresql://huiliu:${secret:pg/password}@db/huiliu"))
            }
            if case .scalar(let keep, _, let at)? = node["serve"]?["keep_runs"], keep != "forever",
               (Duration(configText: keep) ?? .zero) < .seconds(86_400) {
                validator.report(ConfigError(.invalidValue, at: at,
                                             "serve.keep_runs is a duration of a day or more (such as 400d or 90d), or forever; got '\(keep)'"))
            }
            if case .scalar(let zone, _, let at)? = node["timezone"], TimeZone(named: zone) == nil {
                validator.report(ConfigError(.invalidValue, at: at,
                                             "timezone must be an IANA time zone such as Asia/Shanghai; got '\(zone)'"))
            }
            var problems = validator.problems
            if !secretsProblems.isEmpty {
                problems.removeAll { $0.code == .unresolvedReference && $0.message.hasSuffix("is not in the secrets store") }
            }
            if !repeats.isEmpty || !secretsProblems.isEmpty || !problems.isEmpty { throw ConfigErrors(repeats + secretsProblems + problems) }
            parsedValues = parsed.values
            if case .mapping(let pairs, _)? = node["listeners"] {
                for pair in pairs { listenerNodes[pair.key] = pair.value }
            }
        }
        func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : root + "/" + p }
        let admin = parsedValues["admin"]?.objectValue
        let http = parsedValues["http"]?.objectValue
        var proxy = OutboundProxy.direct
        switch http?["proxy"]?.stringValue ?? "direct" {
        case "direct": break
        case "environment": proxy.route = .environment
        case let url: proxy.route = .server(url)
        }
        proxy.noProxy = http?["no_proxy"]?.stringValue
        proxy.username = http?["proxy_username"]?.stringValue
        proxy.password = http?["proxy_password"]?.stringValue
        var config = GatewayConfig(
            projectDirectory: root,
            file: exists ? candidate : nil,
            storePath: resolve(parsedValues["store"]?.objectValue?["path"]?.stringValue ?? "data/huiliu.db"),
            dataDirectory: resolve(parsedValues["data_dir"]?.stringValue ?? "data"),
            timezone: parsedValues["timezone"]?.stringValue ?? "Asia/Shanghai",
            pipelinePatterns: parsedValues["pipelines"]?.arrayValue?.compactMap(\.stringValue) ?? ["pipelines/*.yaml"],
            secrets: SecretStore(secrets),
            configDirectory: root + "/config",
            adminAddress: admin?["address"]?.stringValue ?? "127.0.0.1",
            adminPort: admin?["port"]?.intValue ?? 8470,
            adminTokens: (admin?["tokens"]?.arrayValue ?? []).compactMap { token in
                guard let name = token["name"]?.stringValue, let value = token["token"]?.stringValue else { return nil }
                return AdminToken(name: name, token: value, canWrite: token["role"]?.stringValue == "write")
            },
            gracePeriod: PipelineLoader.duration(parsedValues["serve"]?["grace_period"]) ?? .seconds(30),
            listeners: listenerNodes,
            proxy: proxy)
        config.storeURL = parsedValues["store"]?.objectValue?["postgres"]?.stringValue
        if let keep = parsedValues["serve"]?["keep_runs"]?.stringValue {
            config.keepRuns = keep == "forever" ? nil : PipelineLoader.duration(.string(keep)) ?? config.keepRuns
        }
        return config
    }

    /// The secrets `section` names. A file that cannot be read is reported at `fileSetting`,
    /// where it is named (the file itself has no line to point at).
    static func loadSecrets(_ section: Object?, root: String, fileSetting: SourceLocation? = nil) throws(ConfigErrors) -> [String: String] {
        func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : root + "/" + p }
        var secrets: [String: String] = [:]
        if let file = section?["file"]?.stringValue {
            do throws(ConfigErrors) {
                secrets.merge(try loadSecretsFile(resolve(file)), uniquingKeysWith: { $1 })
            } catch {
                guard let fileSetting, error.errors.count == 1, error.errors[0].message.hasPrefix("cannot read secrets file") else { throw error }
                throw ConfigErrors([ConfigError(.unresolvedReference, at: fileSetting, "secrets.file: " + error.errors[0].message)])
            }
        }
        if let directory = section?["directory"]?.stringValue {
            secrets.merge(loadSecretsDirectory(resolve(directory)), uniquingKeysWith: { $1 })
        }
        return secrets
    }

    static func loadSecretsFile(_ path: String) throws(ConfigErrors) -> [String: String] {
        let node: ConfigNode
        do {
            node = try YAMLDocument.load(path: path)
        } catch {
            // A file that is not YAML says where; one that cannot be read says so at its start.
            guard error.problems.isEmpty else { throw ConfigErrors(error.problems) }
            throw ConfigErrors([ConfigError(.unresolvedReference, at: SourceLocation(file: path, line: 1, column: 1),
                                            "cannot read secrets file: \(error)")])
        }
        var result: [String: String] = [:]
        func walk(_ node: ConfigNode, prefix: String) {
            switch node {
            case .mapping(let pairs, _):
                for pair in pairs { walk(pair.value, prefix: prefix.isEmpty ? pair.key : prefix + "/" + pair.key) }
            case .scalar(let text, _, _):
                result[prefix] = text
            case .sequence:
                break
            }
        }
        walk(node, prefix: "")
        return result
    }

    /// Whether a PostgreSQL URL holds a password written out rather than through a reference:
    /// in its user info (`user:pw@`) or as a `password=` parameter. User info with a reference
    /// in it (`${env:PGUSER}@`, `user:${secret:pg/pw}@`) does not.
    /// `url` with what comes between `://` and the last `@` starred out.
    static func withoutUserinfo(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].lastIndex(of: "@") else { return url }
        return String(url[..<scheme.upperBound]) + "***" + url[at...]
    }

    static func writesOutItsPassword(_ url: String) -> Bool {
        if let query = url.firstMatch(of: /(?:^|[?&\s])password=([^&\s]*)/), !query.1.isEmpty, !query.1.hasPrefix("${") { return true }
        if let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].lastIndex(of: "@"),
           url[scheme.upperBound..<at].contains("${") {
            return false
        }
        return !(PostgresConnection.password(in: url) ?? "").isEmpty
    }

    static func loadSecretsDirectory(_ path: String) -> [String: String] {
        var result: [String: String] = [:]
        guard let enumerator = FileManager.default.enumerator(atPath: path) else { return result }
        for case let relative as String in enumerator {
            var isDirectory: ObjCBool = false
            let full = path + "/" + relative
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue,
                  let data = FileManager.default.contents(atPath: full) else { continue }
            result[relative] = String(decoding: data, as: UTF8.self).droppingTrailingLineBreaks
        }
        return result
    }

    /// The pipeline files the patterns match, sorted.
    /// Whether `path` is among ``pipelineFiles()``, however either spells it (`./pipelines/…`).
    public func readsPipelineFile(_ path: String, of files: [String]? = nil) -> Bool {
        func standard(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
        return (files ?? pipelineFiles()).contains { standard($0) == standard(path) }
    }

    public func pipelineFiles() -> [String] {
        var files: Set<String> = []
        for pattern in pipelinePatterns {
            let full = pattern.hasPrefix("/") ? pattern : projectDirectory + "/" + pattern
            files.formUnion(Glob.expand(full))
        }
        return files.sorted()
    }
}

/// Filename globbing through the C library.
public enum Glob {
    /// Paths matching `pattern`, sorted; none when nothing matches.
    public static func expand(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { result.gl_pathv[$0].map { String(cString: $0) } }.sorted()
    }
}
