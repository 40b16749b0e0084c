import Foundation
import HuiliuCore
import HuiliuTransport
import Synchronization
import Testing

@Suite("OAuth2 client-credentials tokens")
struct TokenProviderTests {
    let client = HTTPClient()

    /// A clock the test moves by hand.
    final class ManualClock: Sendable {
        private let start = ContinuousClock.now
        private let offset = Mutex<Duration>(.zero)
        func advance(by duration: Duration) { offset.withLock { $0 += duration } }
        var now: @Sendable () -> ContinuousClock.Instant { { [self] in start + offset.withLock { $0 } } }
    }

    func provider(_ server: TestServer, clientID: String, query: String = "", clock: ManualClock? = nil,
                  change: (inout TokenProvider.Configuration) -> Void = { _ in },
                  onRefresh: (@Sendable (AccessToken) -> Void)? = nil) -> TokenProvider {
        var configuration = TokenProvider.Configuration(tokenURL: server.url("/oauth/token" + query), clientID: clientID,
                                                        clientSecret: "client-secret", scope: "read")
        change(&configuration)
        var now: @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
        if let clock { now = clock.now }
        return TokenProvider(client: client, configuration: configuration, now: now, onRefresh: onRefresh)
    }

    func issued(_ server: TestServer, _ clientID: String) async throws -> Int {
        try await client.execute(HTTPRequest(url: server.url("/oauth/count?client=\(clientID)"))).json()["count"]?.intValue ?? -1
    }

    static func uniqueID() -> String { "client-\(UUID().uuidString.prefix(8))" }

    @Test func cachesTheToken() async throws {
        let server = try await TestServer.get()
        let id = Self.uniqueID()
        let tokens = provider(server, clientID: id)
        let first = try await tokens.token()
        let second = try await tokens.token()
        #expect(first == second)
        #expect(first.value == "\(id)-token-1")
        #expect(first.authorization == "Bearer \(id)-token-1")
        #expect(first.scope == "read")
        #expect(!String(describing: first).contains(first.value))
        #expect(try await issued(server, id) == 1)
    }

    @Test func concurrentCallersShareOneFetch() async throws {
        let server = try await TestServer.get()
        let id = Self.uniqueID()
        let tokens = provider(server, clientID: id, query: "?delay=0.3")
        let values = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<10 { group.addTask { try await tokens.token().value } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(values == ["\(id)-token-1"])
        #expect(try await issued(server, id) == 1)
    }

    @Test func refetchesBeforeExpiry() async throws {
        let server = try await TestServer.get()
        let id = Self.uniqueID()
        let clock = ManualClock()
        let tokens = provider(server, clientID: id, query: "?expires_in=120", clock: clock)
        _ = try await tokens.token()
        clock.advance(by: .seconds(59))
        #expect(try await tokens.token().value == "\(id)-token-1")
        clock.advance(by: .seconds(2))  // 61 s: inside the 60 s refresh margin of a 120 s token
        #expect(try await tokens.token().value == "\(id)-token-2")
    }

    /// A token shorter-lived than twice the margin is kept for half its life, not fetched again
    /// for every request.
    @Test func aShortLivedTokenIsKeptForHalfItsLife() async throws {
        let server = try await TestServer.get()
        let id = Self.uniqueID()
        let clock = ManualClock()
        let tokens = provider(server, clientID: id, query: "?expires_in=30", clock: clock)
        _ = try await tokens.token()
        clock.advance(by: .seconds(14))
        #expect(try await tokens.token().value == "\(id)-token-1")
        clock.advance(by: .seconds(2))
        #expect(try await tokens.token().value == "\(id)-token-2")
    }

    @Test func refreshAfter401HappensOnce() async throws {
        let server = try await TestServer.get()
        let id = Self.uniqueID()
        let refreshed = Mutex(0)
        let tokens = provider(server, clientID: id, onRefresh: { _ in refreshed.withLock { $0 += 1 } })
        let rejected = try await tokens.token()
        let a = try await tokens.refresh(replacing: rejected)
        let b = try await tokens.refresh(replacing: rejected)  // a second 401 with the old token
        #expect(a.value == "\(id)-token-2")
        #expect(a == b)
        #expect(try await issued(server, id) == 2)
        #expect(refreshed.withLock { $0 } == 2)
        await tokens.invalidate()
        #expect(try await tokens.token().value == "\(id)-token-3")
    }

    @Test func credentialsInTheBody() async throws {
        let server = try await TestServer.get()
        let id = Self.uniqueID()
        let tokens = provider(server, clientID: id) { $0.credentialsInHeader = false }
        #expect(try await tokens.token().value == "\(id)-token-1")
    }

    @Test func rejectedCredentialsSayWhy() async throws {
        let server = try await TestServer.get()
        let tokens = provider(server, clientID: Self.uniqueID()) { $0.clientSecret = "wrong" }
        let error = await #expect(throws: TransportError.self) { try await tokens.token() }
        #expect(error?.code == .httpStatus)
        #expect(error?.status == 401)
        #expect(error?.message.contains("invalid_client (bad credentials)") == true)
    }

    /// A token request whose waiter is cancelled (its run stopped) is given up, not waited out:
    /// the endpoint answers after 2 s, with no token in it, which would be a different error.
    @Test func aCancelledWaiterGivesUpTheTokenRequest() async throws {
        let server = try await TestServer.get()
        let tokens = TokenProvider(client: client, configuration: .init(tokenURL: server.url("/slow"), clientID: "x", clientSecret: "y"))
        let waiting = Task { try await tokens.token() }
        try await Task.sleep(for: .milliseconds(300))
        waiting.cancel()
        let error = await #expect(throws: TransportError.self) { try await waiting.value }
        #expect(error?.code == .cancelled, "\(String(describing: error))")
        // Shared with another pipeline's request that still waits, the token request goes on.
        let shared = TokenProvider(client: client, configuration: .init(tokenURL: server.url("/slow"), clientID: "x", clientSecret: "y"))
        let stopped = Task { try await shared.token() }, going = Task { try await shared.token() }
        try await Task.sleep(for: .milliseconds(300))
        stopped.cancel()
        let answered = await #expect(throws: TransportError.self) { try await going.value }
        #expect(answered?.code == .invalidResponse, "the answer came, without a token: \(String(describing: answered))")
    }

    @Test func responseWithoutTokenIsInvalid() async throws {
        let server = try await TestServer.get()
        var configuration = TokenProvider.Configuration(tokenURL: server.url("/json"), clientID: "x", clientSecret: "y")
        configuration.refreshMargin = .zero
        let tokens = TokenProvider(client: client, configuration: configuration)
        let error = await #expect(throws: TransportError.self) { try await tokens.token() }
        #expect(error?.code == .invalidResponse)
    }
}
