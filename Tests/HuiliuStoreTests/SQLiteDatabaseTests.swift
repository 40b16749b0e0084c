import Foundation
import HuiliuStore
import Testing

/// One connection's errors: a run uses several databases (the state store, an sqlite sink,
/// the HJ 212 buffer), so each error names its file.
struct SQLiteDatabaseTests {
    @Test func errorsNameTheDatabaseFile() throws {
        let directory = NSTemporaryDirectory() + "huiliu-sqlite-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/sink.db"
        let holder = try SQLiteDatabase(path: path)
        try holder.execute("CREATE TABLE t (x); BEGIN EXCLUSIVE")
        let other = try SQLiteDatabase(path: path)
        try other.execute("PRAGMA busy_timeout = 0")
        let locked = try #require(throws: StoreError.self) { try other.execute("BEGIN IMMEDIATE") }
        #expect(locked.description == "\(path): database is locked (in: BEGIN IMMEDIATE)")
        let wrong = try #require(throws: StoreError.self) { try other.prepare("SELECT nope FROM t") }
        #expect(wrong.description.hasPrefix("\(path): no such column: nope"), "\(wrong)")
        try holder.execute("ROLLBACK")
    }
}
