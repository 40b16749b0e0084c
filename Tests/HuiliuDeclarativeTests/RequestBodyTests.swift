import Foundation
import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import Testing
@testable import HuiliuTestSupport

/// JSON, form and text body templates, as a loopback server receives them.
struct RequestBodyTests {
    func echo(_ request: String) async throws -> Value {
        let python = try await PythonServer.get()
        let connector = try AuthTests.connector(auth: "      type: none", path: "/echo", records: "@",
                                                spec: "  region: { type: string, description: A division code. }",
                                                request: "      method: POST\n" + request)
        let source = try connector.source("base_url: \(python.url())\nregion: \"421181\"", stream: "items")
        return try #require(try await drained(source).records.first?.data)
    }

    func header(_ echo: Value, _ name: String) -> String? {
        echo["headers"]?.arrayValue?.first { $0[0]?.stringValue?.lowercased() == name }?[1]?.stringValue
    }

    @Test func jsonBodyKeepsItsStructureAndFillsItsTemplates() async throws {
        let echo = try await echo("""
                  json: { 区划: "{{ config.region }}", page: 1, filters: [ { field: status, value: "已支付" } ], all: true }
            """)
        #expect(echo["method"] == "POST")
        #expect(header(echo, "content-type")?.hasPrefix("application/json") == true)
        let body = try JSONReader.parse(try #require(echo["body"]?.stringValue))
        #expect(body == ["区划": "421181", "page": 1, "filters": [["field": "status", "value": "已支付"]], "all": true])
    }

    @Test func formBodyIsURLEncoded() async throws {
        let echo = try await echo("""
                  form: { region: "{{ config.region }}", 名称: 黄冈 & 麻城 }
            """)
        #expect(header(echo, "content-type") == "application/x-www-form-urlencoded")
        #expect(echo["body"] == "region=421181&%E5%90%8D%E7%A7%B0=%E9%BB%84%E5%86%88%20%26%20%E9%BA%BB%E5%9F%8E")
    }

    @Test func textBodyIsSentWithItsContentType() async throws {
        let echo = try await echo("""
                  body: "<query><region>{{ config.region }}</region></query>"
                  content_type: application/xml
            """)
        #expect(header(echo, "content-type") == "application/xml")
        #expect(echo["body"] == "<query><region>421181</region></query>")
    }
}
