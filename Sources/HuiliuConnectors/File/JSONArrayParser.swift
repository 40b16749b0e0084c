import HuiliuCore

/// A JSON array of records, read one element at a time so the whole document never sits
/// in memory. The array is the document itself, or the one a path of keys leads to
/// (`data.items` in `{"code":0,"data":{"items":[…]}}`): the objects on the way are read
/// member by member, and the values beside the path one at a time. A syntax error inside
/// the array cannot be stepped over (there is no line to skip to), so it fails the read
/// with the byte offset.
struct JSONArrayParser: RecordParser {
    enum State: Equatable {
        /// The value at depth `level` of the path starts next.
        case value(level: Int)
        /// Inside the object at depth `level`: its next member (or `}`) comes next.
        case member(level: Int, first: Bool)
        case firstElement, afterElement
        /// The value at depth `level` was read whole: the object holding it goes on.
        case left(level: Int)
        case done
    }

    var state: State
    var line: Int
    let path: String
    /// The keys leading to the array; none for a document that is the array.
    let selector: [String]
    /// Which keys of the path were met: a second `items` beside the first would leave which
    /// holds the records to chance.
    private var found: [Bool]
    /// The members holding arrays (or objects holding arrays) in the object on the path being
    /// read, while its key is not found: a path that leads nowhere beside them is mistyped.
    private var arraysBeside: [String] = []
    /// Why the document gave no records though it was read whole: its path leads nowhere.
    private(set) var notice: String?
    var reader = JSONReader()

    init(resumed: Bool, state saved: Value, line: Int, path: String, selector: [String] = []) {
        if saved["done"] == true {
            state = .done
        } else if let level = saved["left"]?.intValue, (0...selector.count).contains(level) {
            state = .left(level: level)
        } else {
            state = resumed ? .afterElement : .value(level: 0)
        }
        self.line = line
        self.path = path
        self.selector = selector
        // Resumed, the path was walked to its end before: a second `items` after it is as
        // much a duplicate as in the first run.
        found = Array(repeating: state != .value(level: 0), count: selector.count)
    }

    /// Where in the document a resumed reader is: after the end, after the one object the
    /// path leads to, or (by default) in the array.
    var checkpointState: Value {
        switch state {
        case .done: ["done": true]
        case .left(let level): ["left": .integer(level)]
        default: .null
        }
    }

