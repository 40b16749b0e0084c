import Foundation

extension SQLiteDatabase {
    /// Opens (creating if needed) the database at `path`, creating its directory first: for
    /// the files a listener keeps under the data directory, which may not exist yet.
    public static func creatingDirectory(of path: String) throws -> SQLiteDatabase {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        return try SQLiteDatabase(path: path)
    }
}
