import Foundation
import HuiliuCore
import HuiliuKit
import Testing

/// Where a character of a YAML value is in its file, whatever way the value was written.
struct SourceLocationScalarTests {
    func locate(_ yaml: String, line: Int, column: Int, value: String, offset: Int) throws -> String {
        let path = NSTemporaryDirectory() + "locating-\(UUID().uuidString).yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let at = SourceLocation(file: path, line: line, column: column).locating(offset: offset, in: value)
        return "\(at.line):\(at.column)"
    }

    @Test(arguments: ["\n", "\r\n"])
    func aLiteralBlockOverLines(newline: String) throws {
        // `filter: |` then two lines; the value is "a == 'x'\n  && b == ]\n", the ']' at offset 19.
        let yaml = ["steps:", "  - filter: |", "      a == 'x'", "        && b == ]", ""].joined(separator: newline)
        #expect(try locate(yaml, line: 2, column: 14, value: "a == 'x'\n  && b == ]\n", offset: 19) == "4:17")
    }

    @Test func escapesInADoubleQuotedValue() throws {
        let yaml = "- filter: \"\\\"a\\\" == 'x' | | b\"\n"
        #expect(try locate(yaml, line: 1, column: 12, value: "\"a\" == 'x' | | b", offset: 13) == "1:27")
    }

    @Test func pastTheEndIsAfterTheLastCharacter() throws {
        #expect(try locate("a: >\n  x &&\n  y\n", line: 1, column: 5, value: "x && y\n", offset: 7) == "3:4")
    }
}
