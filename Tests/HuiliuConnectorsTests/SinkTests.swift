import Foundation
import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import HuiliuKitTesting
import HuiliuStore
import Testing

struct SinkTests {
    let directory = NSTemporaryDirectory() + "huiliu-sink-\(UUID().uuidString)"

    func envelope(_ key: String, amount: Int, type: String = "budget.payment.v1") -> Envelope {
        Envelope(id: Envelope.deterministicID(source: "/t", type: type, key: key), source: "/t", type: type, subject: key,
                 data: ["amount_fen": .integer(amount)])
    }

    @Test func jsonlCutsBackToTheCommittedLengthAfterACrash() async throws {
        let path = directory + "/out.jsonl"
        let sink = try JSONLSink(config: ParsedConfig(testing: ["path": .string(path)]), context: .testing(projectDirectory: directory))
        try await sink.open(resumingAt: nil)
        let committed = try await sink.write([envelope("a", amount: 1)])
        _ = try await sink.write([envelope("b", amount: 2)])  // written, never committed
        try await sink.close()
        let reopened = try JSONLSink(config: ParsedConfig(testing: ["path": .string(path)]), context: .testing(projectDirectory: directory))
        try await reopened.open(resumingAt: committed)
        _ = try await reopened.write([envelope("b", amount: 2)])
        try await reopened.close()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.map { try? JSONReader.parse(String($0))["subject"] } == ["a", "b"])
    }

    @Test func sqliteUpsertsByEventIDIntoOneTablePerType() async throws {
        let path = directory + "/s.db"
        let sink = try SQLiteSink(config: ParsedConfig(testing: ["path": .string(path)]), context: .testing(projectDirectory: directory))
        try await sink.open(resumingAt: nil)
        _ = try await sink.write([envelope("a", amount: 1), envelope("b", amount: 2), envelope("c", amount: 3, type: "case.v1")])
        _ = try await sink.write([envelope("a", amount: 10)])
        try await sink.close()
        let db = try SQLiteDatabase(path: path)
        let rows = try db.prepare("SELECT subject, data ->> '$.amount_fen' FROM events_budget_payment_v1 ORDER BY subject").rows()
        #expect(rows == [[.text("a"), .integer(10)], [.text("b"), .integer(2)]])
        #expect(try db.prepare("SELECT count(*) FROM events_case_v1").rows() == [[.integer(1)]])
    }

    @Test func setStepWritesNestedConstants() async throws {
        let step = try SetStep(config: ParsedConfig(testing: ["fields": ["region": "110105", "meta.system": "budget"]]),
                               context: .testing())
        let output = try await step.process([Record(data: ["a": 1], origin: RecordOrigin("t"))])
        #expect(output.records[0].data == ["a": 1, "region": "110105", "meta": ["system": "budget"]])
    }
}
