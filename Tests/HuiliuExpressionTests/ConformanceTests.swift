import Foundation
import HuiliuCore
import HuiliuExpression
import Testing

/// Runs every case of the official JMESPath compliance suite (Tests/Conformance/jmespath).
struct ConformanceTests {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Conformance/jmespath")

    struct Outcome {
        var passed = 0
        var failures: [String] = []
        var byKind: [String: Int] = [:]
    }

    static func run(file: String, into outcome: inout Outcome) throws {
        let data = try Data(contentsOf: folder.appendingPathComponent(file))
        let suites = try JSONReader.parse(Array(data))
        for suite in suites.arrayValue ?? [] {
            let given = suite["given"] ?? .null
            for testCase in suite["cases"]?.arrayValue ?? [] {
                let text = testCase["expression"]?.stringValue ?? ""
                let kind = testCase["error"] != nil ? "error" : (testCase["bench"] != nil ? "bench" : "result")
                outcome.byKind[kind, default: 0] += 1
                if let problem = check(text, given: given, testCase: testCase) {
                    outcome.failures.append("\(file): \(text)\n    \(problem)")
                } else {
                    outcome.passed += 1
                }
            }
        }
    }

    /// `nil` when the case passes, else what went wrong.
    static func check(_ text: String, given: Value, testCase: Value) -> String? {
        let result: Result<Value, ExpressionError>
        do {
            let expression = try Expression(text, keywordsAreFields: true)
            result = .success(try expression.evaluate(given))
        } catch {
            result = .failure(error)
        }
        switch (result, testCase["error"]) {
        case (.failure(let error), .string(let expected)?):
            return error.kind.description == expected ? nil : "expected error \(expected), got \(error.kind): \(error)"
        case (.success(let value), .string(let expected)?):
            return "expected error \(expected), got result \(value.jsonText)"
        case (.failure(let error), _):
            return "unexpected error \(error.kind): \(error)"
        case (.success(let value), _):
            guard let expected = testCase["result"] else { return nil }  // a bench case without a result
            return value == expected ? nil : "expected \(expected.jsonText), got \(value.jsonText)"
        }
    }

    @Test func everyComplianceCasePasses() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path)
            .filter { $0.hasSuffix(".json") }.sorted()
        #expect(files.count == 16)
        var outcome = Outcome()
        for file in files { try Self.run(file: file, into: &outcome) }
        let total = outcome.byKind.values.reduce(0, +)
        #expect(total == 908)
        #expect(outcome.byKind == ["result": 742, "error": 150, "bench": 16])
        #expect(outcome.failures.isEmpty, "\(outcome.failures.count) failing:\n\(outcome.failures.joined(separator: "\n"))")
        print("JMESPath compliance: \(outcome.passed) of \(total) cases passed "
              + "(\(outcome.byKind["result"] ?? 0) result, \(outcome.byKind["error"] ?? 0) error, \(outcome.byKind["bench"] ?? 0) bench)")
        #expect(outcome.passed == 908, "passed \(outcome.passed) of \(total)")
    }
}
