import Foundation
import SwiftOverlayShims
public import HuiliuCore
import HuiliuExpression
public import HuiliuKit

/// Reads records from local files: a JSON array, JSON Lines, or CSV with a header; UTF-8
/// or GB18030/GBK (detected, or named with `encoding`). Resumes from the byte offset of
/// its last committed checkpoint, so a restarted sync neither repeats nor skips records.
public struct FileSource: SourceConnector {
    static let path = Field<String>("path", .path, "File to read, or a glob of files read in name order.",
                                    example: "data/inbox/payments-*.csv")
    static let format = Field<String>("format", .oneOf(["auto", "csv", "json", "jsonl"]),
                                      "File format; `auto` decides by extension (.csv, .json, .jsonl/.ndjson).",
                                      default: "auto")
    static let encoding = Field<String>("encoding", .oneOf(["auto", "utf-8", "gb18030", "gbk"]),
                                        "Text encoding; `auto` reads UTF-8 if the first 64 KiB are valid UTF-8 with some non-ASCII, GB18030 if they are not UTF-8 (unless eight or more characters of three or more bytes of valid UTF-8, such as Chinese ones, come before the first byte that is not: then a UTF-8 file with a bad row, which is rejected); after an all-ASCII start the first row that tells decides (bytes that are not UTF-8 and read as common Chinese decide GB18030, eight Chinese characters of valid UTF-8 decide UTF-8; a row of UTF-8 cut short or with a stray byte is rejected), and rows before it are read field by field: give the encoding when that matters.",
                                        default: "auto")
    static let delimiter = Field<String>("delimiter", .string, "CSV field separator (one character).", default: ",")
    static let key = Field<String?>("key", .string, "Field (dotted path) holding each record's natural key; it becomes the envelope subject and fixes the event id.",
                                    example: "payment_id")
    static let type = Field<String?>("type", .string, "Event type for the records until a `map` step sets one.",
                                     example: "budget.payment.raw.v1")
    static let maximumRecord = Field<Int>("max_record_bytes", .integer,
                                          "The longest record taken. A longer JSON Lines line is dead-lettered (its first 4 KiB kept) and skipped without being held in memory; a longer CSV row or JSON value (an unclosed quote, a field of gigabytes) fails the read at its byte, since it cannot be stepped over.",
                                          default: .integer(64 << 20), range: 1024...2_147_483_648)

    static let records = Field<String?>("records", .string,
                                        "For a JSON document that holds the records' array rather than being it: the keys leading to the array (`data.items` for `{\"code\":0,\"data\":{\"items\":[…]}}`), walked as the file streams. A single object there is one record; null, no records. A key of the path given twice fails the read, as does one missing beside members holding arrays (a mistyped path); missing otherwise, the document holds no records and a warning says so.",
                                        example: "data.items")

    public static let spec = ComponentSpec(
        name: "file", kind: .source,
        summary: "Reads JSON, JSON Lines or CSV files (UTF-8 or GB18030/GBK), resumable by byte offset.",
        details: """
            Files are read in sorted order when `path` is a glob. The checkpoint records the file and the \
            byte offset after the last delivered record, so appending to a file and running again reads \
            only the new records; a file changed before that offset (a rejected row fixed in place, one \
            digit of an amount corrected: a CRC of every byte read tells, up to 1 GiB read; beyond, the last \
            256 bytes) or cut shorter is read again from its start, with a warning, and its records come \
            again under the same ids where they have a key. Files of a glob that sort before the checkpoint's file count as read: \
            add late files under names that sort after it. A malformed JSON line or CSV row is dead-lettered \
            with its line number and reading goes on; a broken JSON array, or a CSV row or JSON value past \
            `max_record_bytes` (an unclosed quote), stops the run with the byte offset.
            """,
        fields: [path.spec, format.spec, records.spec, encoding.spec, delimiter.spec, key.spec, type.spec, maximumRecord.spec],
        shorthandField: "path")

    let pattern: String
    let displayBase: String
    let format: String
    let encoding: String
    let delimiter: UInt8
    let maximumRecordBytes: Int
    /// The keys leading to the records' array in a JSON document.
    let selector: [String]
    let keyPath: String?
    let keyComponents: [String]
    let type: String?
    let batchSize: Int
    let logger: Logger

