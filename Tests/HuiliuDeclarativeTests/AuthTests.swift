import Synchronization
import Foundation
import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import HuiliuTransport
import Testing
@testable import HuiliuTestSupport

/// Every auth scheme against a real loopback server that checks it.
struct AuthTests {
    static func connector(auth: String, path: String, records: String = "items", spec: String = "",
                          request: String = "") throws -> TestConnector {
        try TestConnector.make("""
            version: 1
            name: scenario
            summary: Scenario server.
            spec:
              base_url: { type: url, description: The server. }
              secret: { type: secret, description: A credential., optional: true }
            \(spec)
            streams:
              items:
                request:
                  base_url: "{{ config.base_url }}"
                  path: \(path)
            \(request)
                auth:
            \(auth)
                records: "\(records)"
            """)
    }

    /// HMAC-SM3 signing in the query, under the `secret` field.
    static let sm3InQuery = """
              type: signature
              app_key: demo
              secret: "{{ config.secret }}"
              algorithm: hmac-sm3
              location: query
        """

    @Test func apiKeyInAHeader() async throws {
        let server = try await ScenarioServer.get()
        let connector = try Self.connector(auth: "      type: api_key\n      header: X-Api-Key\n      value: \"{{ config.secret }}\"",
                                           path: "/auth/header-key")
        let source = try connector.source("base_url: \(server.url)\nsecret: ${secret:key}", stream: "items",
                                          context: connector.context(secrets: ["key": ScenarioServer.apiKey]))
        #expect(try await drained(source).records.count == 2)
    }

    @Test func apiKeyInTheQuery() async throws {
        let server = try await ScenarioServer.get()
        let connector = try Self.connector(auth: "      type: api_key\n      query: api_key\n      value: \"{{ config.secret }}\"",
                                           path: "/auth/query-key")
        let source = try connector.source("base_url: \(server.url)\nsecret: ${secret:key}", stream: "items",
                                          context: connector.context(secrets: ["key": ScenarioServer.apiKey]))
        #expect(try await drained(source).records.count == 2)
    }

