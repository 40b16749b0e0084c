import Foundation
import HuiliuCore
import HuiliuKit
import HuiliuSchema
import HuiliuStore
import Logging
import Synchronization

/// Reads one run of an external connector.
final class ProcessBatchReader: BatchReader {
    let source: ProcessSource
    let process: SpawnedProcess
    let output: LineReader
    let errorHandle: FileHandle
    let directory: String
    var state: Value?
    /// Each stream's primary key, as paths: from the Airbyte catalog, or Singer SCHEMA messages.
    var keyPaths: [String: [[String]]] = [:]
    /// How often each keyless record's content (stream and data, by digest) has come since the
    /// last STATE. A keyless record's event id comes from its origin, which is its content's
    /// digest and this count: the same record read again from the same state keeps its id, and
    /// another never takes it. Counted by position, a run's new records took the ids of the run
    /// before's (which upserting sinks then overwrote), and a re-read after a state the failed run
    /// had committed gave the records it re-sent new ids, so sinks held them twice. Forgotten at
    /// each STATE, so it holds a segment, not a run.
    var occurrences: [UInt64: Int] = [:]
    /// The segment keyless origins belong to: the state before them, by digest ("start" for
    /// none). Counted per segment alone, the same record in two segments took one id.
    var segment: String
    /// Lines read ahead of the batch they belong to.
    var pending: ArraySlice<[UInt8]> = []
    /// Whether a batch was handed on without a checkpoint since the last one with.
    var uncommitted = false
    /// Whether the run began from no state and its tap has sent none: a tap without state (a
    /// full table), whose writes are committed at the end of a run that succeeded. A tap with
    /// state re-sends what came after its last one, so those writes stay uncommitted, to be cut
    /// back and written once by the next run.
    var stateless: Bool
    var finished = false
    /// Lines read from stdout, for where a stray one was.
    var linesRead = 0
    let stderrTail = LineTail()
    var traceError: String?
    /// Set once `finish` reaped the process.
    var exited = false
    let errorsDrained = DispatchGroup()

    init(source: ProcessSource, state: Value?) throws {
        self.source = source
        self.state = state
        stateless = state?.isNull ?? true
        segment = Self.segment(after: state)
        if source.airbyte, let catalog = source.catalog { keyPaths = try Self.primaryKeys(catalog: catalog) }
        Self.removeLeftovers()
        directory = NSTemporaryDirectory() + "huiliu-process-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        // The config may hold credentials: only this user may read it, and it is removed after the run.
        let configFile = directory + "/config.json"
        guard FileManager.default.createFile(atPath: configFile, contents: Data(source.config.jsonText.utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw ProcessSourceError("cannot write the process's config file \(configFile)")
        }
        var arguments = Array(source.command.dropFirst())
        if source.airbyte { arguments.append("read") }
        arguments += ["--config", configFile]
        if let catalog = source.catalog { arguments += ["--catalog", catalog] }
        if let state, !state.isNull {
            let stateFile = directory + "/state.json"
            guard FileManager.default.createFile(atPath: stateFile, contents: Data(state.jsonText.utf8),
                                                 attributes: [.posixPermissions: 0o600]) else {
                throw ProcessSourceError("cannot write the process's state file \(stateFile)")
            }
            arguments += ["--state", stateFile]
        }
        let executable = try Self.executable(source.command[0], environment: source.environment)
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw ProcessSourceError("cannot start \(source.command[0]): \(executable) is not an executable file")
        }
        do {
            // In a process group of its own, so a stop ends the tap and whatever it started.
            process = try SpawnedProcess(executable, arguments, environment: source.environment,
                                         directory: source.projectDirectory, processGroup: true)
        } catch {
            throw ProcessSourceError("cannot start \(source.command[0]): \(error)")
        }
        // For the next run, should this process be killed before it can stop the tap.
        try? "\(process.pid)".write(toFile: directory + "/process.pid", atomically: true, encoding: .utf8)
        output = LineReader(process.standardOutput!, label: "stdout")
        errorHandle = process.standardError!
        drainErrors()
        // A background job the tap left running (`cmd &`) holds its stdout open, and the run
        // waited for the job to end: once the tap exits, what it left gets a moment to finish
        // writing, then goes with its process group. (A run that ended meanwhile reaped the tap;
        // its group is then not signalled.)
        let tap = process, logger = source.logger, name = source.command[0]
        DispatchQueue(label: "huiliu.process.exit").async {
            tap.waitForExit()
            DispatchQueue.global().asyncAfter(deadline: .now() + Self.leftoverGrace) {
                // Said, as what they would have written after now is lost. (Reaped, the tap's run
                // is over, and nothing of its group is signalled.)
                guard tap.isUnreaped, Self.groupHasOthers(tap.pid) else { return }
                logger.warning("the process exited, leaving processes that hold its output; they are stopped",
                               metadata: ["process": "\(name)"])
                tap.signalGroup(SIGKILL)
            }
        }
    }

