import Foundation
import HuiliuCore

/// Finds the repository's data files from this source file, so the tests run the same from
/// `/work/main` and from a sandbox that symlinks the test folder.
enum Fixtures {
    /// The repository root: two folders above `Tests/HuiliuSchemaTests`, after resolving symlinks.
    static let root: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let conformance = root.appendingPathComponent("Tests/Conformance")
    static let schemaFolder = root.appendingPathComponent("config/schema")

    static func text(_ url: URL) throws -> String {
        try String(contentsOf: url, encoding: .utf8)
    }

    static func json(_ url: URL) throws -> Value {
        try JSONReader.parse(text(url))
    }

    /// The `.json` files directly inside `folder`, sorted by name.
    static func jsonFiles(in folder: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
}
