import Foundation
import HuiliuCore
import HuiliuEngine
import HuiliuKit
import Testing

/// `config/huiliu.yaml` settings that reach connectors.
struct GatewayConfigTests {
    func load(_ yaml: String, secrets: String = "proxy: s3cret pass\n") throws -> GatewayConfig {
        let directory = NSTemporaryDirectory() + "huiliu-gateway-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/config", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try secrets.write(toFile: directory + "/config/secrets.yaml", atomically: true, encoding: .utf8)
        try ("version: 1\nsecrets: { file: config/secrets.yaml }\n" + yaml)
            .write(toFile: directory + "/config/huiliu.yaml", atomically: true, encoding: .utf8)
        return try GatewayConfig.load(path: directory + "/config/huiliu.yaml")
    }

    /// Printed whole (a debug log line describing a service that holds it, a `dump`), the
    /// configuration shows no secret, token or store password.
    @Test func aPrintedConfigurationShowsNoSecret() throws {
        let config = try load("""
            store: { postgres: "postgresql://huiliu:${secret:proxy}@127.0.0.1/hstate" }
            admin: { tokens: [{ name: ops, token: "${secret:proxy}", role: write }] }
            """)
        var dumped = ""
        dump(config, to: &dumped)
        for text in [String(describing: config), String(reflecting: config), dumped, String(describing: config.secrets),
                     String(reflecting: config.adminTokens), "\(config.adminTokens)"] {
            #expect(!text.contains("s3cret"), "\(text)")
        }
        #expect("\(config.adminTokens)".contains("AdminToken(ops, write)"))
    }

