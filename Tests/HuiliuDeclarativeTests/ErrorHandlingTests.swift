import Synchronization
import Foundation
import CoreMetrics
import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import HuiliuReplay
import MetricsTestKit
import Testing

/// Retries, Retry-After, rules mapping statuses and bodies to actions, the request budget
/// and the circuit breaker, against real loopback servers; every retry is counted.
struct ErrorHandlingTests {
    /// A generous timeout by default: under a loaded machine a 1 s timeout turns a slow 503 into a
    /// timeout, and the test would count the wrong kind of retry.
    static func connector(_ path: String, errors: String = "", extra: String = "", records: String = "items",
                          timeout: String = "10s") throws -> TestConnector {
        try TestConnector.make("""
            version: 1
            name: scenario
            summary: Scenario server.
            spec:
              base_url: { type: url, description: The server. }
              key: { type: string, description: Separates the tests' counters., default: "" }
            streams:
              items:
                request:
                  base_url: "{{ config.base_url }}"
                  path: \(path)
                  query: { key: "{{ config.key }}" }
                  timeout: \(timeout)
                records: "\(records)"
                errors:
                  initial_delay: 50ms
                  max_delay: 200ms
            \(errors)
            \(extra)
            """)
    }

    /// A SOAP stream at `path` of the scenario server.
    static func soapConnector(_ path: String, query: String = "{}", errors: String) throws -> TestConnector {
        try TestConnector.make("""
            version: 1
            name: soapy
            summary: SOAP scenarios.
            spec:
              base_url: { type: url, description: The server. }
            streams:
              items:
                request:
                  base_url: "{{ config.base_url }}"
                  path: \(path)
                  query: \(query)
                  soap: { action: "urn:get", body: "<get/>" }
                response: { format: soap }
                records: getResponse.item
                errors: \(errors)
            """, name: "soapy")
    }

    func read(_ connector: TestConnector, base: String, key: String) async throws -> Drained {
        try await drained(try connector.source("base_url: \(base)\nkey: \(key)", stream: "items"))
    }

    @Test func serviceUnavailableIsRetriedAndCounted() async throws {
        let server = try await ScenarioServer.get()
        let metrics = TestMetrics()
        let result = try await withMetricsFactory(metrics) {
            try await read(try Self.connector("/errors/flaky"), base: server.url, key: "retry-count")
        }
        #expect(result.records.count == 3)
        #expect(server.state.count("flaky-retry-count") == 3)
        let retries = try metrics.expectCounter("huiliu_upstream_retries_total",
                                                [("connector", "scenario"), ("stream", "items"), ("reason", "status_503")])
        #expect(retries.totalValue == 2)
        let ok = try metrics.expectTimer("huiliu_upstream_request_duration_seconds", [("connector", "scenario"), ("stream", "items"), ("status", "200")])
        #expect(ok.values.count == 1)
    }

    @Test func retryAfterIsHonoured() async throws {
        let server = try await ScenarioServer.get()
        let started = ContinuousClock.now
        let result = try await read(try Self.connector("/errors/throttled"), base: server.url, key: "after")
        #expect(result.records.count == 3)
        #expect(ContinuousClock.now - started >= .milliseconds(950), "waited the second Retry-After asked for, not the 50 ms back-off")
    }

    @Test func retryAfterOnServiceUnavailableIsHonoured() async throws {
        let server = try await ScenarioServer.get()
        let started = ContinuousClock.now
        let result = try await read(try Self.connector("/errors/unavailable"), base: server.url, key: "maintenance")
        #expect(result.records.count == 3)
        #expect(server.state.count("unavailable-maintenance") == 2)
        #expect(ContinuousClock.now - started >= .milliseconds(950), "waited the second a 503's Retry-After asked for")
    }

    @Test func aRetryAfterLongerThanAllowedFailsAtOnce() async throws {
        let server = try await ScenarioServer.get()
        let connector = try Self.connector("/errors/come-back-later", errors: "      max_retry_after: 2s")
        let started = ContinuousClock.now
        await #expect { _ = try await read(connector, base: server.url, key: "quota") } throws: { "\($0)".contains("HTTP 429") }
        #expect(server.state.count("later-quota") == 1, "not retried")
        #expect(ContinuousClock.now - started < .seconds(60), "did not wait the two minutes asked for")
    }