    public init(config: ParsedConfig, context: ConnectorContext) throws {
        pattern = try config[Self.path]
        displayBase = context.projectDirectory
        format = try config[Self.format]
        encoding = try config[Self.encoding]
        let delimiterText = try config[Self.delimiter]
        guard delimiterText.utf8.count == 1, let byte = delimiterText.utf8.first else {
            throw config.error("delimiter", "'delimiter' must be a single ASCII character, got '\(delimiterText)'")
        }
        delimiter = byte
        maximumRecordBytes = try config[Self.maximumRecord]
        if let text = try config[Self.records] {
            guard let path = (try? Expression(text))?.fieldPath else {
                throw config.error("records", "'records' must be keys joined by dots, such as data.items (quote a key that is not a plain name: \"数据\".items); got '\(text)'")
            }
            guard format == "auto" || format == "json" else {
                throw config.error("records", "'records' picks the array out of a JSON document; a \(format) file has no document to pick it from")
            }
            selector = path
        } else {
            selector = []
        }
        keyPath = try config[Self.key]
        keyComponents = keyPath.map { $0.split(separator: ".", omittingEmptySubsequences: false).map(String.init) } ?? []
        type = try config[Self.type]
        batchSize = context.batchSize
        logger = context.logger
        // A name whose extension is written out and says no format fails every run: said at load
        // (lint), where a glob ending in `*` is left to the files it matches.
        let name = (pattern as NSString).lastPathComponent
        let fixedEnd = String(name.reversed().prefix { !"*?[]".contains($0) }.reversed())
        let written = fixedEnd.contains(".") || fixedEnd == name
        if format == "auto", written, (try? resolvedFormat(for: fixedEnd)) == nil {
            throw config.error("path", "cannot tell the format of '\(name)' from its extension (.csv, .json, .jsonl or .ndjson); set format: csv, json or jsonl")
        }
    }

    public func reader(after checkpoint: Checkpoint?) async throws -> any BatchReader {
        let files = pattern.contains(where: { "*?[".contains($0) }) ? globFiles() : [pattern]
        if files.isEmpty {
            // An inbox emptied by archiving is a run with nothing to read; a folder that is not
            // there (a typo, a share not mounted) fails it.
            let components = pattern.split(separator: "/", omittingEmptySubsequences: false)
            let folder = components.prefix { !$0.contains(where: { "*?[".contains($0) }) }.joined(separator: "/")
            var isFolder: ObjCBool = false
            guard !folder.isEmpty, FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
                throw FileReadError(path: pattern, message: "no file matches: there is no folder \(display(folder.isEmpty ? "." : folder))")
            }
            logger.info("no file matches; nothing to read", metadata: ["path": "\(display(pattern))"])
        }
        return FileBatchReader(source: self, files: files, checkpoint: FileCheckpoint(checkpoint).map(relocated))
    }

    /// A checkpoint written where the project was before it moved (restored elsewhere, a new
    /// release folder): its paths are put under the project's folder now by the part the
    /// pattern names (`in/2024-02.csv`). Compared as they were, every file would sort before or
    /// after the old path, and be skipped or read again.
    func relocated(_ checkpoint: FileCheckpoint) -> FileCheckpoint {
        let prefix = displayBase.hasSuffix("/") ? displayBase : displayBase + "/"
        guard checkpoint.file.hasPrefix("/"), !checkpoint.file.hasPrefix(prefix), pattern.hasPrefix(prefix) else { return checkpoint }
        // The pattern's folder under the project, which the old path has under the old project.
        let relative = display(pattern)
        let folder = relative.lastIndex(of: "/").map { String(relative[...$0]) } ?? ""
        guard !folder.contains(where: { "*?[".contains($0) }) else { return checkpoint }
        func moved(_ old: String) -> String? {
            if folder.isEmpty { return old.split(separator: "/").last.map { prefix + $0 } }
            guard let range = old.range(of: "/" + folder, options: .backwards) else { return nil }
            return prefix + folder + old[range.upperBound...]
        }
        guard let file = moved(checkpoint.file) else { return checkpoint }
        logger.warning("the checkpoint names a file outside the project (was it moved?); resuming at the same file here",
                       metadata: ["checkpoint": .string(checkpoint.file), "file": .string(display(file))])
        var result = checkpoint
        result.file = file
        result.rejected = Dictionary(checkpoint.rejected.map { (moved($0.key) ?? $0.key, $0.value) }, uniquingKeysWith: { $1 })
        result.rejectedStamps = Dictionary(checkpoint.rejectedStamps.map { (moved($0.key) ?? $0.key, $0.value) }, uniquingKeysWith: { $1 })
        return result
    }

    func globFiles() -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { result.gl_pathv[$0].map { String(cString: $0) } }.sorted()
    }

    /// The path as shown in origins and messages: relative to the project when inside it.
    func display(_ path: String) -> String {
        let prefix = displayBase.hasSuffix("/") ? displayBase : displayBase + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }

    func resolvedFormat(for path: String) throws -> String {
        guard format == "auto" else { return format }
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") { return "csv" }
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") { return "jsonl" }
        if lower.hasSuffix(".json") { return "json" }
        throw FileReadError(path: display(path), message: "cannot tell the format from the extension; set format: csv, json or jsonl")
    }
}