    /// The shared store's URL may not hold its password written out, as no credential may.
    @Test func aStoreURLWithAWrittenOutPasswordIsRefused() throws {
        #expect { _ = try load("store: { postgres: \"postgresql://huiliu:s3cr3tPW@127.0.0.1/hstate\" }\n") } throws: {
            "\($0)".contains("store.postgres holds its password written out; write it as a reference") && !"\($0)".contains("s3cr3tPW")
        }
        #expect(try load("store: { postgres: \"postgresql://huiliu:${secret:proxy}@127.0.0.1/hstate\" }\n").storeURL != nil)
        #expect(try load("store: { postgres: \"postgresql://huiliu@127.0.0.1/hstate\" }\n").storeURL != nil)
        // A referenced user name is not a password; a password in the query or with a `?` in it is one.
        #expect(try load("store: { postgres: \"postgresql://${secret:proxy}@127.0.0.1/hstate\" }\n").storeURL != nil)
        for written in ["postgresql://huiliu@127.0.0.1/hstate?password=hunter22", "postgresql://huiliu:Xk9?Tz#q7@127.0.0.1/hstate"] {
            #expect(throws: ConfigErrors.self, "\(written)") { _ = try load("store: { postgres: \"\(written)\" }\n") }
        }
    }

    /// A secret file's trailing line break is not part of the secret, CR LF (a file saved on
    /// Windows) included, in a secrets directory and through `${file:…}` alike.
    @Test func secretFilesLoseTheirTrailingLineBreaks() throws {
        let directory = NSTemporaryDirectory() + "huiliu-gateway-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/config/secrets/platform", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "tok-1\r\n".write(toFile: directory + "/config/secrets/platform/token", atomically: true, encoding: .utf8)
        try "tok-2\n\n".write(toFile: directory + "/config/secrets/plain", atomically: true, encoding: .utf8)
        try "version: 1\nsecrets: { directory: config/secrets }\n".write(toFile: directory + "/config/huiliu.yaml", atomically: true, encoding: .utf8)
        let gateway = try GatewayConfig.load(path: directory + "/config/huiliu.yaml")
        #expect(gateway.secrets.secret("platform/token")?.value == "tok-1")
        #expect(gateway.secrets.secret("plain")?.value == "tok-2")
        var problems: [ConfigError] = []
        let expansion = ReferenceResolver(environment: [:], secrets: gateway.secrets).expand("Bearer ${file:config/secrets/platform/token}",
                                                                   at: SourceLocation(file: "p.yaml", line: 1, column: 1),
                                                                   relativeTo: directory, problems: &problems)
        #expect(problems.isEmpty && expansion.text == "Bearer tok-1")
        // Filled in through ${file:…} rather than ${secret:…}, a store secret is still one:
        // printed text that quotes it is scrubbed.
        #expect(expansion.secretValues == ["tok-1"])
        #expect(gateway.secrets.scrub("got 'tok-1'") == "got '***'")
    }

    /// A repeated key is said where it is: in the secrets file at its own place, and in the
    /// gateway file together with the secrets problem a second `secrets:` may be meant to fix.
    @Test func repeatedKeysAreSaidWhereTheyAre() throws {
        let directory = NSTemporaryDirectory() + "huiliu-gateway-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/config", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "a:\n  x: 1\n  x: 2\n".write(toFile: directory + "/config/s.yaml", atomically: true, encoding: .utf8)
        try "secrets: { file: config/s.yaml }\n".write(toFile: directory + "/config/huiliu.yaml", atomically: true, encoding: .utf8)
        #expect { _ = try GatewayConfig.load(path: directory + "/config/huiliu.yaml") } throws: { error in
            (error as? ConfigErrors)?.errors.map(\.description) == [directory + "/config/s.yaml:3:3: duplicate key 'x': already given at 2:3 in this mapping; remove or rename one"]
        }
        try "secrets: { file: config/old.yaml }\nsecrets: { file: config/s.yaml }\n"
            .write(toFile: directory + "/config/huiliu.yaml", atomically: true, encoding: .utf8)
        #expect { _ = try GatewayConfig.load(path: directory + "/config/huiliu.yaml") } throws: { error in
            let messages = (error as? ConfigErrors)?.errors.map(\.description) ?? []
            return messages.contains { $0.contains("huiliu.yaml:2:1: duplicate key 'secrets'") } && messages.contains { $0.contains("old.yaml") }
        }
    }

    /// A secrets file that cannot be read is said with the config's other problems, and the
    /// references it would have resolved are not said to be missing as well.
    @Test func anUnreadableSecretsFileIsSaidWithTheRest() throws {
        let directory = NSTemporaryDirectory() + "huiliu-gateway-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/config", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
            secrets: { file: config/nosuch.yaml }
            timezon: Asia/Shanghai
            admin: { tokens: [ { name: ops, token: "${secret:admin/operator}", role: write } ] }

            """.write(toFile: directory + "/config/huiliu.yaml", atomically: true, encoding: .utf8)
        #expect { _ = try GatewayConfig.load(path: directory + "/config/huiliu.yaml") } throws: { error in
            let errors = (error as? ConfigErrors)?.errors ?? []
            let messages = errors.map(\.message)
            // Said where the file is named: the file has no line to point at.
            let unreadable = errors.first { $0.message.hasPrefix("secrets.file: cannot read secrets file") }
            return messages.count == 2 && unreadable?.location.file.hasSuffix("config/huiliu.yaml") == true
                && unreadable?.location.line == 1 && unreadable?.location.column == 18
                && messages.contains { $0.hasPrefix("unknown key 'timezon'") }
        }
    }

    /// Run records are kept 400 days unless told otherwise; `forever` keeps them all.
    @Test func runHistoryIsKeptFourHundredDaysByDefault() throws {
        #expect(try load("").keepRuns == .seconds(400 * 86_400))
        #expect(try load("serve: { keep_runs: 90d }\n").keepRuns == .seconds(90 * 86_400))
        #expect(try load("serve: { keep_runs: forever }\n").keepRuns == nil)
        #expect { _ = try load("serve: { keep_runs: 5m }\n") } throws: {
            "\($0)".contains("serve.keep_runs is a duration of a day or more (such as 400d or 90d), or forever; got '5m'")
        }
    }

    @Test func connectorsGoDirectUnlessToldOtherwise() throws {
        #expect(try load("").proxy == .direct)
        #expect(try load("http: { proxy: environment }").proxy.route == .environment)
    }

    @Test func aProxyServerWithCredentialsAndExceptions() throws {
        let proxy = try load("""
            http:
              proxy: http://proxy.gov.internal:3128
              no_proxy: 127.0.0.1,.gov.internal
              proxy_username: huiliu
              proxy_password: ${secret:proxy}
            """).proxy
        #expect(proxy == OutboundProxy(.server("http://proxy.gov.internal:3128"), noProxy: "127.0.0.1,.gov.internal",
                                       username: "huiliu", password: "s3cret pass"))
    }

    @Test func aProxyThatIsNotAURLIsRefusedWhereItIsWritten() throws {
        #expect {
            _ = try load("http:\n  proxy: proxy.gov.internal:3128\n")
        } throws: { error in
            "\(error)".contains("huiliu.yaml:4:10") && "\(error)".contains("http.proxy is direct, environment, or a proxy URL")
        }
    }

    /// The proxy URL may come from a secret or the environment, as every setting may; a URL
    /// mistyped is quoted without its user info; a password written out is refused as the
    /// store's is.
    @Test func aProxyURLFromASecretIsTakenAndItsPasswordIsNeverQuoted() throws {
        #expect(try load("http: { proxy: \"${secret:proxyurl}\" }", secrets: "proxyurl: http://huiliu:pw-in-url@proxy.gov.internal:3128\n").proxy.route == .server("http://huiliu:pw-in-url@proxy.gov.internal:3128"))
        #expect {
            _ = try load("http:\n  proxy: htp://huiliu:LiteralPw0@127.0.0.1:3128\n")
        } throws: { error in
            "\(error)".contains("got 'htp://***@127.0.0.1:3128'") && !"\(error)".contains("LiteralPw0")
        }
        #expect {
            _ = try load("http:\n  proxy: http://huiliu:LiteralPw0@127.0.0.1:3128\n")
        } throws: { error in
            "\(error)".contains("http.proxy holds its password written out") && !"\(error)".contains("LiteralPw0")
        }
    }

    /// A misspelt time zone is an error where it is written, not a silent fall back to the
    /// machine's zone (schedules eight hours off).
    @Test func anUnknownTimeZoneIsRefused() throws {
        #expect(try load("timezone: Asia/Shanghai\n").timezone == "Asia/Shanghai")
        #expect { _ = try load("timezone: Asia/Shangai\n") } throws: { error in
            "\(error)".contains("huiliu.yaml:3:11") && "\(error)".contains("got 'Asia/Shangai'")
        }
    }

    /// A setting filled from a secret that fails its check names the reference, not the value.
    @Test func errorsNeverShowASecretsValue() throws {
        let yaml = "admin:\n  tokens:\n    - { name: ops, token: \"${secret:proxy}\", role: \"${secret:proxy}\" }\n"
        #expect { _ = try load(yaml) } throws: { error in
            "\(error)".contains("'role' must be one of read, write; got '${secret:proxy}'") && !"\(error)".contains("s3cret")
        }
    }
}