    /// Removes the directories of runs whose process is gone (killed, so it could not clean up):
    /// their config files hold the connectors' credentials.
    static func removeLeftovers() {
        let temporary = NSTemporaryDirectory()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? [] where name.hasPrefix("huiliu-process-") {
            let rest = String(name.dropFirst("huiliu-process-".count))
            if UUID(uuidString: rest) != nil {
                // Named by an earlier version, without the pid: gone once a day old (no run of
                // that version is still going after an upgrade).
                let modified = (try? FileManager.default.attributesOfItem(atPath: temporary + name))?[.modificationDate] as? Date
                guard let modified, modified.timeIntervalSinceNow < -86_400 else { continue }
            } else {
                guard let pid = rest.split(separator: "-").first.flatMap({ Int32($0) }), kill(pid, 0) != 0 && errno == ESRCH else { continue }
            }
            stopOrphan(in: temporary + name)
            try? FileManager.default.removeItem(atPath: temporary + name)
        }
    }

    /// Kills the process group of the tap a dead run started, if it still runs: nothing else
    /// would stop it (a quiet or hanging tap never writes to the pipe that would end it), and
    /// the next run would start a second one against the same system and state. It is known
    /// by its pid and by its arguments, which name the run's directory (a pid may be reused).
    static func stopOrphan(in directory: String) {
        guard let text = try? String(contentsOfFile: directory + "/process.pid", encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1,
              let arguments = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
              String(decoding: arguments, as: UTF8.self).contains(directory + "/config.json") else { return }
        if kill(-pid, SIGKILL) != 0 { _ = kill(pid, SIGKILL) }
    }

    /// The program to run: a path as given, or a bare name (`tap-csv`, `python3`) looked up on
    /// the `PATH` the process gets, as a shell would.
    static func executable(_ name: String, environment: [String: String]) throws -> String {
        guard !name.contains("/") else { return name }
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw ProcessSourceError("cannot start \(name): no such program on PATH (\(path))")
    }

    /// Keeps the last lines of stderr for error messages and logs them (at debug level, or at
    /// the level a line starts with when that is a warning or worse, as Python's logging and
    /// singer-python write them: `WARNING …`, `ERROR:root:…`), on a
    /// thread of its own so a chatty process never blocks on a full pipe (a serial queue: the
    /// global queues are the cooperative pool's threads on Linux, and this read lasts as long
    /// as the process).
    func drainErrors() {
        errorsDrained.enter()
        let handle = errorHandle, logger = source.logger, name = source.command[0], tail = stderrTail
        let secrets = source.secretValues
        DispatchQueue(label: "huiliu.process.stderr").async { [errorsDrained] in
            var pending: [UInt8] = []
            // Bytes of `pending` known to hold no newline; and whether the line they start was
            // already cut, so a line of megabytes is kept as its start, not searched over and over.
            var searched = 0, cut = false
            func emit(_ bytes: ArraySlice<UInt8>) {
                // Masked only when logged (or quoted in an error, from the tail): a tap's chatter
                // below the log level cost 34 s of CPU for 50 MB, masking lines no one saw.
                let raw = String(decoding: bytes, as: UTF8.self)
                let level = Self.stderrLevel(raw)
                if logger.logLevel <= level {
                    logger.log(level: level, "\(Self.printable(raw, secrets: secrets))", metadata: ["process": "\(name)"])
                }
                tail.append(raw)
            }
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                pending.append(contentsOf: data)
                while let newline = pending[searched...].firstIndex(of: 0x0A) {
                    if !cut { emit(pending[..<newline]) }
                    pending.removeSubrange(...newline)
                    searched = 0
                    cut = false
                }
                searched = pending.count
                if pending.count > Self.longestLine {
                    if !cut { emit(pending[...]) }
                    cut = true
                    pending.removeAll(keepingCapacity: true)
                    searched = 0
                }
            }
            if !pending.isEmpty && !cut { emit(pending[...]) }
            errorsDrained.leave()
        }
    }