    @Test func statusRulesRetryFailOrAccept() async throws {
        let server = try await ScenarioServer.get()
        let rules = """
                  rules:
                    - { status: [409], action: retry }
                    - { status: [202], action: fail, message: "export not ready ({{ status }})" }
                    - { status: [404], action: success }
            """
        let connector = try Self.connector("/errors/status", errors: rules)
        let conflict = try await read(connector, base: server.url, key: "409-conflict")
        #expect(conflict.records.count == 3 && server.state.count("status-409-conflict") == 2, "409 was retried")
        await #expect { _ = try await read(connector, base: server.url, key: "202-accepted") } throws: {
            "\($0)".contains("export not ready (202)")
        }
        #expect(server.state.count("status-202-accepted") == 1, "a failing rule is not retried")
        let gone = try await read(connector, base: server.url, key: "404-gone")
        #expect(gone.records.count == 3, "a 404 treated as success yields its records")
    }

    @Test func persistentServerErrorsFailAfterTheAttempts() async throws {
        let server = try await ScenarioServer.get()
        let connector = try Self.connector("/errors/always", errors: "      attempts: 3")
        await #expect { _ = try await read(connector, base: server.url, key: "attempts") } throws: {
            "\($0)".contains("HTTP 500") && "\($0)".contains("after 3 attempts")
        }
        #expect(server.state.count("always-attempts") == 3)
    }

    /// A retry rule's message is the error once its attempts are spent, not a bare status.
    @Test func aRetryRuleSaysItsMessageWhenTheAttemptsAreSpent() async throws {
        let server = try await ScenarioServer.get()
        let connector = try Self.connector("/errors/always", errors: """
                  attempts: 2
                  rules:
                    - { status: [500], action: retry, message: "upstream down: {{ body.error }}" }
            """)
        await #expect { _ = try await read(connector, base: server.url, key: "retry-message") } throws: {
            "\($0)".contains("HTTP 500 from") && "\($0)".contains(": upstream down: down (after 2 attempts)")
        }
    }

    @Test func connectionResetsAreRetried() async throws {
        let python = try await PythonServer.get()
        let metrics = TestMetrics()
        let connector = try Self.connector("/reset", errors: "      attempts: 3")
        _ = await withMetricsFactory(metrics) {
            await #expect { _ = try await read(connector, base: python.url(), key: "reset") } throws: { "\($0)".contains("after 3 attempts") }
        }
        #expect(metrics.counters(label: "huiliu_upstream_retries_total").reduce(0) { $0 + $1.totalValue } == 2)
    }

    @Test func timeoutsAreRetriedThenFail() async throws {
        let python = try await PythonServer.get()
        let connector = try Self.connector("/slow", errors: "      attempts: 2", timeout: "1s")
        // The server answers after 2 s: only the 1 s timeout, on both attempts, turns that into an error.
        await #expect { _ = try await read(connector, base: python.url(), key: "slow") } throws: { "\($0)".contains("timed out") }
    }

    /// A read cancelled while its request waits (a run stopped by the daemon's shutdown) gives
    /// the request up instead of waiting for the answer, which comes after 2 s, and retrying.
    @Test func aCancelledReadGivesUpTheRequestInFlight() async throws {
        let python = try await PythonServer.get()
        let connector = try Self.connector("/slow", errors: "      attempts: 5", timeout: "30s")
        let reading = Task { try await read(connector, base: python.url(), key: "cancelled") }
        try await Task.sleep(for: .milliseconds(300))
        reading.cancel()
        let outcome = await reading.result
        #expect(throws: (any Error).self, "the answer was waited for") { try outcome.get() }
    }

    @Test func checkReportsTheFailingStep() async throws {
        let server = try await ScenarioServer.get()
        let good = await (try Self.connector("/errors/flaky").source("base_url: \(server.url)\nkey: check", stream: "items")).checkConnection()
        #expect(good.succeeded, "\(good)")
        #expect(good.description.contains("GET /errors/flaky?key=***: 3 records"))
        let bad = await (try Self.connector("/errors/missing").source("base_url: \(server.url)", stream: "items")).checkConnection()
        #expect(!bad.succeeded)
        #expect(bad.description.contains("FAIL request: scenario/items: HTTP 404"))
        // What the upstream said comes with the status: it tells a wrong path from a wrong key.
        #expect(bad.description.contains(#"HTTP 404 from "#) && bad.description.contains(#": {"error":"no such partition"}"#), "\(bad)")
        // A login page answered with 200 is named as one, not only as JSON that does not parse.
        let login = await (try Self.connector("/errors/login-page").source("base_url: \(server.url)", stream: "items")).checkConnection()
        #expect(login.description.contains("not valid JSON") && login.description.contains("(the answer is an HTML page titled '统一身份认证')"),
                "\(login)")
    }

    @Test func aRuleIgnoresNotFound() async throws {
        let server = try await ScenarioServer.get()
        let connector = try Self.connector("/errors/missing", errors: """
                  rules:
                    - { status: [404], action: ignore }
            """)
        let result = try await read(connector, base: server.url, key: "ignore")
        #expect(result.records.isEmpty)
    }

    @Test func bodyConditionsRetryOrFailWithTheirMessage() async throws {
        let server = try await ScenarioServer.get()
        let rules = """
                  rules:
                    - { when: "body.code == `1001`", action: retry }
                    - { when: "body.code != `0`", action: fail, message: "upstream said {{ body.code }}: {{ body.msg }}" }
            """
        let busy = try await read(try Self.connector("/errors/business", errors: rules), base: server.url, key: "busy")
        #expect(busy.records.count == 3, "code 1001 was retried")
        let connector = try TestConnector.make(try Self.connector("/errors/business", errors: rules).manifestText(fatal: true))
        await #expect { _ = try await read(connector, base: server.url, key: "fatal") } throws: {
            "\($0)".contains("upstream said 4003: 无权访问该数据")
        }
    }

    /// A rule on the body (`body.code != 0`) does not take a 503 away from the retry policy:
    /// an overloaded upstream's error body matches such a rule too.
    @Test func bodyRulesLeaveOverloadToTheRetryPolicy() async throws {
        let server = try await ScenarioServer.get()
        let rules = """
                  rules:
                    - { when: "body.code != `0`", action: fail, message: "upstream said {{ body.code }}" }
            """
        let result = try await read(try Self.connector("/errors/busy-body", errors: rules), base: server.url, key: "rule-503")
        #expect(result.records.count == 3)
        #expect(server.state.count("busy-body-rule-503") == 2)
    }

    @Test func theRequestBudgetSpacesRequests() async throws {
        let server = try await ScenarioServer.get()
        let connector = try TestConnector.make("""
            version: 1
            name: budgeted
            summary: Rate-limited.
            spec:
              base_url: { type: url, description: The server. }
            streams:
              items:
                request:
                  base_url: "{{ config.base_url }}"
                  path: /rate
                  query: { page: "{{ page.number }}", key: budget }
                records: items
                concurrency: 4
                paginate: { type: page_number, size: "1" }
                rate_limit: { requests: 2, per: 1s }
            """, name: "budgeted")
        let started = ContinuousClock.now
        let result = try await drained(try connector.source("base_url: \(server.url)", stream: "items"))
        #expect(result.records.count == 6)
        // 7 requests (the last finds the empty page) at 2 per second after a full bucket of 2: at least 2.5 s.
        #expect(ContinuousClock.now - started >= .milliseconds(2400))
    }

    @Test func theCircuitBreakerOpensAfterConsecutiveFailures() async throws {
        let server = try await ScenarioServer.get()
        let connector = try Self.connector("/errors/always", errors: "      attempts: 2",
                                           extra: "    circuit_breaker: { failures: 3, cool_down: 60s }")
        // Breakers are per host: use a host name of its own so other tests are not affected.
        let base = server.url.replacingOccurrences(of: "127.0.0.1", with: "localhost")
        await #expect(throws: ManifestRuntimeError.self) { _ = try await read(connector, base: base, key: "breaker") }
        await #expect(throws: ManifestRuntimeError.self) { _ = try await read(connector, base: base, key: "breaker") }
        let before = server.state.count("always-breaker")
        await #expect { _ = try await read(connector, base: base, key: "breaker") } throws: { "\($0)".contains("circuit breaker open") }
        #expect(server.state.count("always-breaker") == before, "an open breaker sends nothing")
    }

    /// After the cool-down, a trial answered with a 404 (the host is up) closes the breaker:
    /// the next run is not refused.
    @Test func aTrialThatGetsAnAnswerClosesTheBreaker() async throws {
        // A server of its own: breakers are per host and port, so this one is the test's alone.
        let server = try await ScenarioServer.start()
        let connector = try Self.connector("/errors/sequence", errors: "      attempts: 1",
                                           extra: "    circuit_breaker: { failures: 1, cool_down: 200ms }")
        await #expect(throws: ManifestRuntimeError.self) { _ = try await read(connector, base: server.url, key: "trial") }
        try await Task.sleep(for: .milliseconds(300))
        await #expect { _ = try await read(connector, base: server.url, key: "trial") } throws: { "\($0)".contains("HTTP 404") }
        let result = try await read(connector, base: server.url, key: "trial")
        #expect(result.records.count == 3)
        #expect(server.state.count("sequence-trial") == 3)
        await server.server.stop()
    }

    /// A SOAP server says "busy" with a Fault and HTTP 500: that is retried like any 5xx.
    @Test func aBusySOAPFaultIsRetried() async throws {
        let server = try await ScenarioServer.get()
        let connector = try Self.soapConnector("/soap/busy", query: "{ key: once }", errors: "{ initial_delay: 50ms }")
        let result = try await drained(try connector.source("base_url: \(server.url)", stream: "items"))
        #expect(result.records.count == 2)
        #expect(server.state.count("soap-busy-once") == 2)
    }

    /// A Client or Sender fault blames the request (a password, a parameter): sending it again
    /// fails again and may lock a service account, so it fails at once though it came with 500.
    @Test func aSenderSOAPFaultIsNotRetried() async throws {
        let server = try await ScenarioServer.get()
        let connector = try Self.soapConnector("/soap/sender-fault", query: "{ key: sender }", errors: "{ attempts: 4, initial_delay: 50ms }")
        await #expect { _ = try await drained(try connector.source("base_url: \(server.url)", stream: "items")) } throws: {
            "\($0)".contains("SOAP fault env:Sender: 参数错误") && !"\($0)".contains("attempts")
        }
        #expect(server.state.count("soap-sender-sender") == 1)
    }

    @Test func aSOAPFaultFailsWithTheFaultString() async throws {
        let server = try await ScenarioServer.get()
        let connector = try Self.soapConnector("/soap/fault", errors: "{ attempts: 2, initial_delay: 50ms }")
        await #expect { _ = try await drained(try connector.source("base_url: \(server.url)", stream: "items")) } throws: {
            "\($0)".contains("SOAP fault soap:Server: 数据库连接失败")
        }
    }

    /// The procuratorate API reports an outage with HTTP 200 and no `data`: the shipped
    /// connector fails the run with its message, where an empty page made it a success.
    @Test func theProcuratorateAPIsErrorAnsweredWith200FailsTheRun() async throws {
        let python = try await PythonServer.get()
        let connector = try TestConnector.shipped("procuratorate")
        let source = try connector.source("base_url: \(python.url())\napi_key: ${secret:k}", stream: "cases",
                                          context: connector.context(secrets: ["k": "procuratorate-key"]))
        await #expect { _ = try await drained(source) } throws: {
            "\($0)".contains("procuratorate/cases: HTTP 200 from ") && "\($0)".contains("the answer has no 'data' (no list of cases): 500 内部错误")
        }
    }

    /// So does the government platform's suggestions API, whose answer is a bare list: its
    /// error object was taken for one suggestion, a dead letter in a run that succeeded.
    @Test func theSuggestionsAPIsErrorAnsweredWith200FailsTheRun() async throws {
        let python = try await PythonServer.get()
        let connector = try TestConnector.shipped("government")
        let source = try connector.source("base_url: \(python.url())\nclient_id: huiliu\nclient_secret: ${secret:s}", stream: "suggestions",
                                          context: connector.context(secrets: ["s": "gov-secret"]))
        await #expect { _ = try await drained(source) } throws: {
            "\($0)".contains("government/suggestions: HTTP 200 from ") && "\($0)".contains("the answer is no list of suggestions: 500 内部错误")
        }
    }
}

extension TestConnector {
    /// This connector's manifest with `fatal=1` added to the query, for a variant of a scenario.
    func manifestText(fatal: Bool) throws -> String {
        let text = try String(contentsOfFile: manifest.directory + "/connector.yaml", encoding: .utf8)
        return text.replacingOccurrences(of: "query: { key: \"{{ config.key }}\" }", with: "query: { key: \"{{ config.key }}\", fatal: \"1\" }")
    }
}
