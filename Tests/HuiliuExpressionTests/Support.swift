import Foundation
import HuiliuCore
import HuiliuExpression

/// Shared helpers: the registry with the shipped lookup tables, and one-call evaluation.
enum Support {
    /// The repository root, found through the real path of this file (the sandbox
    /// package reaches the tests through a symlink).
    static let repository = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `config/lookups/*.csv`, loaded as tables named after their files.
    static let shippedTables: LookupTables = {
        let folder = repository.appendingPathComponent("config/lookups")
        var texts: [String: String] = [:]
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for file in files where file.hasSuffix(".csv") {
            let text = (try? String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)) ?? ""
            texts[String(file.dropLast(4))] = text
        }
        return (try? LookupTables(csv: texts)) ?? LookupTables()
    }()

    static let functions = FunctionRegistry.huiliu(lookups: shippedTables)

    /// Evaluates `text` with the Huiliu functions.
    static func eval(_ text: String, _ input: Value = .null) throws(ExpressionError) -> Value {
        try Expression(text, functions: functions).evaluate(input)
    }

    /// The error category `text` raises, or `nil` if it succeeds.
    static func errorKind(_ text: String, _ input: Value = .null) -> String? {
        do {
            _ = try eval(text, input)
            return nil
        } catch {
            return error.kind.description
        }
    }
}