    /// Bytes of one stderr line kept; the rest of a longer line is dropped.
    static let longestLine = 64 * 1024

    func next() async throws -> RecordBatch? {
        guard !finished else { return nil }
        var records: [Record] = []
        var rejects: [RecordBatch.Rejected] = []
        while records.count < source.batchSize {
            if pending.isEmpty {
                // A run told to stop (a timeout, a shutdown) must not wait on a process that has
                // gone quiet: cancelling ends the process, which ends its output. Lines come as
                // many as are ready: one at a time, the hand-offs cost seven times the reading.
                let process = self.process
                pending = await withTaskCancellationHandler {
                    await output.nextLines(limit: 512)
                } onCancel: {
                    // The group, not just the tap: a shell script's `sleep` would keep the output open
                    // and the run waiting. SIGKILL, as the run is over anyway.
                    process.signalGroup(SIGKILL)
                }[...]
                try Task.checkCancellation()
            }
            guard let line = pending.popFirst() else {
                try await finish()
                finished = true
                // A tap without state has what it wrote committed at the end of a run that
                // succeeded: left uncommitted, the next run cut it from the sinks. (A tap with
                // state re-sends what came after its last one: left uncommitted, it is cut back
                // and written once.)
                guard stateless else { return records.isEmpty && rejects.isEmpty ? nil : RecordBatch(records: records, rejects: rejects, checkpoint: nil) }
                guard !records.isEmpty || !rejects.isEmpty || uncommitted else { return nil }
                return RecordBatch(records: records, rejects: rejects, checkpoint: Checkpoint(["state": .null]))
            }
            linesRead += 1
            guard !line.isEmpty else { continue }
            let message: Value
            do {
                message = try JSONReader.parse(line)
            } catch {
                rejects.append(stray(line, "not a protocol message: \(error)"))
                continue
            }
            switch try handle(message) {
            case .record(let record): records.append(record)
            case .reject(let reason): rejects.append(stray(line, reason))
            case .state(let value):
                state = value
                uncommitted = false
                stateless = false
                occurrences.removeAll(keepingCapacity: true)
                segment = Self.segment(after: value)
                // End the batch here: the state covers exactly the records before it.
                return RecordBatch(records: records, rejects: rejects, checkpoint: Checkpoint(["state": value]))
            case .none: break
            }
        }
        uncommitted = true
        return RecordBatch(records: records, rejects: rejects, checkpoint: nil)
    }

    /// A line of stdout kept as a reject instead of failing the run (taps print debug output
    /// there, quoting tokens), with the secrets masked as in the tap's logs. Where, so that two
    /// alike are two letters (the store folds a pending letter's repeats); not which run, so a
    /// line every run prints stays one letter per line.
    private func stray(_ line: [UInt8], _ reason: String) -> RecordBatch.Rejected {
        .init(origin: RecordOrigin("\(source.command[0]) stdout", position: linesRead), reason: reason,
              raw: .string(String(decoding: line, as: UTF8.self).maskingSecrets(source.secretValues, with: "***")))
    }

    enum Handled {
        case record(Record)
        case state(Value)
        /// A line that is JSON but no message this gateway can take, and why.
        case reject(String)
        case none
    }

    /// Message types of the protocols that carry nothing for the sinks (a catalog, a status,
    /// Singer's table versions and batch files).
    static let ignoredTypes: Set<String> = ["SPEC", "CONNECTION_STATUS", "CATALOG", "CONTROL", "DESTINATION_CATALOG",
                                            "ACTIVATE_VERSION", "BATCH"]

