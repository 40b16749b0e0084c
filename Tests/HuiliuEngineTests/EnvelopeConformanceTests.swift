import Foundation
import HuiliuCore
import HuiliuEngine
import HuiliuSchema
import Testing

/// Every CloudEvents example from the specification round-trips, and every envelope the
/// runner builds validates against the CloudEvents JSON schema.
struct EnvelopeConformanceTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Conformance/cloudevents")

    static func examples() throws -> [(String, Value)] {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("examples").path).sorted()
        return try files.map { name in
            let data = try Data(contentsOf: folder.appendingPathComponent("examples/\(name)"))
            return (name, try JSONReader.parse([UInt8](data)))
        }
    }

    /// A keyless record's id follows from its origin; replayed from the dead-letter store it
    /// keeps the id a rerun of its input gives, so an upserting sink holds it once.
    @Test func aReplayedKeylessRecordKeepsItsID() {
        let factory = EnvelopeFactory(source: "/huiliu/test")
        func id(_ origin: RecordOrigin) -> String {
            factory.envelope(for: Record(data: ["a": 1], origin: origin, type: "x.v1")).id
        }
        let read = id(RecordOrigin("in.jsonl", position: 2))
        #expect(id(RecordOrigin("in.jsonl:2#dead-letter-17")) == read)
        #expect(id(RecordOrigin("in.jsonl:3#dead-letter-17")) != read)
        #expect(id(RecordOrigin("in.jsonl:2#dead-letter-x")) != read)
    }

    @Test func everySpecificationExampleRoundTrips() throws {
        var events = 0
        for (name, document) in try Self.examples() {
            let items = document.arrayValue ?? [document]
            for item in items {
                let envelope = try Envelope(json: item)
                // A null attribute means "not set" in the JSON format, so it is not written back.
                let expected = Value.object(Object((item.objectValue ?? Object()).filter { !$0.value.isNull }.map { ($0.key, $0.value) }))
                #expect(envelope.json == expected, "\(name)")
                #expect(try Envelope(json: envelope.json) == envelope, "\(name)")
                events += 1
            }
        }
        #expect(events == 21)
    }

    @Test func envelopesHuiliuWritesValidateAgainstTheSchema() throws {
        let schemaText = try String(contentsOf: Self.folder.appendingPathComponent("cloudevents.schema.json"), encoding: .utf8)
        let schema = try Schema(try JSONReader.parse(schemaText))
        let factory = EnvelopeFactory(source: "/budget-network/treasury-payments")
        var record = Record(data: ["payment_id": "ZF1", "amount_fen": 123_450, "payee": ["name": "北京某公司"]],
                            origin: RecordOrigin("payments.csv", position: 2), key: "ZF1", type: "budget.payment.v1")
        record.time = "2024-03-05T00:00:00+08:00"
        record.dataschema = "https://huiliu.dev/schema/v1/budget.payment.json"
        record.extensions["region"] = "110105"
        let keyless = Record(data: "x", origin: RecordOrigin("a.jsonl", position: 1))
        for envelope in [factory.envelope(for: record), factory.envelope(for: keyless)] {
            let errors = schema.validate(envelope.json)
            #expect(errors.isEmpty, "\(errors)")
            #expect(try Envelope(json: envelope.json) == envelope)
        }
    }

    @Test func rejectsWhatTheSchemaCannotCatch() {
        #expect(throws: EnvelopeError.self) { try Envelope(json: ["specversion": "0.3", "id": "1", "source": "/s", "type": "t"]) }
        #expect(throws: EnvelopeError.self) { try Envelope(json: ["specversion": "1.0", "id": "1", "source": "/s", "type": "t", "Bad-Name": 1]) }
        #expect(throws: EnvelopeError.self) { try Envelope(json: ["specversion": "1.0", "id": "1", "source": "/s", "type": "t", "data": 1, "data_base64": "AA=="]) }
    }
}