    /// A key in a query parameter of any name stays out of error messages: the name `ak` is
    /// not one a redactor would guess, but the value is the connector's secret.
    @Test func aQueryKeyNeverAppearsInErrors() async throws {
        let server = try await ScenarioServer.get()
        let connector = try Self.connector(auth: "      type: api_key\n      query: ak\n      value: \"{{ config.secret }}\"",
                                           path: "/errors/missing")
        let source = try connector.source("base_url: \(server.url)\nsecret: ${secret:key}", stream: "items",
                                          context: connector.context(secrets: ["key": "SUPERSECRETKEY123"]))
        await #expect { _ = try await drained(source) } throws: { error in
            let text = "\(error)"
            return text.contains("HTTP 404") && text.contains("ak=***") && !text.contains("SUPERSECRETKEY123")
        }
    }

    @Test func bearerToken() async throws {
        let server = try await ScenarioServer.get()
        let connector = try Self.connector(auth: "      type: bearer\n      token: \"{{ config.secret }}\"", path: "/auth/bearer")
        let source = try connector.source("base_url: \(server.url)\nsecret: ${secret:token}", stream: "items",
                                          context: connector.context(secrets: ["token": ScenarioServer.token]))
        #expect(try await drained(source).records.count == 2)
        let wrong = try connector.source("base_url: \(server.url)\nsecret: ${secret:token}", stream: "items",
                                         context: connector.context(secrets: ["token": "wrong"]))
        await #expect(throws: ManifestRuntimeError.self) { _ = try await drained(wrong) }
    }

    @Test func basicCredentials() async throws {
        let python = try await PythonServer.get()
        let connector = try Self.connector(auth: "      type: basic\n      username: alice\n      password: \"{{ config.secret }}\"",
                                           path: "/basic", records: "@")
        let source = try connector.source("base_url: \(python.url())\nsecret: ${secret:pw}", stream: "items",
                                          context: connector.context(secrets: ["pw": "s3cret"]))
        #expect(try await drained(source).records.first?.data["user"] == "alice")
    }

    /// An upstream that echoes the request's Authorization header quotes Basic credentials
    /// base64-encoded; a secret filled into a field the manifest does not type as secret (a
    /// key in `base_url`) is masked too.
    @Test func echoedBasicCredentialsAndSecretsInPlainFieldsAreMasked() async throws {
        let python = try await PythonServer.get()
        let connector = try Self.connector(auth: "      type: basic\n      username: alice\n      password: \"{{ config.secret }}\"",
                                           path: "/nowhere?echo=1", records: "@")
        let source = try connector.source("base_url: \(python.url())/k/${secret:path}\nsecret: ${secret:pw}", stream: "items",
                                          context: connector.context(secrets: ["pw": "s3cret-pw", "path": "PATHKEY-77"]))
        await #expect { _ = try await drained(source) } throws: { error in
            let text = "\(error)"
            return text.contains("404") && text.contains("no route /k/***/nowhere") && !text.contains(Base64.encode(Array("alice:s3cret-pw".utf8))) && !text.contains("PATHKEY-77")
                && !text.contains("s3cret-pw")
        }
    }

    /// An answer quoting the credential back in JSON escapes it (`\\` for `\`, `\"` for `"`);
    /// that form is masked too, and before the answer is cut for the message, so a credential
    /// at the cut leaves no start of it behind.
    @Test(arguments: [0, 140])
    func aCredentialTheAnswerQuotesEscapedOrAtTheCutIsMasked(padding: Int) async throws {
        let python = try await PythonServer.get()
        let token = #"tok\en"42-abcdefghijklmnop"#
        let connector = try Self.connector(auth: "      type: bearer\n      token: \"{{ config.secret }}\"",
                                           path: "/nowhere\(String(repeating: "x", count: padding))?echo=1", records: "@")
        let source = try connector.source("base_url: \(python.url())\nsecret: ${secret:t}", stream: "items",
                                          context: connector.context(secrets: ["t": token]))
        await #expect { _ = try await drained(source) } throws: { error in
            let text = "\(error)"
            return text.contains("HTTP 404") && !text.contains("tok\\") && !text.contains("abcdefghijklmnop") && !text.contains("tok\\\\en")
                && (padding > 0 || text.contains(#""auth":"Bearer ***""#))
        }
    }

    /// A signature sent in the query under the connector's own name (`checksum`, which no
    /// list of usual names holds) is masked in errors as `sign` is.
    @Test func aSignatureUnderItsOwnQueryNameIsMaskedInErrors() async throws {
        let python = try await PythonServer.get()
        let connector = try Self.connector(auth: Self.sm3InQuery + "\n      names: { app_key: appid, timestamp: ts, nonce: nonce, signature: checksum }",
                                           path: "/status-echo?code=401", records: "@")
        let source = try connector.source("base_url: \(python.url())\nsecret: ${secret:s}", stream: "items",
                                          context: connector.context(secrets: ["s": "test-secret"]))
        await #expect { _ = try await drained(source) } throws: { error in
            let text = "\(error)"
            // In the URL and in the answer that quotes the query back.
            return text.contains("HTTP 401") && text.contains("checksum=***") && text.contains("ts=")
                && !text.contains(#/checksum=[0-9a-f]{16}/#)
        }
    }

    @Test func oauth2TokensAreCachedAndRefreshedOn401() async throws {
        let server = try await ScenarioServer.get()
        let connector = try Self.connector(auth: """
                  type: oauth2
                  token_url: "{{ config.base_url }}/oauth/token"
                  client_id: scenario-client
                  client_secret: "{{ config.secret }}"
            """, path: "/oauth/items")
        let context = connector.context(secrets: ["s": "scenario-secret"])
        let config = "base_url: \(server.url)\nsecret: ${secret:s}"
        #expect(try await drained(try connector.source(config, stream: "items", context: context)).records.count == 3)
        let issued = server.state.tokens.withLock { $0.issued }
        #expect(try await drained(try connector.source(config, stream: "items", context: context)).records.count == 3)
        #expect(server.state.tokens.withLock { $0.issued } == issued, "a live token is reused")
        // The platform forgets every token: the next request meets 401, gets a new token, and succeeds.
        _ = try await HTTPClient().execute(HTTPRequest(method: .post, url: server.url + "/oauth/revoke"))
        #expect(try await drained(try connector.source(config, stream: "items", context: context)).records.count == 3)
        #expect(server.state.tokens.withLock { $0.issued } == issued + 1)
    }

    /// A token endpoint answering 503 is retried like the API behind it; one that keeps
    /// answering so fails the run naming the stream.
    @Test func aBusyTokenEndpointIsRetried() async throws {
        let python = try await PythonServer.get()
        func connector(busy: Int, client: String, path: String = "/echo", records: String = "@") throws -> TestConnector {
            try Self.connector(auth: """
                      type: oauth2
                      token_url: "\(python.url("/oauth/token?busy=\(busy)"))"
                      client_id: \(client)
                      client_secret: "{{ config.secret }}"
                """, path: path, records: records, request: "    errors: { attempts: 3, initial_delay: 20ms, max_delay: 50ms }")
        }
        let client = "busy-\(UUID().uuidString.prefix(8))"
        let patient = try connector(busy: 2, client: client)
        let records = try await drained(try patient.source("base_url: \(python.url())\nsecret: ${secret:s}", stream: "items",
                                                           context: patient.context(secrets: ["s": "client-secret"]))).records
        #expect(records.first?.data["headers"]?.arrayValue?.contains(["Authorization", .string("Bearer \(client)-token-1")]) == true)

        let hopeless = try connector(busy: 9, client: "hopeless-\(UUID().uuidString.prefix(8))")
        await #expect { _ = try await drained(try hopeless.source("base_url: \(python.url())\nsecret: ${secret:s}", stream: "items",
                                                               context: hopeless.context(secrets: ["s": "client-secret"]))) } throws: { error in
            "\(error)".hasPrefix("scenario/items: the access token request failed: ") && "\(error)".contains("503")
                && "\(error)".hasSuffix("(after 3 attempts)")
        }

        // An API quoting the Authorization header it was sent does not show the access token.
        let quoting = try connector(busy: 0, client: client, path: "/nowhere?echo=1")
        await #expect { _ = try await drained(try quoting.source("base_url: \(python.url())\nsecret: ${secret:s}", stream: "items",
                                                              context: quoting.context(secrets: ["s": "client-secret"]))) } throws: { error in
            "\(error)".contains("404") && "\(error)".contains("Bearer ***") && !"\(error)".contains("\(client)-token")
        }
        // … nor one quoting it in an error answered with HTTP 200.
        let twoHundred = try connector(busy: 0, client: client, path: "/quote-auth", records: "data.list")
        await #expect { _ = try await drained(try twoHundred.source("base_url: \(python.url())\nsecret: ${secret:s}", stream: "items",
                                                                 context: twoHundred.context(secrets: ["s": "client-secret"]))) } throws: { error in
            "\(error)".contains("the response has no 'data.list'") && "\(error)".contains("Bearer ***") && !"\(error)".contains("\(client)-token")
        }
    }

    @Test func hmacSM3SignatureInHeadersIsAcceptedByTheBudgetNetwork() async throws {
        let url = try await SimulatorServer.url()
        let connector = try TestConnector.shipped("budget-network")
        let source = try connector.source("base_url: \(url)\napp_key: demo-app-key\napp_secret: ${secret:app}", stream: "payments",
                                          context: connector.context(secrets: ["app": "demo-app-secret-not-for-production"]))
        let result = try await drained(source)
        #expect(result.records.count == 300)
        #expect(result.records.first?.type == "budget.payment.v1")
        let wrong = try connector.source("base_url: \(url)\napp_key: demo-app-key\napp_secret: ${secret:app}", stream: "payments",
                                         context: connector.context(secrets: ["app": "not-the-secret"]))
        await #expect { _ = try await drained(wrong) } throws: { "\($0)".contains("the gateway refused the signature: 签名错误") }
    }

    @Test func hmacSM3SignatureInTheQueryMatchesAnIndependentImplementation() async throws {
        let python = try await PythonServer.get()
        let connector = try Self.connector(auth: Self.sm3InQuery, path: "/verify/query-hmac-sm3", records: "@",
                                           request: "      query: { region: \"421100\", 名称: 黄冈 }")
        let source = try connector.source("base_url: \(python.url())\nsecret: ${secret:s}", stream: "items",
                                          context: connector.context(secrets: ["s": "test-secret"]))
        #expect(try await drained(source).records.first?.data["ok"] == true)
    }

    @Test func hmacSHA256SignatureOverAJSONBodyWithACustomCanonicalString() async throws {
        // The gateway pattern of domain.md §7.2 with its own canonical string and header names,
        // over a JSON body built from templates: the server recomputes all of it independently.
        let python = try await PythonServer.get()
        let connector = try Self.connector(auth: """
                  type: signature
                  app_key: app-2
                  secret: "{{ config.secret }}"
                  algorithm: hmac-sha256
                  encoding: base64
                  canonical: "{method}\\n{path}\\n{query}\\n{bodyDigest}\\n{appKey}\\n{timestamp}\\n{nonce}"
                  names: { app_key: X-Ca-Key, timestamp: X-Ca-Timestamp, nonce: X-Ca-Nonce, signature: X-Ca-Signature }
            """, path: "/verify/header-sha256", records: "@", spec: "  uscc: { type: string, description: A credit code. }", request: """
                  method: POST
                  query: { page: "2", size: "50" }
                  json: { 统一社会信用代码: "{{ config.uscc }}", 区划: ["421100", "421181"] }
            """)
        let source = try connector.source("base_url: \(python.url())\nsecret: ${secret:s}\nuscc: 91420100MA4KXXXX0X", stream: "items",
                                          context: connector.context(secrets: ["s": "test-secret"]))
        #expect(try await drained(source).records.first?.data["ok"] == true)
        let wrong = try connector.source("base_url: \(python.url())\nsecret: ${secret:s}\nuscc: 91420100MA4KXXXX0X", stream: "items",
                                         context: connector.context(secrets: ["s": "not-the-secret"]))
        await #expect { _ = try await drained(wrong) } throws: { "\($0)".contains("HTTP 401") }
    }

    /// OAuth2 token requests go out with the stream's `request.tls` too (a private CA, a client
    /// certificate), whose relative paths are the project's: token requests used the system's
    /// CAs and no certificate, and the paths were taken from the working directory.
    @Test func oauth2TokenRequestsUseTheStreamsTLSAndItsPathsAreTheProjects() async throws {
        let python = try await PythonServer.get()
        let client = "tls-\(UUID().uuidString.prefix(8))"
        let connector = try Self.connector(auth: """
                  type: oauth2
                  token_url: "{{ config.base_url }}/oauth/token"
                  client_id: \(client)
                  client_secret: "{{ config.secret }}"
            """, path: "/echo", records: "@", request: """
                  tls: { ca_bundle: tls/ca.pem, client_certificate: tls/client.pem, client_key: tls/client.key }
            """)
        try FileManager.default.createDirectory(atPath: connector.project + "/tls", withIntermediateDirectories: true)
        for (file, from) in [("ca.pem", python.tls.caCertificate), ("client.pem", python.tls.clientCertificate), ("client.key", python.tls.clientKey)] {
            try FileManager.default.copyItem(atPath: from, toPath: connector.project + "/tls/" + file)
        }
        let source = try connector.source("base_url: \(python.mtlsURL())\nsecret: ${secret:s}", stream: "items",
                                          context: connector.context(secrets: ["s": "client-secret"]))
        let records = try await drained(source).records
        #expect(records.first?.data["headers"]?.arrayValue?.contains(["Authorization", .string("Bearer \(client)-token-1")]) == true)
    }

    @Test func mutualTLSPresentsTheClientCertificate() async throws {
        let python = try await PythonServer.get()
        let connector = try Self.connector(auth: "      type: none", path: "/echo", records: "@", spec: """
              ca: { type: path, description: CA bundle. }
              cert: { type: path, description: Client certificate., optional: true }
              key: { type: path, description: Client key., optional: true }
            """, request: """
                  tls:
                    ca_bundle: "{{ config.ca }}"
                    client_certificate: "{{ config.cert }}"
                    client_key: "{{ config.key }}"
            """)
        let tls = python.tls
        let source = try connector.source("base_url: \(python.mtlsURL())\nca: \(tls.caCertificate)\ncert: \(tls.clientCertificate)\nkey: \(tls.clientKey)",
                                          stream: "items")
        #expect(try await drained(source).records.first?.data["path"] == "/echo")
        let anonymous = try connector.source("base_url: \(python.mtlsURL())\nca: \(tls.caCertificate)", stream: "items")
        await #expect { _ = try await drained(anonymous) } throws: { "\($0)".contains("TLS") || "\($0)".contains("connection") }
    }
}
