import Foundation
import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import HuiliuKitTesting
import Testing

struct FileSourceTests {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "huiliu-file-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let path = directory + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    func source(_ path: String, _ extra: Object = [:], batchSize: Int = 1000) throws -> FileSource {
        var values: Object = ["path": .string(path)]
        for (key, value) in extra { values[key] = value }
        return try FileSource(config: ParsedConfig(testing: values), context: .testing(projectDirectory: directory, batchSize: batchSize))
    }

    func records(_ batches: [RecordBatch]) -> [Value] { batches.flatMap { $0.records.map(\.data) } }

    /// A path whose written extension names no format is refused when the pipeline loads (lint),
    /// not on every run; one the files matched will tell, or a format given, is accepted.
    @Test func aPathWhoseExtensionNamesNoFormatIsRefusedAtLoad() throws {
        for path in ["in/payments-2024-03.cvs", "in/*.cvs", "in/export"] {
            #expect(throws: ConfigError.self, "\(path)") { try source(path) }
        }
        for path in ["in/payments-*.csv", "in/*", "in/*.[cj]sv", "in/x.NDJSON"] { #expect(throws: Never.self, "\(path)") { try source(path) } }
        #expect(throws: Never.self) { try source("in/export", ["format": "csv"]) }
    }

    /// An inbox with nothing in it (its files archived) is a run that reads nothing, not a
    /// failure on every schedule; a folder that is not there still fails, naming it.
    @Test func anEmptyInboxReadsNothingAndAMissingFolderFails() async throws {
        try FileManager.default.createDirectory(atPath: directory + "/inbox", withIntermediateDirectories: true)
        let empty = try await drain(source(directory + "/inbox/*.csv"))
        #expect(empty.flatMap(\.records).isEmpty)
        await #expect { try await drain(source(directory + "/outbox/*.csv")) } throws: {
            "\($0)".contains("no file matches: there is no folder outbox")
        }
    }

    @Test func readsCSVWithQuotesDelimitersAndLineBreaksInFields() async throws {
        let path = write("a.csv", Array("id,name,note\r\n1,\"李,四\",\"他说\"\"好\"\"\"\r\n2,王五,\"两\n行\"\r\n".utf8))
        let batches = try await drain(source(path, ["key": "id"]))
        #expect(records(batches) == [["id": "1", "name": "李,四", "note": "他说\"好\""], ["id": "2", "name": "王五", "note": "两\n行"]])
        #expect(batches[0].records.map(\.origin.description) == ["a.csv:2", "a.csv:3"])
        #expect(batches[0].records.map(\.key) == ["1", "2"])
    }

    @Test func rejectsRowsWithTheWrongFieldCountAndGoesOn() async throws {
        let path = write("b.csv", Array("a,b\n1,2\n3\n4,5\n".utf8))
        let batches = try await drain(source(path))
        #expect(records(batches) == [["a": "1", "b": "2"], ["a": "4", "b": "5"]])
        let reject = try #require(batches[0].rejects.first)
        #expect(reject.origin.description == "b.csv:3")
        #expect(reject.reason == "expected 2 fields as in the header, found 1")
        #expect(reject.raw == "3")
    }

    @Test(arguments: ["1,甲\n2,乙", "1,甲\r\n2,\"乙\"", "1,甲\n2,乙\r"])
    func readsALastRowWithoutALineFeed(body: String) async throws {
        // Spreadsheets and hand-edited files often end without one; the row is still a row.
        let path = write("last.csv", Array(("id,name\n" + body).utf8))
        let batches = try await drain(source(path))
        #expect(records(batches) == [["id": "1", "name": "甲"], ["id": "2", "name": "乙"]])
        #expect(batches.flatMap(\.rejects).isEmpty)
    }

    @Test func rejectsAFileEndingInsideAQuotedField() async throws {
        let path = write("open.csv", Array("id,name\n1,甲\n2,\"乙".utf8))
        let batches = try await drain(source(path))
        #expect(records(batches) == [["id": "1", "name": "甲"]])
        #expect(batches.flatMap(\.rejects).map(\.reason) == ["the file ends inside a quoted field"])
    }

    @Test func detectsGBKAndDecodesIt() async throws {
        // "编号,单位\n1,北京市财政局\n" in GBK.
        let gbk: [UInt8] = [0xB1, 0xE0, 0xBA, 0xC5, 0x2C, 0xB5, 0xA5, 0xCE, 0xBB, 0x0A, 0x31, 0x2C,
                            0xB1, 0xB1, 0xBE, 0xA9, 0xCA, 0xD0, 0xB2, 0xC6, 0xD5, 0xFE, 0xBE, 0xD6, 0x0A]
        let path = write("gbk.csv", gbk)
        #expect(records(try await drain(source(path))) == [["编号": "1", "单位": "北京市财政局"]])
    }

    /// A UTF-8 file with one row that is not (a GBK line appended, a character an export cut
    /// short) stays UTF-8: that row is rejected, the others read. It used to be decoded whole as
    /// GB18030, every other row garbled, with no warning.
    @Test func aUTF8FileWithOneBadRowStaysUTF8() async throws {
        var bytes = Array("编号,单位\n".utf8)
        for i in 1...9 { bytes += Array("\(i),黄冈市财政局\n".utf8) }
        bytes += Array("10,".utf8) + [0xC2, 0xE9, 0xB3, 0xC7, 0xCA, 0xD0] + [0x0A]   // 麻城市 in GBK
        bytes += Array("11,团风县教育局\n".utf8) + Array("12,".utf8) + Array("教育局".utf8).dropLast() + [0x0A]
        bytes += Array("13,浠水县\n".utf8)
        let batches = try await drain(source(write("mixed.csv", bytes)))
        #expect(records(batches).map { $0["单位"] } == Array(repeating: "黄冈市财政局", count: 9) + ["团风县教育局", "浠水县"])
        #expect(batches.flatMap(\.rejects).map(\.origin.position) == [11, 13])
        // A GBK file is still GBK, however many characters its rows hold.
        let text = write("long.txt", Array(("编号,单位\n" + (1...50).map { "\($0),湖北省黄冈市黄州区财政局\n" }.joined()).utf8))
        let gbk = try ChildCommand.run("/usr/bin/iconv", ["-f", "UTF-8", "-t", "GBK", text])
        #expect(gbk.status == 0)
        let read = records(try await drain(source(write("gbk-long.csv", gbk.stdout))))
        #expect(read.count == 50 && read.allSatisfy { $0["单位"] == "湖北省黄冈市黄州区财政局" })
    }

    @Test func readsTheShippedGBKSampleExport() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let sample = root.appendingPathComponent("connectors/budget-network/samples/payments-2024-03.csv").path
        let batches = try await drain(source(sample, ["key": "支付编号"]))
        #expect(batches.flatMap(\.records).count == 200)
        #expect(batches.flatMap(\.rejects).count == 1)
        #expect(batches[0].records[0].data["单位名称"]?.stringValue?.hasPrefix("黄冈市") == true)
    }

    @Test func readsJSONLinesAndRejectsABadLineWithItsColumn() async throws {
        let path = write("c.jsonl", Array("{\"a\":1}\n\n{\"a\":2,}\r\n{\"a\":3}".utf8))
        let batches = try await drain(source(path))
        #expect(records(batches) == [["a": 1], ["a": 3]])
        #expect(batches[0].records.map(\.origin.position) == [1, 4])
        #expect(batches[0].rejects.first?.reason == "invalid JSON at column 8: expected a string key, found character '}'")
    }

    /// A line that is JSON but not an object is no record: rejected where it is, saying why.
    @Test func rejectsALineThatIsNotAnObject() async throws {
        let path = write("d.jsonl", Array("{\"a\":1}\n[1,2]\n\"text\"\n".utf8))
        let batches = try await drain(source(path))
        #expect(records(batches) == [["a": 1]])
        #expect(batches[0].rejects.map { "\($0.origin): \($0.reason)" } == [
            "d.jsonl:2: a record is a JSON object; this is array", "d.jsonl:3: a record is a JSON object; this is string",
        ])
    }

    @Test func streamsAJSONArray() async throws {
        let path = write("d.json", Array("[\n {\"a\":1},\n {\"a\":\"二\"}\n]\n".utf8))
        let batches = try await drain(source(path))
        #expect(records(batches) == [["a": 1], ["a": "二"]])
        #expect(batches[0].records.map(\.origin.position) == [2, 3])
    }

    /// `records` walks a document to its array as the file streams: the values beside the
    /// path (an `items` among them, and arrays) are stepped over, and the records before a
    /// fault late in a document arrive before it, as in an array that is the document.
    @Test func readsTheArrayAPathOfKeysLeadsTo() async throws {
        let document = """
            {"code": 0, "meta": {"items": [{"id": "no"}], "n": [1, [2]]},
             "data": {"total": 3, "list": [], "items": [
               {"id": 1},
               {"id": 2}, {"id": 3}
             ], "after": {"items": []}},
             "tail": "x"}
            """
        let path = write("doc.json", Array(document.utf8))
        let batches = try await drain(source(path, ["records": "data.items"], batchSize: 2))
        #expect(records(batches) == [["id": 1], ["id": 2], ["id": 3]])
        #expect(batches.flatMap(\.records).map(\.origin.position) == [3, 4, 4])
        // Resumed from each batch's checkpoint: the records after it, and none twice.
        var seen = 0
        for batch in batches {
            seen += batch.records.count
            let rest = try await drain(source(path, ["records": "data.items"], batchSize: 2), after: batch.checkpoint)
            #expect(records(rest).count == 3 - seen, "after \(seen) records")
        }
        let late = write("late.json", Array(#"{"data": {"items": [{"id": 1}, {"id": 2}, {"id": 3}]}, "tail": [1 2]}"#.utf8))
        var reader = try await source(late, ["records": "data.items"], batchSize: 2).reader(after: nil)
        #expect(try await reader.next()?.records.map(\.data) == [["id": 1], ["id": 2]])
        do {
            while try await reader.next() != nil {}
            Issue.record("no error")
        } catch {
            #expect("\(error)" == "late.json: byte 66: expected ',' or ']' after array element, found character '2'", "\(error)")
        }
    }

    /// A CSV row or a JSON value past `max_record_bytes` fails the read at its byte instead of
    /// being held whatever its size (a 500 MB field without a newline took 1.6 GB).
    @Test func aRecordPastTheLimitIsNotHeld() async throws {
        // Within the first read too: a limit below it holds the read to it.
        let long = String(repeating: "x", count: 300_000)
        for (name, text) in [("long.csv", "id,note\n1,short\n2,\(long)"), ("long.json", "[{\"id\":1},{\"note\":\"\(long)\"}]")] {
            let path = write(name, Array(text.utf8))
            await #expect { try await drain(source(path, ["max_record_bytes": 100_000])) } throws: {
                "\($0)".contains("\(name): byte ") && "\($0)".contains("a record or value runs past 100000 bytes")
            }
            let whole = try await drain(source(path)).flatMap(\.records)
            #expect(whole.count == 2, "read with the default limit")
        }
        // A record under twice the limit too: a read took it whole after the check.
        let near = write("near.csv", Array("id,text\n1,short\n2,\(String(repeating: "x", count: 1900))\n3,short\n".utf8))
        await #expect { try await drain(source(near, ["max_record_bytes": 1024])) } throws: { "\($0)".contains("runs past 1024 bytes") }
    }

    /// A key of the path given twice is refused on every run, the one resumed after the
    /// records before it too: it used to "succeed" then, delivering both arrays.
    @Test func aRepeatedPathKeyFailsEveryRun() async throws {
        let items = (0..<10).map { "{\"id\":\"R\($0)\"}" }.joined(separator: ",")
        let path = write("twice.json", Array("{\"data\":{\"items\":[\(items)],\"items\":[{\"id\":\"Z\"}]}}".utf8))
        var reader = try await source(path, ["records": "data.items"], batchSize: 5).reader(after: nil)
        let first = try #require(try await reader.next())
        #expect(first.records.count == 5)
        for checkpoint in [nil, first.checkpoint] {
            await #expect { try await drain(source(path, ["records": "data.items"], batchSize: 5), after: checkpoint) } throws: {
                "\($0)".contains("'data.items' appears twice")
            }
        }
    }

    /// A number beside the path that the read window cuts in two (1234|567) is read whole:
    /// the document failed at that byte on every run.
    @Test func aNumberAcrossTheWindowsEdgeIsReadWhole() async throws {
        for (offset, number) in [(5, "1234567890123"), (2, "-1.5e+10"), (1, "78")] {
            // The number starts `offset` bytes before the first 1 MiB the window reads.
            let padding = String(repeating: "x", count: 1 << 20 - offset - 14)
            let path = write("edge.json", Array("{\"pad\":\"\(padding)\",\"v\":\(number),\"data\":{\"items\":[{\"id\":1}]}}".utf8))
            #expect(records(try await drain(source(path, ["records": "data.items"]))) == [["id": 1]], "\(number)")
        }
    }

    /// A path that leads nowhere beside arrays is a mistyped path, and fails; with no array
    /// beside it, the document holds no records (a warning says so).
    @Test func aPathMistypedBesideArraysFails() async throws {
        let path = write("typo.json", Array(#"{"data": {"total": 2, "items": [{"id": 1}, {"id": 2}]}}"#.utf8))
        await #expect { try await drain(source(path, ["records": "data.item"])) } throws: {
            "\($0)" == "typo.json: byte 53: the document has no 'data.item' but has 'data.items', holding arrays: check the records path"
        }
        let empty = write("empty.json", Array(#"{"code": 0, "msg": "no data", "meta": {"page": 1}}"#.utf8))
        #expect(records(try await drain(source(empty, ["records": "data.items"]))) == [])
        // An array where the path goes on, an object holding arrays beside it (a key's case, a
        // level left out): the path is mistyped.
        for (text, message) in [
            (#"{"code": 0, "data": [{"id": 1}]}"#, "byte 20: 'data' is a JSON array, not an object holding 'items': check the records path"),
            (#"[{"id": 1}]"#, "byte 0: the document is a JSON array, not an object holding 'data.items': check the records path"),
            (#"{"Data": {"items": [{"id": 1}]}}"#, "the document has no 'data' but has 'Data', holding arrays"),
            (#"{"data": {"page": {"list": [{"id": 1}]}}}"#, "the document has no 'data.items' but has 'data.page', holding arrays"),
        ] {
            let typo = write("typo.json", Array(text.utf8))
            await #expect { try await drain(source(typo, ["records": "data.items"])) } throws: { "\($0)".contains(message) }
        }
    }

    /// Where the path leads to no array: one object is one record; null, a missing key or a
    /// value on the way that is no object, none; a key given twice on the path is an error,
    /// not a guess; a `records` that is no path of keys is refused when the pipeline loads.
    @Test func aPathToNoArray() async throws {
        func read(_ text: String, _ records: String = "data.items") async throws -> [Value] {
            self.records(try await drain(source(write("p.json", Array(text.utf8)), ["records": .string(records)])))
        }
        #expect(try await read(#"{"data": {"items": {"id": 1}}}"#) == [["id": 1]])
        #expect(try await read(#"{"data": {"items": null}}"#) == [])
        #expect(try await read(#"{"data": {"other": 1}}"#) == [])
        #expect(try await read(#"{"data": "none"}"#) == [])
        #expect(try await read(#"{"数据": {"列表": [{"id": 1}]}}"#, #""数据"."列表""#) == [["id": 1]])
        #expect(try await read("") == [])
        await #expect { try await read(#"{"data": {"items": [{"id": 1}], "items": []}}"#) } throws: {
            "\($0)".contains("'data.items' appears twice")
        }
        await #expect { try await read(#"{"data": {"items": [{"id": 1}]}"#) } throws: {
            "\($0)" == "p.json: byte 31: the file ends inside the JSON document; expected '}'"
        }
        for bad in ["data[0].items", "data | items", "length(data)"] {
            #expect(throws: ConfigError.self, "\(bad)") { try source("x.json", ["records": .string(bad)]) }
        }
        #expect(throws: ConfigError.self) { try source("x.csv", ["records": "data", "format": "csv"]) }
    }

    @Test func failsABrokenJSONArrayWithTheByteOffset() async throws {
        let path = write("e.json", Array("[{\"a\":1} {\"a\":2}]".utf8))
        await #expect(throws: FileReadError.self) { try await drain(source(path)) }
        do {
            _ = try await drain(source(path))
        } catch {
            #expect("\(error)" == "e.json: byte 9: expected ',' or ']' after an array element, found '{'")
        }
    }

    /// A GBK file is read as UTF-8 text, and an error's byte says it counts in that text: the
    /// file's own byte is elsewhere (黄冈 is four bytes in GBK, six in UTF-8).
    @Test func aGBKFilesErrorSaysWhereItCounts() async throws {
        let path = write("gbk.json", Array(#"[{"a":""#.utf8) + [0xBB, 0xC6, 0xB8, 0xD4] + Array(#""} {"a":1}]"#.utf8))
        await #expect { try await drain(source(path, ["encoding": "gbk"])) } throws: {
            "\($0)" == "gbk.json: byte 16 of its UTF-8 text: expected ',' or ']' after an array element, found '{'"
        }
    }

    @Test(arguments: ["csv", "json", "jsonl"])
    func resumesFromEveryCheckpointWithoutRepeatsOrGaps(format: String) async throws {
        let rows = (1...25).map { i in (id: "\(i)", name: "名\(i)") }
        let text: String
        switch format {
        case "csv": text = "id,name\n" + rows.map { "\($0.id),\($0.name)\n" }.joined()
        case "json": text = "[" + rows.map { "{\"id\":\"\($0.id)\",\"name\":\"\($0.name)\"}" }.joined(separator: ",\n") + "]"
        default: text = rows.map { "{\"id\":\"\($0.id)\",\"name\":\"\($0.name)\"}\n" }.joined()
        }
        let path = write("r.\(format)", Array(text.utf8))
        let all = try await drain(source(path, batchSize: 4))
        #expect(records(all).count == 25)
        // Resuming after each batch yields exactly the records after it.
        var seen = 0
        for batch in all {
            seen += batch.records.count
            let rest = try await drain(source(path, batchSize: 4), after: batch.checkpoint)
            #expect(records(rest).map { $0["id"] } == rows.dropFirst(seen).map { .string($0.id) }, "after \(seen) records")
        }
    }

    /// A GB18030 file resumes from every checkpoint too: its decoder seeks only to the start of
    /// a character, so the bytes fingerprinted before a checkpoint must begin at one.
    @Test func resumesAGBKFileFromEveryCheckpoint() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let sample = root.appendingPathComponent("connectors/budget-network/samples/payments-2024-03.csv").path
        let all = try await drain(source(sample, ["key": "支付编号"], batchSize: 7))
        let ids = records(all).map { $0["支付编号"] }
        var seen = 0
        for batch in all {
            seen += batch.records.count
            let rest = try await drain(source(sample, ["key": "支付编号"], batchSize: 7), after: batch.checkpoint)
            #expect(records(rest).map { $0["支付编号"] } == Array(ids.dropFirst(seen)), "after \(seen) records")
        }
    }

    @Test func picksUpAppendedRecordsOnTheNextRun() async throws {
        let path = write("grow.jsonl", Array("{\"n\":1}\n".utf8))
        let first = try await drain(source(path))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        handle.write(Data("{\"n\":2}\n".utf8))
        try handle.close()
        let second = try await drain(source(path), after: first.last?.checkpoint)
        #expect(records(second) == [["n": 2]])
    }

    /// A rejected row fixed in place (what the dead-letter advice says to do) changes the file
    /// before the checkpoint: the next run reads it again from the start, rather than from the
    /// middle of a line, and delivers the fixed row.
    @Test func readsAFileEditedBeforeTheCheckpointAgainFromTheStart() async throws {
        let path = write("fixed.csv", Array("id,name\n1,甲\n2\n3,丙\n".utf8))
        let first = try await drain(source(path))
        #expect(records(first) == [["id": "1", "name": "甲"], ["id": "3", "name": "丙"]])
        #expect(first.flatMap(\.rejects).map(\.origin.description) == ["fixed.csv:3"])
        _ = write("fixed.csv", Array("id,name\n1,甲\n2,乙\n3,丙\n".utf8))
        let second = try await drain(source(path), after: first.last?.checkpoint)
        #expect(records(second) == [["id": "1", "name": "甲"], ["id": "2", "name": "乙"], ["id": "3", "name": "丙"]])
        #expect(second.flatMap(\.rejects).isEmpty)
        // Only appended to, it goes on where it stopped.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        handle.write(Data("4,丁\n".utf8))
        try handle.close()
        #expect(records(try await drain(source(path), after: second.last?.checkpoint)) == [["id": "4", "name": "丁"]])
    }

    /// A project moved (restored elsewhere, a new release folder) keeps its place in a glob: its
    /// checkpoint names the file by its old path, which sorts apart from every file now.
    @Test func aMovedProjectResumesAtTheSameFile() async throws {
        func source(project: String) throws -> FileSource {
            try FileSource(config: ParsedConfig(testing: ["path": .string(project + "/in/*.csv")]),
                           context: .testing(projectDirectory: project, batchSize: 1000))
        }
        let old = directory + "/pz", new = directory + "/pa"
        try FileManager.default.createDirectory(atPath: old + "/in", withIntermediateDirectories: true)
        _ = write("pz/in/2024-01.csv", Array("id,v\n1,a\n".utf8))
        _ = write("pz/in/2024-02.csv", Array("id,v\n2,b\n3,c\n".utf8))
        let first = try await drain(try source(project: old))
        #expect(records(first).count == 3)
        try FileManager.default.moveItem(atPath: old, toPath: new)
        _ = write("pa/in/2024-03.csv", Array("id,v\n4,d\n".utf8))
        let second = try await drain(try source(project: new), after: first.last?.checkpoint)
        #expect(records(second) == [["id": "4", "v": "d"]])
    }

    /// A JSON Lines line longer than `max_record_bytes` is a dead letter with its first 4 KiB and
    /// its length, read past without being held (a 400 MB line took 900 MB); the lines around
    /// it are read, and the checkpoint after it does not read it again.
    @Test func aLineLongerThanTheLimitIsSkipped() async throws {
        let long = #"{"id":"big","text":""# + String(repeating: "监", count: 700_000) + #""}"#
        let path = write("long.jsonl", Array(#"{"id":"1"}"#.utf8) + [0x0A] + Array(long.utf8) + [0x0A] + Array(#"{"id":"2"}"#.utf8) + [0x0A])
        let batches = try await drain(source(path, ["max_record_bytes": .integer(1 << 20)]))
        #expect(records(batches).map { $0["id"] } == ["1", "2"])
        let rejected = batches.flatMap(\.rejects)
        #expect(rejected.count == 1)
        #expect(rejected.first?.reason.contains("a line of \(long.utf8.count) bytes, longer than max_record_bytes (1048576)") == true, "\(rejected)")
        #expect(rejected.first?.origin.description == "long.jsonl:2")
        #expect(rejected.first?.raw.stringValue?.utf8.count ?? 0 <= 4096)
        // The same line within the default limit is read.
        #expect(records(try await drain(source(path))).count == 3)
        // As the last line, without a newline after it, too.
        let last = write("last.jsonl", Array(#"{"id":"1"}"#.utf8) + [0x0A] + Array(long.utf8))
        let lastBatches = try await drain(source(last, ["max_record_bytes": .integer(1 << 20)]))
        #expect(records(lastBatches).map { $0["id"] } == ["1"])
        #expect(lastBatches.flatMap(\.rejects).map(\.origin.description) == ["last.jsonl:2"])
    }

    /// A GB18030 record longer than the read buffer once decoded (400,000 Chinese characters,
    /// 1.2 MB of UTF-8) is read: the buffer grew only when full, so a read had a byte or two of
    /// room, where no decoded character fits, and every run failed "decode buffer too small".
    @Test func aLongGBKRecordIsRead() async throws {
        let jian: [UInt8] = [0xBC, 0xE0]  // 监
        var bytes = Array("id,text\n1,".utf8) + jian + Array("\nbig,".utf8)
        for _ in 0..<400_000 { bytes += jian }
        bytes += Array("\n2,".utf8) + jian + [0x0A]
        let path = write("long.csv", bytes)
        let read = records(try await drain(source(path, ["encoding": "gb18030"])))
        #expect(read.map { $0["id"] } == ["1", "big", "2"])
        #expect(read[1]["text"]?.stringValue?.count == 400_000)
        #expect(read[1]["text"]?.stringValue?.hasPrefix("监监") == true)
    }

    /// A record longer than many reads (a quoted field of 300,000 lines holding quotes and
    /// delimiters) is split as a short one is, in UTF-8 and through the GB18030 decoder whose
    /// reads are small; the row after it keeps its line number.
    @Test(arguments: [false, true])
    func aRecordAcrossManyReadsIsSplitOnce(gbk: Bool) async throws {
        let piece = "监,\"\"\n"
        let text = String(repeating: piece, count: 300_000)
        let body = "id,text,tail\n1,\"" + text + "\",end\n2,短,x\n3,\"a\"b,y\n"
        let bytes = gbk ? try Iconv.convert(Array(body.utf8), from: "UTF-8", to: "GB18030").get() : Array(body.utf8)
        let path = write("long.csv", bytes)
        let batches = try await drain(source(path, gbk ? ["encoding": "gb18030"] : [:]))
        let read = records(batches)
        #expect(read.map { $0["id"] } == ["1", "2"])
        #expect(read.first?["text"]?.stringValue == String(repeating: "监,\"\n", count: 300_000))
        #expect(read.first?["tail"] == "end")
        #expect(batches.flatMap(\.records).map(\.origin.position) == [2, 300_003])
        #expect(batches.flatMap(\.rejects).map(\.reason) == ["unexpected character after the closing quote of field 2"])
    }

    /// A row of millions of delimiters is counted, not made into millions of strings (a 60 MB
    /// row took 1.4 GB): a data row is rejected for its count, a header refused for it.
    @Test func aRowOfVeryManyFieldsIsCountedNotHeld() async throws {
        let row = write("wide.csv", Array(("a,b\n1,2\n" + String(repeating: ",", count: 99_999) + "\n3,4\n").utf8))
        let batches = try await drain(source(row))
        #expect(records(batches) == [["a": "1", "b": "2"], ["a": "3", "b": "4"]])
        #expect(batches.flatMap(\.rejects).map(\.reason) == ["expected 2 fields as in the header, found 100000"])
        let header = write("header.csv", Array((String(repeating: "c,", count: 20_000) + "c\n1\n").utf8))
        await #expect { try await drain(source(header)) } throws: {
            "\($0)".contains("header row: 20001 fields, more than the 16384 columns a file may have")
        }
    }

    /// The same correction in a file read through a symbolic link (an export folder's "current"
    /// link): the file's own size and time tell it changed, not the link's, which never do.
    @Test func aCorrectionBehindASymbolicLinkIsRead() async throws {
        func row(_ id: Int, _ amount: Int) -> [UInt8] { Array("\(id),\(amount)\n".utf8) }
        let real = write("real.txt", Array("id,amount\n".utf8) + (1...200).flatMap { row($0, 100 + $0) })
        let link = (real as NSString).deletingLastPathComponent + "/current.csv"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "real.txt")
        let first = try await drain(source(link))
        #expect(records(first).count == 200)
        var bytes = try #require(FileManager.default.contents(atPath: real).map(Array.init))
        let old = row(5, 105), fixed = row(5, 106)
        let at = try #require((0...(bytes.count - old.count)).first { Array(bytes[$0..<($0 + old.count)]) == old })
        bytes.replaceSubrange(at..<(at + old.count), with: fixed)
        _ = write("real.txt", bytes + row(201, 301))
        let second = try await drain(source(link), after: first.last?.checkpoint)
        #expect(records(second).count == 201)
        #expect(records(second).first { $0["id"] == "5" }?["amount"] == "106")
    }

    /// A value corrected in place far before the checkpoint, keeping the length (one digit of
    /// an amount), with rows appended since: the bytes just before the checkpoint are as they
    /// were, but the file is read again from the start, so the correction is delivered. A file
    /// only appended to, again and again, goes on where it stopped; in GB18030 too.
    @Test(arguments: [false, true])
    func aSameLengthCorrectionBeforeTheCheckpointIsRead(gbk: Bool) async throws {
        let name: [UInt8] = gbk ? [0xBC, 0xD7] : Array("甲".utf8)
        func row(_ id: Int, _ amount: Int) -> [UInt8] { Array("\(id),\(amount),".utf8) + name + [0x0A] }
        let path = write("amounts.csv", Array("id,amount,name\n".utf8) + (1...200).flatMap { row($0, 100 + $0) })
        let first = try await drain(source(path))
        #expect(records(first).count == 200)
        func append(_ bytes: [UInt8]) throws {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seekToEnd()
            handle.write(Data(bytes))
            try handle.close()
        }
        try append(row(201, 301))
        let second = try await drain(source(path), after: first.last?.checkpoint)
        #expect(records(second).map { $0["id"] } == ["201"])
        try append(row(202, 302))
        let third = try await drain(source(path), after: second.last?.checkpoint)
        #expect(records(third).map { $0["id"] } == ["202"], "a resumed read goes on counting the bytes before it")
        // Row 5's amount 105 becomes 106, and a row is appended.
        var bytes = try #require(FileManager.default.contents(atPath: path).map(Array.init))
        let old = row(5, 105), fixed = row(5, 106)
        let at = try #require((0...(bytes.count - old.count)).first { Array(bytes[$0..<($0 + old.count)]) == old })
        bytes.replaceSubrange(at..<(at + old.count), with: fixed)
        _ = write("amounts.csv", bytes + row(203, 303))
        let fourth = try await drain(source(path), after: third.last?.checkpoint)
        #expect(records(fourth).count == 203)
        #expect(records(fourth).first { $0["id"] == "5" }?["amount"] == "106")
    }

    /// A rejected row fixed in place far before the checkpoint (the tail it fingerprints did not
    /// change), or in a file of a glob finished long ago, makes that file be read again from
    /// the start; a file whose rejected rows are as they were is not read again.
    @Test func aFileWhoseRejectedRowWasFixedIsReadAgain() async throws {
        let rows = (2...60).map { "\($0),name-\($0)" }.joined(separator: "\n")
        _ = write("d-1.csv", Array("id,name\n1,\"b\"x\n\(rows)\n".utf8))
        _ = write("d-2.csv", Array("id,name\n100,甲\n".utf8))
        let first = try await drain(source(directory + "/d-*.csv"))
        #expect(first.flatMap(\.rejects).map(\.origin.description) == ["d-1.csv:2"])
        #expect(records(first).count == 60)
        let unchanged = try await drain(source(directory + "/d-*.csv"), after: first.last?.checkpoint)
        #expect(records(unchanged).isEmpty && unchanged.flatMap(\.rejects).isEmpty)
        _ = write("d-1.csv", Array("id,name\n1,bx\n\(rows)\n".utf8))
        let fixedBefore = (unchanged.last ?? first.last)?.checkpoint
        // Read in batches of 10: a run stopped while d-1 is read again must not go back to it
        // (and read d-2 again after it), so its batches keep the checkpoint the run began with.
        let interrupted = try await drain(source(directory + "/d-*.csv", batchSize: 10), after: fixedBefore)
        #expect(interrupted.compactMap { $0.checkpoint?.value["file"]?.stringValue }.allSatisfy { $0.hasSuffix("d-2.csv") })
        let resumed = try await drain(source(directory + "/d-*.csv"), after: interrupted[2].checkpoint)
        #expect(records(resumed).count == 60, "the recheck reads d-1 again, d-2 not")
        let fixed = try await drain(source(directory + "/d-*.csv"), after: fixedBefore)
        #expect(records(fixed).first == ["id": "1", "name": "bx"])
        #expect(records(fixed).count == 60 && fixed.flatMap(\.rejects).isEmpty)
        // Rows rejected later on, appended to a finished file, do not count as a fix.
        let again = try await drain(source(directory + "/d-*.csv"), after: fixed.last?.checkpoint)
        #expect(records(again).isEmpty)
    }

    /// An empty file in a glob (created before its rows are written) holds nothing and does not
    /// stop the files after it; empty header cells, as Excel exports end rows, are numbered.
    @Test func emptyFilesAndEmptyHeaderCellsDoNotStopTheRead() async throws {
        _ = write("e-1.csv", Array("id,name,,\n1,甲,,\n".utf8))
        _ = write("e-2.csv", [])
        _ = write("e-2b.csv", [0xEF, 0xBB, 0xBF])   // Excel's empty "CSV UTF-8": a byte-order mark alone
        _ = write("e-3.csv", Array("id,name\n3,丙\n".utf8))
        let all = try await drain(source(directory + "/e-*.csv"))
        #expect(records(all) == [["id": "1", "name": "甲", "column_3": "", "column_4": ""], ["id": "3", "name": "丙"]])
        #expect(all.flatMap(\.rejects).isEmpty)
        // A JSON array file likewise, empty or blank.
        _ = write("j-1.json", [])
        _ = write("j-2.json", Array(" \n".utf8))
        _ = write("j-3.json", Array("[{\"id\":\"3\"}]".utf8))
        #expect(records(try await drain(source(directory + "/j-*.json"))) == [["id": "3"]])
    }

    @Test func refusesUTF16WithAReason() async throws {
        let path = write("u16.csv", [0xFF, 0xFE] + Array("i\0d\0\n\0".utf8))
        await #expect { _ = try await drain(source(path)) } throws: { "\($0)".contains("UTF-16 text (Excel's \"Unicode text\" export)") }
    }

    @Test func readsGlobsInNameOrderAndRemembersFinishedFiles() async throws {
        _ = write("p-1.jsonl", Array("{\"f\":1}\n".utf8))
        _ = write("p-2.jsonl", Array("{\"f\":2}\n".utf8))
        let all = try await drain(source(directory + "/p-*.jsonl", batchSize: 1))
        #expect(records(all) == [["f": 1], ["f": 2]])
        let rest = try await drain(source(directory + "/p-*.jsonl"), after: all.first?.checkpoint)
        #expect(records(rest) == [["f": 2]])
    }

    @Test func rejectsRecordsWithoutTheirKey() async throws {
        // An id of more digits than are kept exactly would read as 1: refused, not another record's key.
        let path = write("k.jsonl", Array("{\"id\":1}\n{\"x\":2}\n{\"id\":1.0000000000000000001}\n{\"id\":1.00}\n".utf8))
        let batches = try await drain(source(path, ["key": "id"]))
        #expect(batches[0].records.map(\.key) == ["1", "1"])
        #expect(batches[0].rejects.map(\.origin.position) == [2, 3])
        #expect(batches[0].rejects.first?.reason == "the key field 'id' is missing or not a string or a number of at most 18 significant digits")
    }

    @Test func stripsAUTF8ByteOrderMark() async throws {
        let path = write("bom.csv", [0xEF, 0xBB, 0xBF] + Array("a\n1\n".utf8))
        #expect(records(try await drain(source(path))) == [["a": "1"]])
    }

    /// `encoding: auto` decides by the first 64 KiB; when those are all ASCII (which UTF-8 and
    /// GB18030 read alike), rows further on that are not UTF-8 are read as GB18030.
    @Test(arguments: ["csv", "jsonl"])
    func gbkRowsAfterAnASCIIStartAreRead(format: String) async throws {
        let ascii = (1...12000).map { format == "csv" ? "\($0),a" : "{\"id\":\($0),\"n\":\"a\"}" }.joined(separator: "\n") + "\n"
        let gbk: [UInt8] = format == "csv" ? Array("12001,".utf8) + [0xD5, 0xC5, 0xC8, 0xFD] + [0x0A]
            : Array("{\"id\":12001,\"n\":\"".utf8) + [0xD5, 0xC5, 0xC8, 0xFD] + Array("\"}\n".utf8)
        let path = write("late." + format, Array(((format == "csv" ? "id,n\n" : "") + ascii).utf8) + gbk)
        let batches = try await drain(source(path))
        #expect(batches.flatMap(\.rejects).isEmpty)
        #expect(records(batches).last?["n"] == "张三")
        #expect(records(batches).count == 12001)
    }

    /// Decided GB18030 after an all-ASCII start, a file delimited by `|` keeps its fields whole
    /// where a character's trail byte is 0x7C (東 is 96 7C, 墊 89 7C): it split them, and the
    /// row was rejected for its field count. The row that decides is split again.
    @Test func aLateGBKDecisionReadsTrailBytesThatAreTheDelimiter() async throws {
        let ascii = "id|n|s\n" + (1...12000).map { "\($0)|a|b" }.joined(separator: "\n") + "\n"
        let rows: [UInt8] = Array("12001|".utf8) + [0xD5, 0xC5, 0x96, 0x7C] + Array("|x\n12002|".utf8) + [0x89, 0x7C] + Array("|y\n".utf8)
        let path = write("pipes.csv", Array(ascii.utf8) + rows)
        let batches = try await drain(source(path, ["delimiter": "|"]))
        #expect(batches.flatMap(\.rejects).isEmpty, "\(batches.flatMap(\.rejects).map(\.reason))")
        #expect(records(batches).suffix(2).map { [$0["n"], $0["s"]] } == [["张東", "x"], ["墊", "y"]])
    }

    /// After an all-ASCII start, the first row whose bytes tell decides the file's encoding for
    /// good, also across a resumed run: GBK's `女` (C5 AE) is valid UTF-8 too (`Ů`), so a row
    /// judged alone, or one field judged alone, read it wrong.
    @Test(arguments: ["csv", "jsonl"])
    func aLateGBKDecisionHoldsForTheRowAndTheRest(format: String) async throws {
        let ascii = (1...12000).map { format == "csv" ? "\($0),a,b" : "{\"id\":\($0),\"n\":\"a\",\"s\":\"b\"}" }.joined(separator: "\n") + "\n"
        func row(_ id: Int, _ name: [UInt8], _ sex: [UInt8]) -> [UInt8] {
            format == "csv" ? Array("\(id),".utf8) + name + [0x2C] + sex + [0x0A]
                : Array("{\"id\":\(id),\"n\":\"".utf8) + name + Array("\",\"s\":\"".utf8) + sex + Array("\"}\n".utf8)
        }
        let zhangSan: [UInt8] = [0xD5, 0xC5, 0xC8, 0xFD], female: [UInt8] = [0xC5, 0xAE]
        let path = write("sex." + format, Array(((format == "csv" ? "id,n,s\n" : "") + ascii).utf8)
                         + row(12001, zhangSan, female) + row(12002, Array("x".utf8), female))
        let first = try await drain(source(path, batchSize: 12001))
        #expect(first.flatMap(\.rejects).isEmpty)
        #expect(records(first).suffix(2).map { [$0["n"], $0["s"]] } == [["张三", "女"], ["x", "女"]])

        // Appended later, read from the checkpoint after row 12001: still GB18030.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(row(12003, Array("y".utf8), female)))
        try handle.close()
        let rest = try await drain(source(path), after: first.first?.checkpoint)
        #expect(records(rest).map { $0["s"] } == ["女", "女"])
    }

    /// A file whose first non-ASCII row holds much UTF-8 Chinese is UTF-8 from there: a later
    /// row with bytes that are not is rejected as such, not read as GB18030 mojibake.
    @Test func aLateUTF8DecisionRejectsLaterBytesThatAreNot() async throws {
        let ascii = (1...12000).map { "\($0),a" }.joined(separator: "\n") + "\n"
        let path = write("late-utf8.csv", Array(("id,n\n" + ascii + "12001,黄冈市黄州区人民政府办公室\n").utf8) + Array("12002,".utf8) + [0xD5, 0xC5, 0x0A])
        let batches = try await drain(source(path))
        #expect(records(batches).last?["n"] == "黄冈市黄州区人民政府办公室")
        #expect(batches.flatMap(\.rejects).map(\.reason) == ["bytes that are not UTF-8 (as this file's earlier rows are) in field 2"])
    }

    /// In a UTF-8 file, a character cut short at a field's end (an export that cut by bytes, after
    /// Chinese or after an ID number) or a CESU-8 emoji (Oracle's UTF8) rejects its row; a stray Windows-1252 byte reads as
    /// GB18030 in its field; none decides, so the UTF-8 rows after them are read as they are.
    @Test(arguments: ["csv", "jsonl"])
    func flawedUTF8DecidesNothing(format: String) async throws {
        let ascii = (1...12000).map { format == "csv" ? "\($0),a" : "{\"id\":\($0),\"n\":\"a\"}" }.joined(separator: "\n") + "\n"
        func row(_ id: Int, _ name: [UInt8]) -> [UInt8] {
            format == "csv" ? Array("\(id),".utf8) + name + [0x0A] : Array("{\"id\":\(id),\"n\":\"".utf8) + name + Array("\"}\n".utf8)
        }
        let cesu8Smile: [UInt8] = [0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80]
        let path = write("stray." + format, Array(((format == "csv" ? "id,n\n" : "") + ascii).utf8)
                         + row(12001, Array("张三".utf8)) + row(12002, Array("Andr".utf8) + [0xE9, 0x73])
                         + row(12003, Array(Array("北京市海淀区".utf8).prefix(8))) + row(12004, Array("好评".utf8) + cesu8Smile)
                         + row(12005, Array("李四".utf8)) + row(12006, Array("江岸区".utf8))
                         + row(12007, Array(Array("110101199001011234张三".utf8).prefix(20))) + row(12008, Array("王伟".utf8)))
        let batches = try await drain(source(path))
        let byID = Dictionary(records(batches).map { ("\($0["id"]?.intValue ?? Int($0["id"]?.stringValue ?? "") ?? 0)", $0["n"]?.stringValue) },
                              uniquingKeysWith: { first, _ in first })
        #expect(byID["12001"] == "张三" && byID["12005"] == "李四" && byID["12006"] == "江岸区" && byID["12008"] == "王伟", "\(byID.filter { $0.key.count == 5 && $0.key > "12000" })")
        #expect(byID["12002"] == "Andr閟")
        // The cut field and the CESU-8 one are UTF-8 with a flaw: rejected, as `encoding: utf-8` would.
        #expect(batches.flatMap(\.rejects).map(\.origin.position) == [12003, 12004, 12007].map { $0 + (format == "csv" ? 1 : 0) })
    }

    /// A GBK export's first Chinese row decides, though some of its fields are valid UTF-8 (女)
    /// or look like UTF-8 with a flaw (李芳, C0 EE B7 BC); a rare GBK character alone in a field
    /// (祎, B5 74) is read as GBK before anything decided.
    @Test func aGBKRowDecidesWhole() async throws {
        let ascii = (1...12000).map { "\($0),a,M,x" }.joined(separator: "\n") + "\n"
        let path = write("gbk.csv", Array(("id,n,s,d\n" + ascii).utf8)
                         + Array("12001,".utf8) + [0xB5, 0x74] + Array(",M,x\n".utf8)
                         + Array("12002,".utf8) + [0xC0, 0xEE, 0xB7, 0xBC] + [0x2C, 0xC5, 0xAE, 0x2C] + [0xB3, 0xAF, 0xD1, 0xF4, 0xC7, 0xF8] + [0x0A]
                         + Array("12003,".utf8) + [0xD1, 0xA7, 0xD0, 0xA3] + [0x2C, 0xC5, 0xAE, 0x2C, 0x78, 0x0A])
        let batches = try await drain(source(path))
        #expect(batches.flatMap(\.rejects).isEmpty)
        #expect(records(batches).suffix(3).map { [$0["n"], $0["s"], $0["d"]] } == [["祎", "M", "x"], ["李芳", "女", "朝阳区"], ["学校", "女", "x"]])
    }

    /// One GBK character that is not UTF-8 (男, C4 D0) decides: the 女 (C5 AE, valid UTF-8) of
    /// that row and of the rows after it is read as GBK.
    @Test func oneGBKCharacterDecides() async throws {
        let ascii = (1...12000).map { "\($0),a,M" }.joined(separator: "\n") + "\n"
        let male: [UInt8] = [0xC4, 0xD0], female: [UInt8] = [0xC5, 0xAE], zhang: [UInt8] = [0xD5, 0xC5]
        let path = write("sex.csv", Array(("id,n,s\n" + ascii).utf8) + Array("12001,Zhang,".utf8) + male + [0x0A]
                         + Array("12002,Li,".utf8) + female + [0x0A] + Array("12003,".utf8) + zhang + [0x2C] + female + [0x0A])
        let batches = try await drain(source(path))
        #expect(records(batches).suffix(3).map { [$0["n"], $0["s"]] } == [["Zhang", "男"], ["Li", "女"], ["张", "女"]])
    }

    /// The 64 KiB sample ends inside the first character that is not ASCII: that says nothing
    /// yet, and the rows decide (the file was taken for UTF-8, and its GBK rows rejected).
    @Test func aSampleEndingInsideACharacterDecidesNothing() async throws {
        var text = Array("id,n\n".utf8)
        var id = 0
        while text.count < 65_535 - 12 { id += 1; text += Array("\(id),a\n".utf8) }
        text += Array(String(repeating: "x", count: 65_535 - text.count - 3).utf8)
        text += Array(",a\n".utf8)
        #expect(text.count == 65_535)
        let wang: [UInt8] = [0xCD, 0xF5, 0xB7, 0xBC]
        let path = write("edge.csv", text + wang + Array(",b\n".utf8) + Array("9999,".utf8) + [0xD5, 0xC5] + [0x0A])
        let batches = try await drain(source(path))
        #expect(batches.flatMap(\.rejects).isEmpty)
        #expect(records(batches).suffix(2).map { $0["n"]?.stringValue } == ["b", "张"])
    }

    /// Short GBK text can be valid UTF-8 (岑光华 is E1AF B9E2 BBAA): it decides nothing, and
    /// in a row another field shows to be GB18030 it is read as GB18030 too.
    @Test func shortValidUTF8DecidesNothing() async throws {
        let ascii = (1...12000).map { "\($0),a,b" }.joined(separator: "\n") + "\n"
        let cen: [UInt8] = [0xE1, 0xAF, 0xB9, 0xE2, 0xBB, 0xAA], huanggang: [UInt8] = [0xBB, 0xC6, 0xB8, 0xD4]
        let path = write("short.csv", Array(("id,n,c\n" + ascii).utf8)
                         + Array("12001,".utf8) + cen + Array(",x\n12002,".utf8) + cen + [0x2C] + huanggang + [0x0A]
                         + Array("12003,".utf8) + [0xC0, 0xEE, 0xCB, 0xC4] + Array(",y\n".utf8))
        let batches = try await drain(source(path))
        #expect(batches.flatMap(\.rejects).isEmpty)
        #expect(records(batches).suffix(2).map { [$0["n"], $0["c"]] } == [["岑光华", "黄冈"], ["李四", "y"]])
    }

    /// A byte that is not GB18030 rejects its row only (a dead letter with its line), not the
    /// whole file: the rows after it are read.
    @Test func aBadGB18030ByteRejectsOnlyItsRow() async throws {
        let path = write("bad.csv", Array("a\n".utf8) + [0xB1, 0xE0, 0x0A, 0x81, 0x0A, 0xD2, 0xD2, 0x0A])
        let batches = try await drain(source(path, ["encoding": "gbk"]))
        #expect(records(batches) == [["a": "编"], ["a": "乙"]])
        #expect(batches.flatMap(\.rejects).map(\.origin.description) == ["bad.csv:3"])
        #expect(batches.flatMap(\.rejects).first?.reason == "bytes that are not GB18030 in field 1")
    }
}
