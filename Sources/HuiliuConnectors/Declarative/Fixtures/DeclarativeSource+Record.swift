import Foundation
import HuiliuCore
import HuiliuKit

extension DeclarativeSource {
    /// For a file stream: the folder (or URL) its files are read from, credentials removed.
    public var fileLocation: String? {
        guard case .files(let files) = stream.kind else { return nil }
        return try? files.location.string(.object(baseContext))
    }

    /// For a file stream: copies (or downloads) the files it would read into `directory`, for
    /// fixtures; returns their names.
    public func copyFiles(into directory: String) async throws -> [String] {
        guard case .files(let files) = stream.kind else { return [] }
        let location = try fileLocation(files)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var names: [String] = []
        for entry in try await location.list() {
            let path = try await location.localPath(of: entry, scratch: directory)
            let target = directory + "/" + entry.name
            if path != target {
                try? FileManager.default.removeItem(atPath: target)
                try FileManager.default.copyItem(atPath: path, toPath: target)
            }
            names.append(entry.name)
        }
        return names
    }
}
