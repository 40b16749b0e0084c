import Foundation

/// Reads the shared cron conformance files in `Tests/Conformance/cron`.
enum ConformanceFixtures {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Conformance/cron")

    static func json(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: folder.appendingPathComponent(name))
        return try require(JSONSerialization.jsonObject(with: data) as? [String: Any], "\(name) is not a JSON object")
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
}

/// `#require` for plain throwing code outside a test body.
func require<T>(_ value: T?, _ message: @autoclosure () -> String = "missing value") throws -> T {
    guard let value else { throw FixtureError(description: message()) }
    return value
}
