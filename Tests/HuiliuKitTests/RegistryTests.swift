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
}