    mutating func next(_ window: ByteWindow) throws -> ParsedItem? {
        while true {
            if case .left(let level) = state {
                state = level == 0 ? .done : .member(level: level - 1, first: false)
                continue
            }
            guard let byte = try nextSignificantByte(window) else {
                // An empty file (created before it is written, as a CSV's can be) holds no records yet.
                if state == .done || state == .value(level: 0) { return nil }
                throw FileReadError(path: path, message: "\(window.place(window.position)): the file ends inside the JSON \(selector.isEmpty ? "array" : "document"); expected \(expected)")
            }
            switch (state, byte) {
            case (.value(let level), _) where level < selector.count:
                if byte == UInt8(ascii: "{") {
                    window.start += 1
                    arraysBeside = []
                    state = .member(level: level, first: true)
                } else {
                    // Not an object: the path leads nowhere, and the document holds no records.
                    func what(_ type: String) -> String {
                        "\(level == 0 ? "the document" : "'\(selector[..<level].joined(separator: "."))'") is a JSON \(type), not an object holding '\(selector[level...].joined(separator: "."))'"
                    }
                    // An array where the path goes on is most likely the records, under a path that
                    // says more: said before it is read.
                    if byte == UInt8(ascii: "[") {
                        throw FileReadError(path: path, message: "\(window.place(window.position)): \(what("array")): check the records path")
                    }
                    let (skipped, _) = try value(window)
                    if !skipped.isNull { notice = what(skipped.typeName) + ": read as no records" }
                    state = .left(level: level)
                }
            case (.value, UInt8(ascii: "[")):
                window.start += 1
                state = .firstElement
            case (.value(let level), _):
                guard !selector.isEmpty else {
                    throw FileReadError(path: path, message: "\(window.place(window.position)): expected '[' to start a JSON array of records, found \(Self.describe(byte))")
                }
                // One object where the records are (or null, for none): it is the record, as a selector
                // evaluated on the whole document gives it.
                let (record, number) = try value(window)
                state = .left(level: level)
                if !record.isNull { return .record(record, line: number) }
            case (.member(let level, let first), _):
                if byte == UInt8(ascii: "}") {
                    if !found[level] {
                        let missing = selector[...level].joined(separator: ".")
                        let scope = level == 0 ? "" : selector[..<level].joined(separator: ".") + "."
                        guard arraysBeside.isEmpty else {
                            throw FileReadError(path: path, message: "\(window.place(window.position)): the document has no '\(missing)' but has \(arraysBeside.map { "'\(scope)\($0)'" }.joined(separator: ", ")), holding arrays: check the records path")
                        }
                        notice = "the document has no '\(missing)': read as no records"
                    }
                    window.start += 1
                    state = .left(level: level)
                    continue
                }
                if !first {
                    guard byte == UInt8(ascii: ",") else {
                        throw FileReadError(path: path, message: "\(window.place(window.position)): expected ',' or '}' after an object member, found \(Self.describe(byte))")
                    }
                    window.start += 1
                    guard try nextSignificantByte(window) != nil else { continue }
                }
                guard window.available.first == UInt8(ascii: "\"") else {
                    throw FileReadError(path: path, message: "\(window.place(window.position)): expected a string key, found \(window.available.first.map(Self.describe) ?? "the end")")
                }
                let (key, _) = try value(window)
                guard try nextSignificantByte(window) == UInt8(ascii: ":") else {
                    throw FileReadError(path: path, message: "\(window.place(window.position)): expected ':' after an object key, found \(window.available.first.map(Self.describe) ?? "the end")")
                }
                window.start += 1
                if key.stringValue == selector[level] {
                    guard !found[level] else {
                        throw FileReadError(path: path, message: "\(window.place(window.position)): '\(selector[...level].joined(separator: "."))' appears twice, so which holds the records is unclear")
                    }
                    found[level] = true
                    state = .value(level: level + 1)
                } else {
                    _ = try nextSignificantByte(window)
                    let (skipped, _) = try value(window)
                    // Arrays, and objects holding one (`Data` for `data`, `page.list` for `items`).
                    let holdsArray = skipped.arrayValue != nil || (skipped.objectValue?.values.contains { $0.arrayValue != nil } ?? false)
                    if !found[level], holdsArray, let name = key.stringValue { arraysBeside.append(name) }
                    state = .member(level: level, first: false)
                }
            case (.firstElement, UInt8(ascii: "]")), (.afterElement, UInt8(ascii: "]")):
                window.start += 1
                state = .left(level: selector.count)
            case (.afterElement, UInt8(ascii: ",")):
                window.start += 1
                guard try nextSignificantByte(window) != nil else { continue }
                return try element(window)
            case (.afterElement, _):
                throw FileReadError(path: path, message: "\(window.place(window.position)): expected ',' or ']' after an array element, found \(Self.describe(byte))")
            case (.firstElement, _):
                return try element(window)
            case (.left, _):
                break  // moved on above
            case (.done, _):
                throw FileReadError(path: path, message: "\(window.place(window.position)): unexpected data after the end of the JSON \(selector.isEmpty ? "array" : "document")")
            }
        }
    }

    /// What the state waits for, for the message of a file that ends early.
    private var expected: String {
        switch state {
        case .afterElement, .firstElement: "']'"
        case .member, .left: "'}'"
        default: "a value"
        }
    }

    private static func describe(_ byte: UInt8) -> String {
        byte < 0x80 ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    private mutating func element(_ window: ByteWindow) throws -> ParsedItem {
        let (value, number) = try value(window)
        state = .afterElement
        return .record(value, line: number)
    }

    /// The whole value starting at the window's start, and the line it starts on.
    private mutating func value(_ window: ByteWindow) throws -> (Value, Int) {
        while true {
            let parsed: (value: Value, end: Int)
            do throws(JSONError) {
                parsed = try reader.parsePrefix(window.available, from: 0)
            } catch {
                if error.isIncomplete, try window.fill() { continue }
                throw FileReadError(path: path, message: "\(window.place(window.position + error.offset)): \(error.message)")
            }
            // A number the window ends in may go on past it (1234|56): read on to know.
            if parsed.end == window.available.count, parsed.value.isNumber, try window.fill() { continue }
            let number = line
            line += window.countNewlines(window.start, window.start + parsed.end)
            window.start += parsed.end
            return (parsed.value, number)
        }
    }

    /// Skips whitespace (counting lines) and returns the next byte without consuming it.
    private mutating func nextSignificantByte(_ window: ByteWindow) throws -> UInt8? {
        while true {
            let bytes = window.available
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                if b == 0x0A { line += 1 } else if b != 0x20 && b != 0x09 && b != 0x0D {
                    window.start += i
                    return b
                }
                i += 1
            }
            window.start += bytes.count
            if !(try window.fill()) { return nil }
        }
    }
}
