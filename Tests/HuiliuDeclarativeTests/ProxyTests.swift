import Foundation
import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import Testing

/// The gateway's `http.proxy` reaches manifest connectors: requests for a host that does not
/// resolve arrive at the proxy (the scenario server, which routes absolute-form requests).
struct ProxyTests {
    static let stream = """
          path: /pages/cursor
          query: { cursor: "{{ page.token }}" }
        records: results
        paginate: { type: cursor, next: body.next_cursor }
        errors: { attempts: 1 }
        """

    @Test func requestsGoThroughTheGatewaysProxy() async throws {
        let server = try await ScenarioServer.get()
        let connector = try PaginationTests.connector(Self.stream)
        var services = ServiceValues()
        services[OutboundProxy.self] = OutboundProxy(.server(server.url))
        let source = try connector.source("base_url: http://upstream.example.invalid", stream: "items",
                                          context: connector.context(services: services))
        #expect(try await drained(source).ids == Array(0..<25))
    }

    @Test func withoutAProxyTheUpstreamIsReachedDirectly() async throws {
        let connector = try PaginationTests.connector(Self.stream)
        let source = try connector.source("base_url: http://upstream.example.invalid", stream: "items")
        await #expect { try await drained(source) } throws: { "\($0)".contains("upstream.example.invalid") }
    }
}