    func handle(_ message: Value) throws -> Handled {
        switch message["type"]?.stringValue {
        case "SCHEMA":
            if let stream = message["stream"]?.stringValue {
                keyPaths[stream] = (message["key_properties"]?.arrayValue?.compactMap(\.stringValue) ?? []).map { [$0] }
            }
            return .none
        case "RECORD":
            let body = source.airbyte ? (message["record"] ?? .null) : message
            guard let stream = body["stream"]?.stringValue, let data = source.airbyte ? body["data"] : body["record"] else {
                return .reject("a RECORD message without its stream or its \(source.airbyte ? "data" : "record")")
            }
            if let streams = source.streams, !streams.contains(stream) { return .none }
            // Airbyte streams of one name in two namespaces (two schemas) are two streams.
            let namespace = source.airbyte ? body["namespace"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } : nil
            let qualified = namespace.map { "\($0).\(stream)" } ?? stream
            let type = source.typeTemplate.replacingOccurrences(of: "{stream}", with: stream)
            var record: Record
            let parts = keyParts(of: data, stream: qualified, bare: stream)
            if let parts, parts.contains(where: \.isNull) {
                return .reject("a record of '\(qualified)' without its key (\(keyDescription(qualified, bare: stream)))")
            }
            if let parts, let key = RecordKey.make(parts) {
                record = Record(data: data, origin: RecordOrigin(qualified + "/" + key), key: qualified + "/" + key, type: type)
            } else {
                // No key, or one of parts no key is made of (an empty text, an object): known by content.
                let digest = Digest.sha256.hex(qualified + "\u{0}" + data.jsonText).prefix(16).description
                let slot = UInt64(digest, radix: 16) ?? 0
                occurrences[slot, default: 0] += 1
                let count = occurrences[slot]!
                record = Record(data: data, origin: RecordOrigin("\(qualified)@\(segment):\(digest)", position: count), type: type)
            }
            record.time = Self.time(of: message, body: body)
            return .record(record)
        case "STATE":
            if source.airbyte {
                return .state(mergeAirbyteState(message["state"] ?? .null))
            }
            return .state(message["value"] ?? .null)
        case "LOG":
            let log = message["log"] ?? .null
            let text = Self.printable(log["message"]?.stringValue ?? "", secrets: source.secretValues)
            source.logger.log(level: Self.level(log["level"]?.stringValue), "\(text)",
                              metadata: ["process": "\(source.command[0])"])
            return .none
        case "TRACE":
            if message["trace"]?["type"] == "ERROR" {
                traceError = message["trace"]?["error"]?["message"]?.stringValue ?? "the source reported an error"
            }
            return .none
        case let type? where Self.ignoredTypes.contains(type):
            return .none
        case let type?:
            return .reject("an unknown message type '\(type)'")
        case nil:
            return .reject("a JSON line that is no message (no \"type\")")
        }
    }

    /// The tag of the segment after `state`: its digest, or "start" for none.
    static func segment(after state: Value?) -> String {
        guard let state, !state.isNull else { return "start" }
        return Digest.sha256.hex(state.jsonText).prefix(12).description
    }

    /// The event time a tap gives a record: Singer's `time_extracted` (when it is an RFC 3339
    /// time every sink can store), Airbyte's `emitted_at` (epoch milliseconds). A mapping's
    /// `time` replaces it; without either, events had no time at all.
    static func time(of message: Value, body: Value) -> String? {
        if let extracted = message["time_extracted"]?.stringValue, RFC3339.isEventTime(extracted) { return extracted }
        if let emitted = body["emitted_at"]?.intValue, emitted > 0 {
            return Timestamp.format(Date(timeIntervalSince1970: Double(emitted) / 1000))
        }
        return nil
    }

    /// Airbyte STREAM states arrive per stream; the state to pass back is all of them. A GLOBAL
    /// state goes back as the list of that one message; a legacy one (type `LEGACY`, or none)
    /// as its `data` alone, which is what such a source reads from `--state`.
    func mergeAirbyteState(_ incoming: Value) -> Value {
        switch incoming["type"]?.stringValue {
        case nil, "LEGACY": return incoming["data"] ?? incoming["legacy"] ?? .null
        case "STREAM": break
        default: return .array([incoming])
        }
        guard let descriptor = incoming["stream"]?["stream_descriptor"] else { return .array([incoming]) }
        var states = state?.arrayValue ?? []
        states.removeAll { $0["type"] == "STREAM" && $0["stream"]?["stream_descriptor"] == descriptor }
        states.append(incoming)
        return .array(states)
    }

    /// The key paths of a stream: the source's `key`, else the stream's primary key (by its
    /// qualified name, then its bare one). `nil` when it has none.
    func keyPaths(stream: String, bare: String) -> [[String]]? {
        if let path = source.keyPath { return [path] }
        let paths = keyPaths[stream] ?? keyPaths[bare] ?? []
        return paths.isEmpty ? nil : paths
    }

    /// The values of the record's key parts (null where one is missing); `nil` when its stream has no key.
    func keyParts(of data: Value, stream: String, bare: String) -> [Value]? {
        keyPaths(stream: stream, bare: bare).map { $0.map { data.value(atPath: $0) ?? .null } }
    }

