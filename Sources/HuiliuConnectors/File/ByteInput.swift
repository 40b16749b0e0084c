import Glibc
import SwiftOverlayShims

/// Something bytes are read from: a file, or a file decoded to UTF-8 on the fly.
protocol ByteInput: AnyObject {
    /// Reads up to `buffer.count` bytes; 0 means the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileReadError) -> Int
    /// Moves to output offset `offset` (only forward from the start, for transcoded input).
    func seek(to offset: Int) throws(FileReadError)
}

/// Why a file could not be read.
public struct FileReadError: Error, Sendable, CustomStringConvertible {
    /// The file.
    public var path: String
    /// What failed, with a byte offset where it applies.
    public var message: String

    public var description: String { "\(path): \(message)" }
}

/// A file opened for reading.
final class FileInput: ByteInput {
    let fd: Int32
    let path: String

    init(path: String) throws(FileReadError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileReadError(path: path, message: "cannot open: \(String(cString: strerror(errno)))") }
        self.fd = fd
        self.path = path
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
    }

    deinit {
        close(fd)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileReadError) -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw FileReadError(path: path, message: "read failed: \(String(cString: strerror(errno)))")
        }
    }

    func seek(to offset: Int) throws(FileReadError) {
        guard lseek(fd, off_t(offset), SEEK_SET) >= 0 else {
            throw FileReadError(path: path, message: "cannot seek to byte \(offset): \(String(cString: strerror(errno)))")
        }
    }

    /// The file's size and modification time.
    func stat() -> (size: Int, mtime: Int) {
        var info = Glibc.stat()
        guard fstat(fd, &info) == 0 else { return (0, 0) }
        return (Int(info.st_size), Int(info.st_mtim.tv_sec))
    }
}
