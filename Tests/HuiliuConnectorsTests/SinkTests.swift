import Foundation
@testable import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import HuiliuKitTesting
import HuiliuStore
import Testing

struct SinkTests {
    let directory = NSTemporaryDirectory() + "huiliu-sink-\(UUID().uuidString)"

    /// An event of the pipeline the testing context names (`/huiliu/test`), or of `source`.
    func envelope(_ key: String, amount: Int, type: String = "budget.payment.v1", source: String = "/huiliu/test") -> Envelope {
        Envelope(id: Envelope.deterministicID(source: source, type: type, key: key), source: source, type: type, subject: key,
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
        // Events carry personal data: other users of the machine may not read the file.
        let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0
        #expect(mode & 0o007 == 0, "mode \(String(mode, radix: 8))")
    }

    /// An event as the jsonl sink writes it, without the line feed.
    func line(_ envelope: Envelope) -> String {
        var writer = JSONWriter()
        writer.write(envelope)
        return writer.withBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// A run killed in the middle of a write leaves half a line: the next run cuts it with
    /// the rest of what was never committed, rather than refusing the file for ever.
    @Test(arguments: [true, false])
    func jsonlCutsALineAKilledRunTore(afterAWholeEvent: Bool) async throws {
        let path = directory + "/torn.jsonl"
        let sink = try JSONLSink(config: ParsedConfig(testing: ["path": .string(path)]), context: .testing(projectDirectory: directory))
        try await sink.open(resumingAt: nil)
        let committed = try await sink.write([envelope("a", amount: 1)])
        if afterAWholeEvent { _ = try await sink.write([envelope("b", amount: 2)]) }
        try await sink.close()
        var line = self.line(envelope("c", amount: 3))
        line.removeLast(line.count / 2)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(line.utf8))
        try handle.close()
        let reopened = try JSONLSink(config: ParsedConfig(testing: ["path": .string(path)]), context: .testing(projectDirectory: directory))
        try await reopened.open(resumingAt: committed)
        _ = try await reopened.write([envelope("b", amount: 2)])
        try await reopened.close()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.map { try? JSONReader.parse(String($0))["subject"] } == ["a", "b"])
    }

