import Foundation
import HuiliuCore
import HuiliuSchema
import Testing

/// The CloudEvents 1.0 JSON schema (draft-07) against the spec's own examples.
struct CloudEventsSchemaTests {
    static let folder = Fixtures.conformance.appendingPathComponent("cloudevents")

    static func schema() throws -> Schema {
        try Schema(Fixtures.json(folder.appendingPathComponent("cloudevents.schema.json")))
    }

    @Test func everyExampleEventIsValid() throws {
        let schema = try Self.schema()
        let files = try Fixtures.jsonFiles(in: Self.folder.appendingPathComponent("examples"))
        #expect(files.count == 21)
        var events = 0
        for file in files {
            let document = try Fixtures.json(file)
            // Batch files (07, 08) are arrays of events; validate each one.
            let batch = document.arrayValue ?? [document]
            for event in batch {
                events += 1
                let errors = schema.validate(event)
                #expect(errors.isEmpty, "\(file.lastPathComponent): \(errors.map(\.description))")
            }
        }
        print("CloudEvents: \(files.count) example files, \(events) events, all validated")
        #expect(events == 21)  // 19 single events, a batch of 2 and the empty batch
    }

    static let valid: Value = [
        "specversion": "1.0", "id": "A234-1234-1234", "source": "/budget/payments",
        "type": "budget.payment.v1", "time": "2024-07-01T08:00:00+08:00",
    ]

    @Test func missingIDFails() throws {
        var event = Self.valid
        event["id"] = nil
        let errors = try Self.schema().validate(event)
        #expect(errors.map(\.keyword) == ["required"])
        #expect(errors.first?.instanceLocation == "/id")
    }

    @Test(arguments: ["2018-04-05 17:31:00Z", "2018-04-05T17:31:00", "2018-02-30T17:31:00Z", "yesterday"])
    func badTimeFails(time: String) throws {
        var event = Self.valid
        event["time"] = .string(time)
        let errors = try Self.schema().validate(event)
        #expect(errors.map(\.keyword) == ["format"])
        #expect(errors.first?.instanceLocation == "/time")
        #expect(errors.first?.schemaLocation.hasSuffix("#/definitions/timedef/format") == true)
    }

    @Test func otherInvalidEvents() throws {
        let schema = try Self.schema()
        var event = Self.valid
        event["source"] = ""  // minLength 1
        #expect(schema.validate(event).map(\.keyword) == ["minLength"])
        event = Self.valid
        event["dataschema"] = "not a uri"
        #expect(schema.validate(event).map(\.keyword) == ["format"])
        event = Self.valid
        event["type"] = 5
        #expect(schema.validate(event).map(\.keyword) == ["type"])
        #expect(!schema.isValid("just a string"))
    }
}
