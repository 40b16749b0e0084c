import Foundation
import HuiliuCore
import HuiliuKit
import Testing

struct RegistryTests {
    struct NullSink: SinkConnector {
        static let spec = ComponentSpec(name: "null", kind: .sink, summary: "Discards envelopes.",
                                        fields: [FieldSpec("note", .string, "A note.", optional: true)])
        init(config: ParsedConfig, context: ConnectorContext) throws {}
        func write(_ envelopes: [Envelope]) async throws -> Value? { nil }
    }

    @Test func refusesDuplicatesAndListsSortedSpecs() throws {
        var registry = ConnectorRegistry()
        try registry.register(sink: NullSink.self)
        #expect(throws: RegistryError.self) { try registry.register(sink: NullSink.self) }
        #expect(registry.names(of: .sink) == ["null"])
        #expect(registry.without(["null"], kind: .sink).names(of: .sink).isEmpty)
    }

    @Test func generatesDocsFromTheSpec() {
        let markdown = NullSink.spec.markdown
        #expect(markdown.contains("# null (sink)"))
        #expect(markdown.contains("| `note` | string | no |  | A note. |"))
        let schema = NullSink.spec.jsonSchema
        #expect(schema["type"] == "object")
        #expect(schema["properties"]?["note"]?["type"] == "string")
        #expect(schema["additionalProperties"] == false)
    }

    /// A secret field's schema takes what lint takes: a reference of any kind, a file's too.
    @Test func aSecretFieldsSchemaTakesEveryKindOfReference() throws {
        let spec = ComponentSpec(name: "s", kind: .sink, summary: "S.", fields: [FieldSpec("token", .secret, "A token.")])
        let pattern = try #require(spec.jsonSchema["properties"]?["token"]?["pattern"]?.stringValue)
        let regex = try NSRegularExpression(pattern: pattern)
        func matches(_ text: String) -> Bool { regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil }
        for reference in ["${secret:api/token}", "${env:TOKEN}", "${file:/run/secrets/token}", "Bearer ${env:TOKEN}"] {
            #expect(matches(reference), "\(reference)")
        }
        #expect(!matches("hunter2"))
    }
}
