import Foundation
import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import Testing
@testable import HuiliuTestSupport

/// File streams: CSV (GB18030), JSON Lines, JSON and XLSX from a folder; processed files are
/// remembered by name, size, time and digest.
struct FileStreamTests {
    static func connector(pattern: String, format: String = "auto", extra: String = "") throws -> TestConnector {
        try TestConnector.make("""
            version: 1
            name: drops
            summary: Files.
            spec:
              folder: { type: string, description: The folder. }
              sheet: { type: string, description: Sheet., optional: true }
            streams:
              rows:
                files:
                  location: "{{ config.folder }}"
                  pattern: "\(pattern)"
                  format: \(format)
                  sheet: "{{ config.sheet }}"
            \(extra)
            """, name: "drops")
    }

    @Test func gbkCSVAndJSONLinesInNameOrder() async throws {
        let folder = try makeTemporaryDirectory("huiliu-drops")
        let written = try run(findExecutable("python3") ?? "/usr/bin/python3",
                              ["-c", "import sys; open(sys.argv[1], 'wb').write('编号,名称\\n1,黄冈市\\n2,麻城市\\n'.encode('gbk'))",
                               folder + "/a-2024-01.csv"])
        #expect(written.status == 0)
        try "{\"编号\":\"3\",\"名称\":\"武穴市\"}\n".write(toFile: folder + "/b-2024-02.jsonl", atomically: true, encoding: .utf8)
        try "ignored".write(toFile: folder + "/notes.txt", atomically: true, encoding: .utf8)
        let connector = try Self.connector(pattern: "*-2024-*")
        let result = try await drained(try connector.source("folder: \(folder)", stream: "rows"))
        #expect(result.records.map { $0.data["名称"] } == ["黄冈市", "麻城市", "武穴市"])
        #expect(result.records.first?.origin.description == "a-2024-01.csv:2")
    }

