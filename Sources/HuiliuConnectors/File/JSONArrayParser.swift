import HuiliuCore

/// A JSON array of records, read one element at a time so the whole document never sits
/// in memory. A syntax error inside the array cannot be stepped over (there is no line
/// to skip to), so it fails the read with the byte offset.
struct JSONArrayParser: RecordParser {
    enum State { case beforeArray, firstElement, afterElement, done }

    var state: State
    var line: Int
    let path: String
    var reader = JSONReader()

    init(resumed: Bool, state saved: Value, line: Int, path: String) {
        if saved["done"] == true {
            state = .done
        } else {
            state = resumed ? .afterElement : .beforeArray
        }
        self.line = line
        self.path = path
    }

    /// Records that the closing `]` was read, so a resumed reader expects nothing more.
    var checkpointState: Value { state == .done ? ["done": true] : .null }

    mutating func next(_ window: ByteWindow) throws -> ParsedItem? {
        while true {
            guard let byte = try nextSignificantByte(window) else {
                // An empty file (created before it is written, as a CSV's can be) holds no records yet.
                if state == .done || state == .beforeArray { return nil }
                throw FileReadError(path: path, message: "byte \(window.position): the file ends inside the JSON array; expected ']'")
            }
            switch (state, byte) {
            case (.beforeArray, UInt8(ascii: "[")):
                window.start += 1
                state = .firstElement
            case (.beforeArray, _):
                throw FileReadError(path: path, message: "byte \(window.position): expected '[' to start a JSON array of records, found '\(Character(Unicode.Scalar(byte)))'")
            case (.firstElement, UInt8(ascii: "]")), (.afterElement, UInt8(ascii: "]")):
                window.start += 1
                state = .done
            case (.afterElement, UInt8(ascii: ",")):
                window.start += 1
                guard try nextSignificantByte(window) != nil else { continue }
                return try element(window)
            case (.afterElement, _):
                throw FileReadError(path: path, message: "byte \(window.position): expected ',' or ']' after an array element, found '\(Character(Unicode.Scalar(byte)))'")
            case (.firstElement, _):
                return try element(window)
            case (.done, _):
                throw FileReadError(path: path, message: "byte \(window.position): unexpected data after the end of the JSON array")
            }
        }
    }

    private mutating func element(_ window: ByteWindow) throws -> ParsedItem {
        while true {
            do throws(JSONError) {
                let (value, end) = try reader.parsePrefix(window.available, from: 0)
                let number = line
                line += window.countNewlines(window.start, window.start + end)
                window.start += end
                state = .afterElement
                return .record(value, line: number)
            } catch {
                if error.isIncomplete, try window.fill() { continue }
                throw FileReadError(path: path, message: "byte \(window.position + error.offset): \(error.message)")
            }
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