    /// The key a stream's records must have, for messages: `id`, or `meta.region, code`.
    func keyDescription(_ stream: String, bare: String) -> String {
        (keyPaths(stream: stream, bare: bare) ?? []).map { $0.joined(separator: ".") }.joined(separator: ", ")
    }

    /// Each stream's primary key in an Airbyte configured catalog: its `primary_key`, or the
    /// source-defined one, as paths (`[["id"], ["meta", "region"]]`).
    static func primaryKeys(catalog path: String) throws -> [String: [[String]]] {
        let catalog: Value
        guard let contents = FileManager.default.contents(atPath: path) else {
            throw ProcessSourceError("cannot read the catalog \(path): \(FileManager.default.fileExists(atPath: path) ? "not readable" : "no such file")")
        }
        do {
            catalog = try JSONReader.parse(Array(contents))
        } catch {
            throw ProcessSourceError("the catalog \(path) is not JSON: \(error)")
        }
        var keys: [String: [[String]]] = [:]
        for entry in catalog["streams"]?.arrayValue ?? [] {
            guard var name = entry["stream"]?["name"]?.stringValue else { continue }
            let bare = name
            if let namespace = entry["stream"]?["namespace"]?.stringValue, !namespace.isEmpty { name = namespace + "." + name }
            defer { if name != bare, keys[bare] == nil { keys[bare] = keys[name] } }  // for records that omit their namespace
            // An empty configured key is no key: the source's own, if it defines one.
            let configured = entry["primary_key"]?.arrayValue.flatMap { $0.isEmpty ? nil : $0 }
            let declared = configured ?? entry["stream"]?["source_defined_primary_key"]?.arrayValue ?? []
            keys[name] = declared.compactMap { $0.arrayValue?.compactMap(\.stringValue) }.filter { !$0.isEmpty }
        }
        return keys
    }

    /// The level a stderr line is logged at: warning or error when its level says so, else
    /// debug, as taps write their progress there. A `level`, `levelname` or `severity` key
    /// (JSON, logfmt) names it; else the first level name among the line's first three words
    /// (words with a letter, between spaces, tabs, colons, `|`, brackets, quotes and `=`; a
    /// timestamp's pieces do not count), written in capitals as Python's logging, singer-sdk and
    /// Airflow write it, or in brackets as structlog does (`[error    ]`). `INFO … 3 ERROR rows`
    /// is info: its level came first; "finished with 0 error records" names none.
    static func stderrLevel(_ line: String) -> Logger.Level {
        let bytes = Array(line.utf8.prefix(300))
        // Most lines name no level above info: said at once, not by splitting them into words
        // (a tap's progress chatter is most of what it writes).
        guard mayNameAWarning(bytes) else { return .debug }
        var words: [(text: String, bracketed: Bool)] = []
        var start: Int?
        for index in 0...bytes.count {
            let separator = index == bytes.count || Self.separators[Int(bytes[index])]
            if separator, let from = start {
                words.append((String(decoding: bytes[from..<index], as: UTF8.self), from > 0 && bytes[from - 1] == UInt8(ascii: "[")))
                start = nil
            } else if !separator && start == nil {
                start = index
            }
        }
        func level(_ word: String) -> Logger.Level? {
            switch word.uppercased() {
            case "WARNING", "WARN": .warning
            case "ERROR", "CRITICAL", "FATAL": .error
            case "INFO", "DEBUG", "TRACE", "NOTICE": .debug
            default: nil
            }
        }
        for (index, word) in words.enumerated() where ["LEVEL", "LEVELNAME", "SEVERITY"].contains(word.text.uppercased()) {
            if index + 1 < words.count, let named = level(words[index + 1].text) { return named }
        }
        // Words with a letter: a timestamp's numbers are not among the three.
        let lettered = words.filter { $0.text.utf8.contains { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A } }.prefix(3)
        for word in lettered {
            guard word.bracketed || word.text == word.text.uppercased(), let found = level(word.text) else { continue }
            return found
        }
        return .debug
    }