import Logging

/// Where a file source stands: the file, the byte offset after the last delivered record,
/// the line number there, and format state (a CSV header).
struct FileCheckpoint {
    var file: String
    var offset: Int
    var line: Int
    var state: Value
    /// The SHA-256 (hex) of the bytes just before `offset`, and how many: a file changed
    /// before the checkpoint rather than appended to no longer has them there.
    var tail: (bytes: Int, sha256: String)?
    /// The CRC-32 of every byte read before `offset` (after a byte-order mark), and the file's
    /// size and modification time then: a fix in place anywhere before the checkpoint that keeps
    /// the length (a digit of an amount) leaves the tail as it was, but not this.
    var prefixCRC: UInt32?
    var stamp: String?
    /// Files read with rows rejected, and those rows' fingerprints (`line:digest`): a row fixed in
    /// place (as the dead-letter advice says) makes its file be read again, however far the
    /// checkpoint has gone past it.
    var rejected: [String: [String]] = [:]
    /// Each such file's size and modification time when it was read (`size:seconds`):
    /// a file still so is not parsed again to look for a fix.
    var rejectedStamps: [String: String] = [:]

    init?(_ checkpoint: Checkpoint?) {
        guard let object = checkpoint?.value.objectValue, let file = object["file"]?.stringValue,
              let offset = object["offset"]?.intValue else { return nil }
        self.file = file
        self.offset = offset
        self.line = object["line"]?.intValue ?? 1
        self.state = object["state"] ?? .null
        if let bytes = object["tail_bytes"]?.intValue, let digest = object["tail_sha256"]?.stringValue { tail = (bytes, digest) }
        prefixCRC = object["prefix_crc32"]?.intValue.flatMap(UInt32.init(exactly:))
        stamp = object["stamp"]?.stringValue
        for (path, rows) in object["rejected"]?.objectValue ?? Object() {
            rejected[path] = rows.arrayValue?.compactMap(\.stringValue) ?? []
        }
        for (path, stamp) in object["rejected_stamps"]?.objectValue ?? Object() {
            if let text = stamp.stringValue { rejectedStamps[path] = text }
        }
    }

    init(file: String, offset: Int, line: Int, state: Value, tail: (bytes: Int, sha256: String)? = nil) {
        self.file = file
        self.offset = offset
        self.line = line
        self.state = state
        self.tail = tail
    }

    /// A file's size and modification time, to tell whether it changed since it was read.
    /// The file a symbolic link names, not the link: the link's own stamp never changes when
    /// the file is corrected in place, so the change went unnoticed.
    static func stamp(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let modified = Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1_000_000_000)
        return "\(info.st_size):\(modified.timeIntervalSince1970)"
    }

    /// The fingerprint of a rejected row: its line and the start of the digest of what it held.
    static func rejectFingerprint(line: Int, raw: String) -> String {
        "\(line):" + String(Digest.sha256.hex(raw).prefix(16))
    }

    /// The fingerprint of `bytes`, the bytes before a checkpoint, from the first whole UTF-8
    /// character on: a GB18030 file is read through a decoder that can seek to the start of a
    /// character only.
    static func tail(of bytes: UnsafeRawBufferPointer) -> (bytes: Int, sha256: String)? {
        let start = bytes.firstIndex { $0 & 0xC0 != 0x80 } ?? bytes.count
        let whole = UnsafeRawBufferPointer(rebasing: bytes[start...])
        return whole.isEmpty ? nil : (whole.count, Digest.hexString(Digest.sha256.hash(whole)))
    }

    var checkpoint: Checkpoint {
        var object: Object = ["file": .string(file), "offset": .integer(offset), "line": .integer(line), "state": state]
        if let tail {
            object["tail_bytes"] = .integer(tail.bytes)
            object["tail_sha256"] = .string(tail.sha256)
        }
        if let prefixCRC { object["prefix_crc32"] = .integer(Int(prefixCRC)) }
        if let stamp { object["stamp"] = .string(stamp) }
        if !rejected.isEmpty {
            object["rejected"] = .object(Object(rejected.sorted { $0.key < $1.key }.map { ($0.key, .array($0.value.map { .string($0) })) }))
            let stamps = rejectedStamps.filter { rejected[$0.key] != nil }.sorted { $0.key < $1.key }
            if !stamps.isEmpty { object["rejected_stamps"] = .object(Object(stamps.map { ($0.key, .string($0.value)) })) }
        }
        return Checkpoint(.object(object))
    }
}