    /// Half a line of another pipeline's event is not this one's to cut.
    @Test func jsonlKeepsAnotherWritersTornLine() async throws {
        let path = directory + "/torn-other.jsonl"
        let sink = try JSONLSink(config: ParsedConfig(testing: ["path": .string(path)]), context: .testing(projectDirectory: directory))
        try await sink.open(resumingAt: nil)
        let committed = try await sink.write([envelope("a", amount: 1)])
        try await sink.close()
        var line = self.line(envelope("x", amount: 9, source: "/huiliu/other"))
        line.removeLast(20)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(line.utf8))
        try handle.close()
        let reopened = try JSONLSink(config: ParsedConfig(testing: ["path": .string(path)]), context: .testing(projectDirectory: directory))
        await #expect { try await reopened.open(resumingAt: committed) } throws: { "\($0)".contains("not written by it") }
        #expect(try String(contentsOfFile: path, encoding: .utf8).hasSuffix(line))
    }

    /// A file cut short by hand is not appended to (the events cut away would go unnoticed);
    /// one emptied, as logrotate's copytruncate does, starts again.
    @Test func jsonlRefusesAFileCutShortByHand() async throws {
        let path = directory + "/cut.jsonl"
        let sink = try JSONLSink(config: ParsedConfig(testing: ["path": .string(path)]), context: .testing(projectDirectory: directory))
        try await sink.open(resumingAt: nil)
        let committed = try await sink.write([envelope("a", amount: 1), envelope("b", amount: 2)])
        try await sink.close()
        let first = line(envelope("a", amount: 1)) + "\n"
        #expect(truncate(path, off_t(first.utf8.count)) == 0)
        let reopened = try JSONLSink(config: ParsedConfig(testing: ["path": .string(path)]), context: .testing(projectDirectory: directory))
        await #expect { try await reopened.open(resumingAt: committed) } throws: {
            "\($0)".contains("the file is \(first.utf8.count) bytes, but this pipeline had delivered \(committed?["length"]?.intValue ?? -1): it was cut short (by hand")
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == first)
        #expect(truncate(path, 0) == 0)
        let rotated = try JSONLSink(config: ParsedConfig(testing: ["path": .string(path)]), context: .testing(projectDirectory: directory))
        try await rotated.open(resumingAt: committed)
        _ = try await rotated.write([envelope("c", amount: 3)])
        try await rotated.close()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == line(envelope("c", amount: 3)) + "\n")
    }

    /// What another writer appended after the committed length is not cut: the run stops.
    /// A position saved for another file is not applied to this one.
    @Test func jsonlNeverCutsWhatIsNotItsOwn() async throws {
        let path = directory + "/shared.jsonl"
        let sink = try JSONLSink(config: ParsedConfig(testing: ["path": .string(path)]), context: .testing(projectDirectory: directory))
        try await sink.open(resumingAt: nil)
        let committed = try await sink.write([envelope("a", amount: 1)])
        try await sink.close()
        // Another pipeline writes to the same file.
        let other = try JSONLSink(config: ParsedConfig(testing: ["path": .string(path)]), context: .testing(projectDirectory: directory))
        try await other.open(resumingAt: nil)
        _ = try await other.write([envelope("x", amount: 9, source: "/huiliu/other")])
        try await other.close()
        let reopened = try JSONLSink(config: ParsedConfig(testing: ["path": .string(path)]), context: .testing(projectDirectory: directory))
        await #expect { try await reopened.open(resumingAt: committed) } throws: {
            "\($0)".contains("not written by it (events of /huiliu/other)") && "\($0)".contains("truncate -s \(committed?["length"]?.intValue ?? -1) '\(path)'")
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count == 2)
        // The sink was pointed at another file: the old position does not apply to it.
        let moved = directory + "/archive.jsonl"
        try FileManager.default.copyItem(atPath: path, toPath: moved)
        let elsewhere = try JSONLSink(config: ParsedConfig(testing: ["path": .string(moved)]), context: .testing(projectDirectory: directory))
        try await elsewhere.open(resumingAt: committed)
        try await elsewhere.close()
        #expect(try String(contentsOfFile: moved, encoding: .utf8).split(separator: "\n").count == 2)
    }

    /// A sink whose folder is a file says which and why, not a raw Cocoa error.
    @Test func aFolderThatIsAFileIsNamed() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "x".write(toFile: directory + "/out", atomically: true, encoding: .utf8)
        for (kind, path) in [("sqlite", directory + "/out/s.db"), ("jsonl", directory + "/out/e.jsonl")] {
            let config = ParsedConfig(testing: ["path": .string(path)])
            let sink: any SinkConnector = kind == "sqlite"
                ? try SQLiteSink(config: config, context: .testing(projectDirectory: directory))
                : try JSONLSink(config: config, context: .testing(projectDirectory: directory))
            await #expect { try await sink.open(resumingAt: nil) } throws: {
                "\($0)".contains("\(path): cannot create the directory \(directory)/out: it is a file, not a directory")
            }
        }
        // A file further up is named too.
        let deeper = directory + "/out/sub/e.jsonl"
        let sink = try JSONLSink(config: ParsedConfig(testing: ["path": .string(deeper)]), context: .testing(projectDirectory: directory))
        await #expect { try await sink.open(resumingAt: nil) } throws: {
            "\($0)".contains("\(deeper): cannot create the directory \(directory)/out/sub: \(directory)/out is a file, not a directory")
        }
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

    /// A jsonl file has one writer: a second sink on it, under another spelling of its path too,
    /// is refused at open with a message that does not blame another pipeline.
    @Test func aJSONLFileHasOneWriter() async throws {
        try FileManager.default.createDirectory(atPath: directory + "/out", withIntermediateDirectories: true)
        let first = try JSONLSink(config: ParsedConfig(testing: ["path": .string(directory + "/out/dup.jsonl")]),
                                  context: .testing(projectDirectory: directory))
        try await first.open(resumingAt: nil)
        let second = try JSONLSink(config: ParsedConfig(testing: ["path": .string(directory + "/./out/../out/dup.jsonl")]),
                                   context: .testing(projectDirectory: directory))
        await #expect { try await second.open(resumingAt: nil) } throws: { "\($0)".contains("another jsonl sink of this one") }
        try await first.close()
        try await second.open(resumingAt: nil)
        try await second.close()
    }

    /// Types that differ only in what a table name cannot hold (`_`, `-`, case) get tables of
    /// their own, not one table whose rows cannot be told apart; so does a type spelled like
    /// another's digested table name.
    @Test func typesNeverShareATable() async throws {
        let path = directory + "/types.db"
        let sink = try SQLiteSink(config: ParsedConfig(testing: ["path": .string(path)]), context: .testing(projectDirectory: directory))
        try await sink.open(resumingAt: nil)
        let digested = EventTables.name(prefix: "", type: "X.Y.v1").split(separator: "_").last.map(String.init) ?? ""
        #expect(digested.count == 8)
        _ = try await sink.write(["x.y.v1", "x_y.v1", "x-y.v1", "X.Y.v1", "x.y.v1." + digested].map { envelope("k", amount: 1, type: $0) })
        try await sink.close()
        let tables = try SQLiteDatabase(path: path).prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'events_%'")
            .rows().compactMap { $0[0].text }
        #expect(tables.count == 5 && tables.contains("events_x_y_v1"), "\(tables)")
        #expect(EventTables.name(prefix: "events_", type: "budget.payment.v1") == "events_budget_payment_v1")
        // A date is no digest: such a type keeps the table it had.
        #expect(EventTables.name(prefix: "events_", type: "reading.20240601") == "events_reading_20240601")
    }

    @Test func setStepWritesNestedConstants() async throws {
        let step = try SetStep(config: ParsedConfig(testing: ["fields": ["region": "110105", "meta.system": "budget"]]),
                               context: .testing())
        let output = try await step.process([Record(data: ["a": 1], origin: RecordOrigin("t"))])
        #expect(output.records[0].data == ["a": 1, "region": "110105", "meta": ["system": "budget"]])
    }

    /// A path through a value that is not an object would replace it with an object holding
    /// only the new field: the record fails, saying which, and keeps its data.
    @Test func setStepDoesNotOverwriteWhatIsNotAnObject() async throws {
        let step = try SetStep(config: ParsedConfig(testing: ["fields": ["name.first": "a"]]), context: .testing())
        let output = try await step.process([Record(data: ["name": "张三丰"], origin: RecordOrigin("t")),
                                             Record(data: ["name": ["last": "张"]], origin: RecordOrigin("u"))])
        #expect(output.records.map(\.data) == [["name": ["last": "张", "first": "a"]]])
        #expect(output.failures.map(\.reason) == ["set 'name.first': 'name' is string, not an object; nothing was set"])
        #expect(output.failures.first?.record.data == ["name": "张三丰"])
    }
}