    /// Whether `bytes` hold `warn`, `error`, `critical` or `fatal` in any case.
    static func mayNameAWarning(_ bytes: [UInt8]) -> Bool {
        let words: [[UInt8]] = [Array("warn".utf8), Array("error".utf8), Array("critical".utf8), Array("fatal".utf8)]
        guard bytes.count >= 4 else { return false }
        for start in 0...(bytes.count - 4) {
            let first = bytes[start] | 0x20
            guard first == 0x77 || first == 0x65 || first == 0x63 || first == 0x66 else { continue }  // w e c f
            for word in words where word[0] == first && start + word.count <= bytes.count {
                var k = 1
                while k < word.count, bytes[start + k] | 0x20 == word[k] { k += 1 }
                if k == word.count { return true }
            }
        }
        return false
    }

    /// The bytes that end a word of a stderr line, by value: looked up per byte of every line.
    static let separators: [Bool] = (0..<256).map { " \t:|[]{}\"'=,()-".utf8.contains(UInt8($0)) }

    /// The log level of an Airbyte LOG message's level (FATAL, ERROR, WARN, INFO, DEBUG, TRACE).
    static func level(_ airbyte: String?) -> Logger.Level {
        switch airbyte?.uppercased() {
        case "FATAL", "ERROR": return .error
        case "WARN", "WARNING": return .warning
        case "DEBUG": return .debug
        case "TRACE": return .trace
        default: return .info
        }
    }

    /// A line from the process as logs and errors show it: `secrets` masked, and at most 4,000
    /// characters (a tap's one-line stack trace or progress bar can be megabytes).
    static func printable(_ text: String, secrets: [String]) -> String {
        let masked = text.maskingSecrets(secrets, with: "***")
        return masked.unicodeScalars.count <= 4_000 ? masked : String(String.UnicodeScalarView(masked.unicodeScalars.prefix(4_000))) + "… (cut)"
    }

    func finish() async throws {
        let process = self.process
        let (status, signal) = await withTaskCancellationHandler {
            await withCheckedContinuation { [errorsDrained] (continuation: CheckedContinuation<(Int32, Int32?), Never>) in
                DispatchQueue(label: "huiliu.process.wait").async {
                    // Exited but not reaped: the group's id stays the tap's while it is signalled.
                    process.waitForExit()
                    // A background job the tap started may hold its stderr open for as long as it
                    // runs (the run hung until it ended, deaf to Ctrl-C and timeouts): it gets a
                    // moment to finish writing, then goes with the tap's process group.
                    if errorsDrained.wait(timeout: .now() + Self.leftoverGrace) == .timedOut {
                        process.signalGroup(SIGKILL)
                        _ = errorsDrained.wait(timeout: .now() + Self.leftoverGrace)
                    }
                    continuation.resume(returning: process.wait())
                }
            }
        } onCancel: {
            process.signalGroup(SIGKILL)
        }
        exited = true
        try? FileManager.default.removeItem(atPath: directory)
        try Task.checkCancellation()
        if let traceError { throw ProcessSourceError("\(source.command[0]) reported: \(Self.printable(traceError, secrets: source.secretValues))") }
        guard status == 0 else {
            let tail = stderrTail.last(5).map { Self.printable($0, secrets: source.secretValues) }.joined(separator: "\n  ")
            let how = signal.map { "was killed by signal \($0)\($0 == SIGKILL ? " (the kernel's when memory runs out, or another process's)" : "")" }
                ?? "exited with status \(status)"
            throw ProcessSourceError("\(source.command[0]) \(how)\(tail.isEmpty ? "" : ":\n  " + tail)")
        }
    }

    /// Whether a process other than `leader` is in the process group `leader` leads (from /proc).
    static func groupHasOthers(_ leader: Int32) -> Bool {
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), pid != leader,
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // After the command's name: state, parent, group.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 2, Int32(fields[2]) == leader { return true }
        }
        return false
    }

    /// How long the tap's leftovers may keep its stderr open after it exited.
    static let leftoverGrace: DispatchTimeInterval = .seconds(5)

    func close() async {
        // SIGKILL, as when a read is cancelled. (A reaped child's pid is never signalled.)
        if !exited {
            process.signalGroup(SIGKILL)
            // Reaped, or each stopped run left a zombie child of the daemon.
            let process = self.process
            DispatchQueue(label: "huiliu.process.reap").async { process.wait() }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// An external connector that failed.
struct ProcessSourceError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The last lines a process wrote to stderr.
final class LineTail: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) {
        lines.withLock { lines in
            lines.append(line)
            if lines.count > 20 { lines.removeFirst() }
        }
    }

    func last(_ count: Int) -> [String] {
        lines.withLock { Array($0.suffix(count)) }
    }
}
