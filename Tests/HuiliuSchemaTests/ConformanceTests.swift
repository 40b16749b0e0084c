import Foundation
import HuiliuCore
import HuiliuSchema
import Testing

/// The official JSON Schema Test Suite (draft 2020-12) in `Tests/Conformance/json-schema`.
///
/// Every file runs. Groups that need what Huiliu leaves out are skipped by name below, each
/// with its reason, and the run prints how many tests passed, failed and were skipped.
struct ConformanceTests {
    /// Groups left out on purpose: file → group description → reason.
    static let skipped: [String: [String: String]] = [
        "defs.json": [
            "validate definition against metaschema":
                "needs the draft 2020-12 meta-schema documents, which are remote and use $dynamicRef",
        ],
        "ref.json": [
            "remote ref, containing refs itself":
                "needs the draft 2020-12 meta-schema documents, which are remote and use $dynamicRef",
            "ref creates new scope when adjacent to keywords":
                "uses unevaluatedProperties, which Huiliu does not implement (compiling it is an error)",
        ],
        "not.json": [
            "collect annotations inside a 'not', even if collection is disabled":
                "uses unevaluatedProperties, which Huiliu does not implement (compiling it is an error)",
        ],
    ]

    /// The core files: `format` is an annotation here, as draft 2020-12 says by default.
    @Test func coreKeywordFiles() throws {
        let files = try Fixtures.jsonFiles(in: Fixtures.conformance.appendingPathComponent("json-schema"))
        #expect(files.count == 34)
        let tally = try run(files, options: SchemaOptions(assertsFormat: false))
        tally.print(title: "JSON Schema Test Suite, draft 2020-12 (core)")
        #expect(tally.failures.isEmpty, "\(tally.failures.joined(separator: "\n"))")
        // Every case of the suite is counted: passed, or skipped with its reason.
        #expect(tally.passed == 901 && tally.skippedCases == 7, "\(tally.passed) passed, \(tally.skippedCases) skipped")
        // A skip entry that matches nothing is stale and must go.
        for (file, groups) in Self.skipped {
            for group in groups.keys {
                #expect(tally.skippedGroups.contains("\(file): \(group)"), "stale skip entry: \(file): \(group)")
            }
        }
    }

    /// `optional/format`: run with format assertion on, as upstream asks.
    @Test func optionalFormatFiles() throws {
        let files = try Fixtures.jsonFiles(in: Fixtures.conformance.appendingPathComponent("json-schema/optional-format"))
        let tally = try run(files, options: SchemaOptions(assertsFormat: true))
        tally.print(title: "JSON Schema Test Suite, draft 2020-12 (optional/format, asserted)")
        #expect(tally.failures.isEmpty, "\(tally.failures.joined(separator: "\n"))")
        #expect(files.count == 7)
        #expect(tally.passed == 303 && tally.skippedCases == 0, "\(tally.passed) passed, \(tally.skippedCases) skipped")
        for required in ["date-time.json", "date.json", "uri.json"] {
            #expect(files.contains { $0.lastPathComponent == required })
        }
    }

    struct Tally {
        var files = 0
        var passed = 0
        var failures: [String] = []
        var skipped: [(String, Int, String)] = []
        var skippedGroups: Set<String> = []
        var skippedCases: Int { skipped.reduce(0) { $0 + $1.1 } }

        func print(title: String) {
            var lines = ["\(title): \(files) files, \(passed) passed, \(failures.count) failed, "
                + "\(skippedCases) skipped"]
            for (group, count, reason) in skipped { lines.append("  skipped \(count) in \(group): \(reason)") }
            for failure in failures { lines.append("  FAILED \(failure)") }
            Swift.print(lines.joined(separator: "\n"))
        }
    }

    private func run(_ files: [URL], options: SchemaOptions) throws -> Tally {
        var tally = Tally()
        for file in files {
            tally.files += 1
            let name = file.lastPathComponent
            guard case .array(let groups) = try Fixtures.json(file) else {
                Issue.record("\(name) is not an array of groups")
                continue
            }
            for group in groups {
                let description = group["description"]?.stringValue ?? "?"
                guard let tests = group["tests"]?.arrayValue, !tests.isEmpty else {
                    tally.failures.append("\(name): \(description): no tests in the group")
                    continue
                }
                if let reason = Self.skipped[name]?[description] {
                    tally.skipped.append(("\(name): \(description)", tests.count, reason))
                    tally.skippedGroups.insert("\(name): \(description)")
                    continue
                }
                let schema: Schema
                do {
                    var set = SchemaSet()
                    let uri = try set.add(group["schema"] ?? .null)
                    schema = try set.schema(uri, options: options)
                } catch {
                    tally.failures.append("\(name): \(description): schema did not compile: \(error)")
                    continue
                }
                for test in tests {
                    guard let expected = test["valid"]?.boolValue else {
                        tally.failures.append("\(name): \(description): a test without a Boolean \"valid\"")
                        continue
                    }
                    let data = test["data"] ?? .null
                    let fast = schema.isValid(data)
                    let detailed = schema.validate(data)
                    if fast == expected && detailed.isEmpty == expected {
                        tally.passed += 1
                    } else {
                        let testName = test["description"]?.stringValue ?? "?"
                        tally.failures.append("\(name): \(description): \(testName): expected valid=\(expected), "
                            + "isValid=\(fast), errors=\(detailed.map(\.description))")
                    }
                }
            }
        }
        return tally
    }
}