    /// A local file whose name is GBK bytes (a Windows share mounted as is) cannot be opened by
    /// the name Foundation lists: the run says so, where it read nothing and succeeded.
    @Test func aFileNamedInGBKIsNamedNotSkipped() async throws {
        let folder = try makeTemporaryDirectory("huiliu-gbk-names")
        let written = try run(findExecutable("python3") ?? "/usr/bin/python3",
                              ["-c", "import sys, os; open(os.fsencode(sys.argv[1]) + '/预算.csv'.encode('gbk'), 'wb').write(b'a,b\\n1,2\\n')", folder])
        #expect(written.status == 0)
        let connector = try Self.connector(pattern: "*.csv")
        await #expect { _ = try await drained(try connector.source("folder: \(folder)", stream: "rows")) } throws: {
            "\($0)".contains("a file whose name is not UTF-8 (GBK?) cannot be read: rename it")
        }
    }

    @Test func processedFilesAreRememberedAndChangedOnesReadAgain() async throws {
        let folder = try makeTemporaryDirectory("huiliu-drops")
        try "id,v\n1,a\n2,b\n".write(toFile: folder + "/d1.csv", atomically: true, encoding: .utf8)
        let connector = try Self.connector(pattern: "*.csv")
        let first = try await drained(try connector.source("folder: \(folder)", stream: "rows"))
        #expect(first.records.count == 2)
        let state = try #require(first.lastCheckpoint)
        #expect(state.value["cursors"]?["d1.csv"]?["sha256"]?.stringValue?.count == 64)
        // A new file is read; the old one is not.
        try "id,v\n3,c\n".write(toFile: folder + "/d2.csv", atomically: true, encoding: .utf8)
        let second = try await drained(try connector.source("folder: \(folder)", stream: "rows"), after: state)
        #expect(second.records.map { $0.data["id"] } == ["3"])
        // Touched but unchanged: skipped. Rewritten: read again.
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(60)], ofItemAtPath: folder + "/d1.csv")
        let touched = try await drained(try connector.source("folder: \(folder)", stream: "rows"), after: second.lastCheckpoint)
        #expect(touched.records.isEmpty)
        try "id,v\n1,a\n2,b\n4,d\n".write(toFile: folder + "/d1.csv", atomically: true, encoding: .utf8)
        let changed = try await drained(try connector.source("folder: \(folder)", stream: "rows"), after: touched.lastCheckpoint)
        #expect(changed.records.map { $0.data["id"] } == ["1", "2", "4"])
    }

    /// A file rewritten with the same size within the same second it was read keeps its size
    /// and time: the digest tells, and the new content is read.
    @Test func aSameSizeRewriteInTheSameSecondIsReadAgain() async throws {
        let folder = try makeTemporaryDirectory("huiliu-drops")
        let path = folder + "/d1.csv"
        let stamp = Date()
        try "id,v\n1,100\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: stamp], ofItemAtPath: path)
        let connector = try Self.connector(pattern: "*.csv")
        let first = try await drained(try connector.source("folder: \(folder)", stream: "rows"))
        try "id,v\n1,900\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: stamp], ofItemAtPath: path)
        let second = try await drained(try connector.source("folder: \(folder)", stream: "rows"), after: first.lastCheckpoint)
        #expect(second.records.map { $0.data["v"] } == ["900"])
    }

    @Test func checkListsTheMatchingFiles() async throws {
        let folder = try makeTemporaryDirectory("huiliu-drops")
        for name in ["a.csv", "b.csv", "c.txt"] { try "id\n1\n".write(toFile: folder + "/" + name, atomically: true, encoding: .utf8) }
        let connector = try Self.connector(pattern: "*.csv")
        let report = await (try connector.source("folder: \(folder)", stream: "rows")).checkConnection()
        #expect(report.succeeded)
        #expect(report.description.contains("2 files match '*.csv'"))
        #expect(report.description.contains("1 record in the first batch"), "\(report.description)")
        let missing = await (try connector.source("folder: \(folder)/nowhere", stream: "rows")).checkConnection()
        #expect(!missing.succeeded)
        // A rejected row is said but fails nothing: the run dead-letters it and goes on.
        let rows = try makeTemporaryDirectory("huiliu-drops")
        try "id,v\n1,2\n3,4,5\n".write(toFile: rows + "/a.csv", atomically: true, encoding: .utf8)
        let partly = await (try connector.source("folder: \(rows)", stream: "rows")).checkConnection()
        #expect(partly.succeeded && partly.description.contains("1 record, 1 rejected in the first batch"), "\(partly.description)")
        // A file that lists but cannot be read fails the check, as it would fail the run.
        try Data("not a zip".utf8).write(to: URL(fileURLWithPath: folder + "/broken.xlsx"))
        let workbooks = await (try Self.connector(pattern: "*.xlsx").source("folder: \(folder)", stream: "rows")).checkConnection()
        #expect(!workbooks.succeeded && workbooks.description.contains("broken.xlsx: too short to be a ZIP archive"), "\(workbooks.description)")
    }

    @Test func aJSONDocumentWithARecordSelector() async throws {
        let folder = try makeTemporaryDirectory("huiliu-drops")
        try "{\"meta\":{},\"data\":{\"items\":[{\"id\":1},{\"id\":2}]}}".write(toFile: folder + "/x.json", atomically: true, encoding: .utf8)
        // An empty one beside it (being written) holds no records yet.
        try "".write(toFile: folder + "/y.json", atomically: true, encoding: .utf8)
        let connector = try Self.connector(pattern: "*.json", extra: "    records: data.items")
        #expect(try await drained(try connector.source("folder: \(folder)", stream: "rows")).ids == [1, 2])
    }

    /// A run stopped inside a JSON document resumes at the row it stopped at, as in a workbook;
    /// it read the document again from its first record, delivering those again.
    @Test func anInterruptedJSONDocumentResumesWhereItStopped() async throws {
        let folder = try makeTemporaryDirectory("huiliu-drops")
        let items = (1...25).map { "{\"id\":\($0)}" }.joined(separator: ",")
        try "{\"data\":{\"items\":[\(items)]}}".write(toFile: folder + "/x.json", atomically: true, encoding: .utf8)
        let connector = try Self.connector(pattern: "*.json", extra: "    records: data.items")
        let all = try await drained(try connector.source("folder: \(folder)", stream: "rows"))
        #expect(all.ids == Array(1...25))
        let stopped = try #require(all.batches.first?.checkpoint)
        let rest = try await drained(try connector.source("folder: \(folder)", stream: "rows"), after: stopped)
        #expect(rest.ids == Array(11...25))
    }

    /// A JSON document streams to the records its path leads to: the first batch arrives
    /// before a fault late in the document (held whole, it was the fault alone).
    @Test func aJSONDocumentStreams() async throws {
        let folder = try makeTemporaryDirectory("huiliu-drops")
        let items = (1...25).map { "{\"id\":\($0)}" }.joined(separator: ",")
        try "{\"data\":{\"items\":[\(items)]},\"tail\":[1 2]}".write(toFile: folder + "/x.json", atomically: true, encoding: .utf8)
        let connector = try Self.connector(pattern: "*.json", extra: "    records: data.items")
        var reader = try await connector.source("folder: \(folder)", stream: "rows").reader(after: nil)
        #expect(try await reader.next()?.records.compactMap { $0.data["id"]?.intValue } == Array(1...10))
        do {
            while try await reader.next() != nil {}
            Issue.record("no error")
        } catch {
            #expect("\(error)".contains("x.json: byte"), "\(error)")
        }
    }

    /// A run stopped in a JSON document by the release before, which saved the records it
    /// delivered rather than a byte offset, resumes after them: none come twice.
    @Test func aDocumentStoppedByTheLastReleaseResumesAfterItsRecords() async throws {
        let folder = try makeTemporaryDirectory("huiliu-drops")
        let items = (1...25).map { "{\"id\":\($0)}" }.joined(separator: ",")
        try "{\"data\":{\"items\":[\(items)]}}".write(toFile: folder + "/x.json", atomically: true, encoding: .utf8)
        let connector = try Self.connector(pattern: "*.json", extra: "    records: data.items")
        let stopped = try #require(try await drained(try connector.source("folder: \(folder)", stream: "rows")).batches.first?.checkpoint)
        var old = try #require(stopped.value.objectValue)
        var current = try #require(old["current"]?.objectValue)
        for key in ["offset", "line", "state"] { current[key] = nil }
        current["row"] = 10
        current["rows"] = 25
        old["current"] = .object(current)
        let rest = try await drained(try connector.source("folder: \(folder)", stream: "rows"), after: Checkpoint(.object(old)))
        #expect(rest.ids == Array(11...25))
    }

    /// A workbook whose bytes do not match its CRC-32 is said to be damaged, and one whose
    /// shared strings would take more than a gigabyte to hold is refused before they are read.
    @Test func aDamagedOrOversizedWorkbookIsRefused() async throws {
        for (name, patch, message) in [
            ("crc.xlsx", "b[i + 16] ^= 0xFF", "do not match the archive's CRC-32"),
            ("strings.xlsx", "b[i + 24:i + 28] = struct.pack('<I', 3 << 29)", "bytes, more than the 1024 MiB it is read into memory with"),
        ] {
            let folder = try makeTemporaryDirectory("huiliu-drops")
            try Self.makeWorkbook(folder + "/" + name)
            // Patch the central directory entry of the part the case is about.
            let member = name == "crc.xlsx" ? "xl/worksheets/sheet1.xml" : "xl/sharedStrings.xml"
            let patched = try run(findExecutable("python3") ?? "/usr/bin/python3", ["-c", """
                import sys, struct
                b = bytearray(open(sys.argv[1], 'rb').read()); i = 0
                while (i := b.find(b'PK\\x01\\x02', i)) >= 0:
                    n = struct.unpack('<H', b[i + 28:i + 30])[0]
                    if b[i + 46:i + 46 + n] == sys.argv[2].encode(): \(patch)
                    i += 4
                open(sys.argv[1], 'wb').write(b)
                """, folder + "/" + name, member])
            #expect(patched.status == 0, "\(patched.output)")
            let connector = try Self.connector(pattern: "*.xlsx")
            await #expect { _ = try await drained(try connector.source("folder: \(folder)", stream: "rows")) } throws: {
                "\($0)".contains(message)
            }
        }
    }

    /// A sheet whose bytes do not match its CRC-32 delivers none of its rows: the check comes
    /// before the first, where at the sheet's end it let the rows before it through.
    @Test func aSheetFailingItsCRCDeliversNothing() async throws {
        let folder = try makeTemporaryDirectory("huiliu-drops")
        try Self.makeLongWorkbook(folder + "/long.xlsx", rows: 25, brokenAfter: nil)
        let patched = try run(findExecutable("python3") ?? "/usr/bin/python3", ["-c", """
            import sys, struct
            b = bytearray(open(sys.argv[1], 'rb').read()); i = 0
            while (i := b.find(b'PK\\x01\\x02', i)) >= 0:
                n = struct.unpack('<H', b[i + 28:i + 30])[0]
                if b[i + 46:i + 46 + n] == b'xl/worksheets/sheet1.xml': b[i + 16] ^= 0xFF
                i += 4
            open(sys.argv[1], 'wb').write(b)
            """, folder + "/long.xlsx"])
        #expect(patched.status == 0, "\(patched.output)")
        var reader = try await Self.connector(pattern: "*.xlsx").source("folder: \(folder)", stream: "rows").reader(after: nil)
        do {
            let batch = try await reader.next()
            Issue.record("a batch of \(batch?.records.count ?? 0) records came first")
        } catch {
            #expect("\(error)".contains("do not match the archive's CRC-32") && !"\(error)".contains("row"), "\(error)")
        }
    }

    /// A sheet made to crash or exhaust the gateway is refused as damaged, naming its row: a
    /// cell reference of many letters overflowed (and took the daemon down), a header cell at
    /// ZZZZZ1 built rows of millions of null columns, a shared string the table lacks read as
    /// null (a row of them vanished), a cell past 32,767 characters was held whatever its size.
    @Test func aSheetPastASpreadsheetsLimitsIsRefused() async throws {
        for (rows, message) in [
            (#"<row r="1"><c r="AAAAAAAAAAAAAAA1" t="inlineStr"><is><t>id</t></is></c></row>"#, "row 1 has a cell past column XFD"),
            (#"<row r="1"><c r="ZZZZZ1" t="inlineStr"><is><t>id</t></is></c></row>"#, "row 1 has a cell past column XFD"),
            (#"<row r="9223372036854775807"><c r="A1"><v>1</v></c></row><row><c><v>2</v></c></row>"#, "row 9223372036854775807 is outside rows 1 to 1048576"),
            (#"<row r="0"><c r="A1"><v>1</v></c></row>"#, "row 0 is outside rows 1 to 1048576"),
            (#"<row r=" 5"><c r="A1"><v>1</v></c></row>"#, #"a row's number, r=" 5", is not a whole number"#),
            (#"<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>99</v></c></row>"#,
             "row 2 has a cell that refers to shared string '99', but the workbook has 1"),
            (#"<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>-1</v></c></row>"#, "row 2 has a cell that refers to shared string '-1'"),
            ("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row><row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>{BIG}</t></is></c></row>",
             "row 2 has a cell longer than a spreadsheet cell can be"),
            (#"<row r="99999999999999999999999"><c r="A1"><v>1</v></c></row>"#, "row 99999999999999999999999 is outside rows 1 to 1048576"),
            // A DTD, whose entities would be dropped from the text, a row of them vanishing.
            ("DTD", "the shared string table declares a DTD"),
        ] {
            let folder = try makeTemporaryDirectory("huiliu-drops")
            try Self.makeSheetWorkbook(folder + "/bad.xlsx", rows: rows == "DTD" ? #"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"# : rows,
                                       shared: rows == "DTD" ? #"<!DOCTYPE sst [<!ENTITY a "id">]><sst><si><t>&a;</t></si></sst>"# : nil)
            let connector = try Self.connector(pattern: "*.xlsx")
            await #expect { _ = try await drained(try connector.source("folder: \(folder)", stream: "rows")) } throws: {
                "\($0)".contains("bad.xlsx: " + message)
            }
        }
    }

    /// A column the header leaves unnamed is in a record only where it holds a value: a header
    /// cell at XFD1 gave every record 16,384 members. Numbers are read in decimal only.
    @Test func unnamedColumnsAppearOnlyWithAValue() async throws {
        let folder = try makeTemporaryDirectory("huiliu-drops")
        try Self.makeSheetWorkbook(folder + "/wide.xlsx", rows: #"""
            <row r="1"><c r="A1" t="s"><v>0</v></c><c r="XFD1" t="inlineStr"><is><t></t></is></c></row>\#
            <row r="2"><c r="A2"><v>1</v></c></row><row r="3"><c r="A3"><v>2</v></c><c r="C3"><v>0x10</v></c></row>
            """#)
        let records = try await drained(try Self.connector(pattern: "*.xlsx").source("folder: \(folder)", stream: "rows")).records
        #expect(records.map(\.data) == [["id": 1], ["id": 2, "column_3": "0x10"]])
    }

    /// A sheet streams as it inflates: its first rows arrive before a fault far down it, and
    /// a run stopped in it resumes after the rows it delivered.
    @Test func aLongSheetStreamsAndResumes() async throws {
        let folder = try makeTemporaryDirectory("huiliu-drops")
        try Self.makeLongWorkbook(folder + "/long.xlsx", rows: 25, brokenAfter: nil)
        let connector = try Self.connector(pattern: "*.xlsx")
        let all = try await drained(try connector.source("folder: \(folder)", stream: "rows"))
        #expect(all.ids == Array(1...25))
        #expect(all.records.first?.origin.position == 2)
        let stopped = try #require(all.batches.first?.checkpoint)
        let rest = try await drained(try connector.source("folder: \(folder)", stream: "rows"), after: stopped)
        #expect(rest.ids == Array(11...25))
        let broken = try makeTemporaryDirectory("huiliu-drops")
        try Self.makeLongWorkbook(broken + "/cut.xlsx", rows: 25, brokenAfter: 15)
        var reader = try await connector.source("folder: \(broken)", stream: "rows").reader(after: nil)
        #expect(try await reader.next()?.records.count == 10)
        do {
            while try await reader.next() != nil {}
            Issue.record("no error")
        } catch {
            #expect("\(error)".contains("cut.xlsx: the sheet is not valid XML"), "\(error)")
        }
    }

    /// The download folders of a process that was killed are removed by the next reader; those
    /// a reader holds the lock of (in this process or another) are not.
    @Test func leftoverDownloadsOfADeadProcessAreRemoved() async throws {
        let folder = try makeTemporaryDirectory("huiliu-drops")
        try "{\"id\":1}\n".write(toFile: folder + "/x.jsonl", atomically: true, encoding: .utf8)
        let connector = try Self.connector(pattern: "*.jsonl")
        let tmp = connector.project + "/data/tmp"
        let dead = tmp + "/drops-rows-17", alive = tmp + "/drops-rows-18"
        for path in [dead, alive] { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        let held = try FileLock(path: alive + ".lock")
        defer { withExtendedLifetime(held) {} }
        #expect(try await drained(try connector.source("folder: \(folder)", stream: "rows")).ids == [1])
        #expect(!FileManager.default.fileExists(atPath: dead))
        #expect(FileManager.default.fileExists(atPath: alive))
    }

    /// A JSON document is read with the encodings the file source knows: a UTF-8 byte-order
    /// mark, or GBK.
    @Test func aJSONDocumentInGBKOrWithABOM() async throws {
        let folder = try makeTemporaryDirectory("huiliu-drops")
        try Data([0xEF, 0xBB, 0xBF] + Array(#"{"data":{"items":[{"id":1}]}}"#.utf8)).write(to: URL(fileURLWithPath: folder + "/a.json"))
        let written = try run(findExecutable("python3") ?? "/usr/bin/python3",
                              ["-c", "import sys; open(sys.argv[1], 'wb').write('{\"data\":{\"items\":[{\"id\":2,\"名称\":\"黄冈市\"}]}}'.encode('gbk'))",
                               folder + "/b.json"])
        #expect(written.status == 0)
        let connector = try Self.connector(pattern: "*.json", extra: "    records: data.items")
        let records = try await drained(try connector.source("folder: \(folder)", stream: "rows")).records
        #expect(records.map { $0.data["id"] } == [1, 2])
        #expect(records.last?.data["名称"] == "黄冈市")
        // Read whole (a selector that is no path of keys), an error's byte counts the mark too.
        let broken = try makeTemporaryDirectory("huiliu-drops")
        try Data([0xEF, 0xBB, 0xBF] + Array(#"{"data":{"items":[{"id":1},]}}"#.utf8)).write(to: URL(fileURLWithPath: broken + "/c.json"))
        let whole = try Self.connector(pattern: "*.json", extra: "    records: data.items | @")
        await #expect { _ = try await drained(try whole.source("folder: \(broken)", stream: "rows")) } throws: {
            "\($0)".contains("c.json: invalid JSON at byte 30:")
        }
    }

    @Test func aMissingFolderIsSaidPlainly() async throws {
        let connector = try Self.connector(pattern: "*.csv")
        await #expect { _ = try await drained(try connector.source("folder: /nonexistent/drops", stream: "rows")) } throws: {
            "\($0)".contains("/nonexistent/drops: no such folder")
        }
    }

    /// A workbook whose directory declares a part far larger than its compressed bytes could
    /// hold (a zip bomb) is refused before anything is allocated for it.
    @Test func aZipBombIsRefused() async throws {
        let folder = try makeTemporaryDirectory("huiliu-drops")
        try Self.makeWorkbook(folder + "/bomb.xlsx")
        // Declare 60 MiB (under the 64 MiB a workbook part may hold) for every member.
        let patch = try run(findExecutable("python3") ?? "/usr/bin/python3", ["-c", """
            import sys, struct
            b = bytearray(open(sys.argv[1], 'rb').read()); i = 0
            while (i := b.find(b'PK\\x01\\x02', i)) >= 0:
                b[i + 24:i + 28] = struct.pack('<I', 60 << 20); i += 4
            open(sys.argv[1], 'wb').write(b)
            """, folder + "/bomb.xlsx"])
        #expect(patch.status == 0)
        let connector = try Self.connector(pattern: "*.xlsx")
        await #expect { _ = try await drained(try connector.source("folder: \(folder)", stream: "rows")) } throws: {
            "\($0)".contains("a zip bomb?")
        }
    }

    /// A file that is no workbook is named in the error.
    @Test func aFileThatIsNoWorkbookIsNamed() async throws {
        let folder = try makeTemporaryDirectory("huiliu-drops")
        try Data("not a zip".utf8).write(to: URL(fileURLWithPath: folder + "/broken.xlsx"))
        let connector = try Self.connector(pattern: "*.xlsx")
        await #expect { _ = try await drained(try connector.source("folder: \(folder)", stream: "rows")) } throws: {
            "\($0)".contains("broken.xlsx: too short to be a ZIP archive; not an XLSX workbook")
        }
    }

    /// `pattern` is a glob, not a template: one would match no file, and every run read nothing.
    @Test func aTemplatedPatternIsAProblem() throws {
        let problems = try TestConnector.problems("""
            version: 1
            name: drops
            summary: Files.
            spec:
              folder: { type: string, description: The folder. }
            streams:
              rows:
                files:
                  location: "{{ config.folder }}"
                  pattern: "{{ config.folder }}-*.csv"
            """, name: "drops")
        #expect(problems.contains { $0.contains("connector.yaml:10:17: 'pattern' is a glob such as hourly-*.csv, not a template") }, "\(problems)")
    }

    @Test func xlsxFirstOrNamedSheet() async throws {
        let folder = try makeTemporaryDirectory("huiliu-drops")
        try Self.makeWorkbook(folder + "/stations.xlsx")
        let connector = try Self.connector(pattern: "*.xlsx")
        let first = try await drained(try connector.source("folder: \(folder)", stream: "rows"))
        #expect(first.records.map(\.data) == [["站点": "巴河入江口", "编号": 1, "水质": 2.5, "达标": true],
                                               ["站点": "遗爱湖", "编号": 2, "水质": .null, "达标": false]])
        let named = try await drained(try connector.source("folder: \(folder)\nsheet: 第二页", stream: "rows"))
        // Excel's escapes are decoded (`_x000D_` a carriage return, `_x005F_` an underscore);
        // the indentation of a pretty-printed part between elements is not text.
        #expect(named.records.map(\.data) == [["a": "x"], ["a": "y\rz"], ["a": "第一行\r\n第二行 a_x0041_"]])
    }

    /// Numbers come as Excel shows them (15 significant digits), an error cell is null, and a
    /// serial in an unstyled cell stays a number that excel_date() reads; a duplicate header name, or values
    /// beyond the header (a title row above it), fail the file rather than lose columns.
    @Test func xlsxNumbersErrorsAndHeaders() async throws {
        let folder = try makeTemporaryDirectory("huiliu-drops")
        try Self.makeWorkbook(folder + "/book.xlsx")
        let connector = try Self.connector(pattern: "*.xlsx")
        let numbers = try await drained(try connector.source("folder: \(folder)\nsheet: 数值", stream: "rows"))
        // Styled empty header cells are column_N, not "null" twice, and in a record only with a
        // value (these have none); a run of a space is text.
        #expect(numbers.records.map(\.data) == [["金额": .decimal(DecimalNumber("1234.56")!), "比率": .null, "日期": 45356,
                                                  "备 注": .null]])
        await #expect { _ = try await drained(try connector.source("folder: \(folder)\nsheet: 重复", stream: "rows")) } throws: {
            "\($0)".contains("row 1, the header, has duplicate column 'name' (columns 2 and 3)")
        }
        await #expect { _ = try await drained(try connector.source("folder: \(folder)\nsheet: 标题", stream: "rows")) } throws: {
            "\($0)".contains("row 2 has a value in column 2, beyond the header's 1") && "\($0)".contains("title")
        }
    }

    /// A number in a cell styled as a date or time reads as Excel shows it, in either day
    /// system; durations, numbers with a quoted letter, unstyled serials and 1900-02-29 (which
    /// never was) stay numbers.
    @Test(arguments: [false, true]) func xlsxDateCellsReadAsTheyShow(date1904: Bool) async throws {
        let folder = try makeTemporaryDirectory("huiliu-drops")
        try Self.makeDatedWorkbook(folder + "/dates.xlsx", date1904: date1904)
        let connector = try Self.connector(pattern: "*.xlsx")
        let records = try await drained(try connector.source("folder: \(folder)", stream: "rows")).records
        let shift = date1904 ? 1462 : 0
        #expect(records.first?.data == [
            "内置日期": "2024-03-05", "日期时间": "2024-03-05T12:00:00", "中文日期": "2024-03-05", "时长": .decimal(DecimalNumber("1.5")!),
            "天数": 3, "时刻": "18:00:00", "将尽": "2024-03-05", "近午夜": "2024-03-05T23:59:59", "无样式": .integer(45356 - shift), "文字": "2024年",
            // Built-in 34 is a time in a Chinese workbook and a date in a Japanese one: read as both.
            "时或日": date1904 ? "1904-01-01T18:00:00" : "18:00:00",
        ])
        #expect(records.last?.data["时或日"] == "2024-03-05T00:00:00")
        if !date1904 {
            #expect(records.last?.data["内置日期"] == 60)
        }
    }

    /// Writes a workbook whose cells carry date, time, duration and number styles.
    static func makeDatedWorkbook(_ path: String, date1904: Bool) throws {
        let script = #"""
        import sys, zipfile
        date1904 = sys.argv[2] == '1'
        shift = 1462 if date1904 else 0
        ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
        pr = '<workbookPr date1904="1"/>' if date1904 else ''
        styles = (f'<?xml version="1.0"?><styleSheet {ns}><numFmts count="4">'
            '<numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
            '<numFmt numFmtId="165" formatCode="[h]:mm:ss"/><numFmt numFmtId="166" formatCode="0&quot;d&quot;"/>'
            '<numFmt numFmtId="167" formatCode="[$-804]yyyy-mm-dd\ hh:mm:ss;@"/></numFmts>'
            '<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>'
            '<cellXfs count="9"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="22"/>'
            '<xf numFmtId="165"/><xf numFmtId="166"/><xf numFmtId="20"/><xf numFmtId="167"/><xf numFmtId="34"/></cellXfs>'
            # A conditional format's own numFmt with a cell format's id must not replace it.
            '<dxfs count="1"><dxf><numFmt numFmtId="164" formatCode="0.00"/></dxf></dxfs></styleSheet>')
        def cell(ref, value, style):
            return f'<c r="{ref}" s="{style}"><v>{value}</v></c>'
        names = ['内置日期', '日期时间', '中文日期', '时长', '天数', '时刻', '近午夜', '无样式', '文字', '时或日', '将尽']
        header = ''.join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{n}</t></is></c>' for i, n in enumerate(names))
        row2 = (cell('A2', 45356 - shift, 1) + cell('B2', 45356.5 - shift, 3) + cell('C2', 45356 - shift, 2) + cell('D2', 1.5, 4)
            + cell('E2', 3, 5) + cell('F2', 0.75, 6) + cell('G2', 45356.999999 - shift, 7) + cell('H2', 45356 - shift, 0)
            + '<c r="I2" s="1" t="inlineStr"><is><t>2024年</t></is></c>' + cell('J2', 0.75, 8) + cell('K2', 45356.99999 - shift, 1))
        row3 = (cell('A3', 60, 1) if not date1904 else cell('A3', 1, 1)) + cell('J3', 45356 - shift, 8)
        files = {
          '[Content_Types].xml': '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
          'xl/workbook.xml': f'<?xml version="1.0"?><workbook {ns}>{pr}<sheets><sheet name="日期" sheetId="1" r:id="rId1"/></sheets></workbook>',
          'xl/_rels/workbook.xml.rels': '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>',
          'xl/styles.xml': styles,
          'xl/worksheets/sheet1.xml': f'<?xml version="1.0"?><worksheet {ns}><sheetData><row r="1">{header}</row><row r="2">{row2}</row><row r="3">{row3}</row></sheetData></worksheet>',
        }
        with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
            for name, text in files.items():
                z.writestr(name, text)
        """#
        let result = try run(findExecutable("python3") ?? "/usr/bin/python3", ["-c", script, path, date1904 ? "1" : "0"])
        guard result.status == 0 else { throw FixtureError("writing the workbook failed: \(result.output)") }
    }

    /// Writes a two-sheet workbook with shared and inline strings, numbers, a boolean and a gap, with Python's zipfile.
    /// A one-sheet workbook whose sheetData is `rows` (`{BIG}` in it 50,000 characters), with
    /// one shared string.
    static func makeSheetWorkbook(_ path: String, rows: String, shared: String? = nil) throws {
        let script = #"""
            import sys, zipfile
            ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
            files = {
              'xl/workbook.xml': f'<?xml version="1.0"?><workbook {ns}><sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>',
              'xl/_rels/workbook.xml.rels': '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>',
              'xl/sharedStrings.xml': '<?xml version="1.0"?>' + (sys.argv[3] if len(sys.argv) > 3 else f'<sst {ns}><si><t>id</t></si></sst>'),
              'xl/worksheets/sheet1.xml': f'<?xml version="1.0"?><worksheet {ns}><sheetData>' + sys.argv[2].replace('{BIG}', '长' * 50000) + '</sheetData></worksheet>',
            }
            with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
                for name, text in files.items():
                    z.writestr(name, text)
            """#
        let result = try run(findExecutable("python3") ?? "/usr/bin/python3", ["-c", script, path, rows] + (shared.map { [$0] } ?? []))
        guard result.status == 0 else { throw FixtureError("writing the workbook failed: \(result.output)") }
    }

    /// A one-sheet workbook of `rows` rows (id, a long note) after the header; its XML is cut
    /// off after row `brokenAfter`, if given.
    static func makeLongWorkbook(_ path: String, rows: Int, brokenAfter: Int?) throws {
        let script = #"""
            import sys, zipfile
            rows, broken = int(sys.argv[2]), int(sys.argv[3])
            ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
            def cell(ref, text): return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'
            body = '<row r="1">' + cell('A1', 'id') + cell('B1', 'note') + '</row>'
            for i in range(1, rows + 1):
                body += f'<row r="{i + 1}"><c r="A{i + 1}"><v>{i}</v></c>' + cell(f'B{i + 1}', '备注' * 400) + '</row>'
                if i == broken: body += '<row r="99"><c><v>1</x></c></row>'
            files = {
              '[Content_Types].xml': '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
              'xl/workbook.xml': f'<?xml version="1.0"?><workbook {ns}><sheets><sheet name="明细" sheetId="1" r:id="rId1"/></sheets></workbook>',
              'xl/_rels/workbook.xml.rels': '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>',
              'xl/worksheets/sheet1.xml': f'<?xml version="1.0"?><worksheet {ns}><sheetData>{body}</sheetData></worksheet>',
            }
            with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
                for name, text in files.items():
                    z.writestr(name, text)
            """#
        let result = try run(findExecutable("python3") ?? "/usr/bin/python3", ["-c", script, path, "\(rows)", "\(brokenAfter ?? -1)"])
        guard result.status == 0 else { throw FixtureError("writing the workbook failed: \(result.output)") }
    }

    static func makeWorkbook(_ path: String) throws {
        let script = #"""
        import sys, zipfile
        ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
        files = {
          '[Content_Types].xml': '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
          'xl/workbook.xml': f'<?xml version="1.0"?><workbook {ns}><sheets><sheet name="第一页" sheetId="1" r:id="rId1"/><sheet name="第二页" sheetId="2" r:id="rId2"/><sheet name="数值" sheetId="3" r:id="rId3"/><sheet name="重复" sheetId="4" r:id="rId4"/><sheet name="标题" sheetId="5" r:id="rId5"/></sheets></workbook>',
          'xl/_rels/workbook.xml.rels': '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Target="/xl/worksheets/sheet2.xml"/><Relationship Id="rId3" Target="worksheets/sheet3.xml"/><Relationship Id="rId4" Target="worksheets/sheet4.xml"/><Relationship Id="rId5" Target="worksheets/sheet5.xml"/></Relationships>',
          'xl/sharedStrings.xml': f'<?xml version="1.0"?><sst {ns}><si><t>站点</t></si><si><t>编号</t></si><si><r><t>水</t></r><r><t>质</t></r></si><si><t>巴河入江口</t></si><si><t>遗爱湖</t></si>\n  <si>\n    <t>第一行_x000D_\n第二行 a_x005F_x0041_</t>\n  </si></sst>',
          'xl/worksheets/sheet1.xml': f'<?xml version="1.0"?><worksheet {ns}><sheetData>'
            '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="inlineStr"><is><t>达标</t></is></c></row>'
            '<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2"><v>1</v></c><c r="C2"><v>2.5</v></c><c r="D2" t="b"><v>1</v></c></row>'
            '<row r="4"><c r="A4" t="s"><v>4</v></c><c r="B4"><v>2</v></c><c r="D4" t="b"><v>0</v></c></row>'
            '</sheetData></worksheet>',
          'xl/worksheets/sheet2.xml': f'<?xml version="1.0"?><worksheet {ns}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c></row>'
            '<row r="3"><c r="A3" t="inlineStr"><is>\n  <r><t>y</t></r>\n  <r><t>_x000D_z</t></r>\n</is></c></row>'
            '<row r="4"><c r="A4" t="s"><v>5</v></c></row></sheetData></worksheet>',
          'xl/worksheets/sheet3.xml': f'<?xml version="1.0"?><worksheet {ns}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>金额</t></is></c><c r="B1" t="inlineStr"><is><t>比率</t></is></c><c r="C1" t="inlineStr"><is><t>日期</t></is></c><c r="D1" s="3"/><c r="E1" s="3"/><c r="F1" t="inlineStr"><is><r><t>备</t></r><r><t xml:space="preserve"> </t></r><r><t>注</t></r></is></c></row>'
            '<row r="2"><c r="A2"><f>SUM(X1:X9)</f><v>1234.5599999999999</v></c><c r="B2" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="C2"><v>45356</v></c></row></sheetData></worksheet>',
          'xl/worksheets/sheet4.xml': f'<?xml version="1.0"?><worksheet {ns}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c><c r="B1" t="inlineStr"><is><t>name</t></is></c><c r="C1" t="inlineStr"><is><t>name</t></is></c></row>'
            '<row r="2"><c r="A2"><v>1</v></c><c r="B2" t="inlineStr"><is><t>张三</t></is></c><c r="C2" t="inlineStr"><is><t>李四</t></is></c></row></sheetData></worksheet>',
          'xl/worksheets/sheet5.xml': f'<?xml version="1.0"?><worksheet {ns}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>说明：本表为汇总</t></is></c></row>'
            '<row r="2"><c r="A2" t="inlineStr"><is><t>id</t></is></c><c r="B2" t="inlineStr"><is><t>name</t></is></c></row></sheetData></worksheet>',
        }
        with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
            for name, text in files.items():
                z.writestr(name, text)
        """#
        let result = try run(findExecutable("python3") ?? "/usr/bin/python3", ["-c", script, path])
        guard result.status == 0 else { throw FixtureError("writing the workbook failed: \(result.output)") }
    }
}
