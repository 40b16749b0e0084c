import Foundation

/// Reads a child process's output line by line without blocking the concurrency pool: the
/// blocking reads run on a dispatch queue and resume the waiting task.
final class LineReader: @unchecked Sendable {
    private let handle: FileHandle
    private let queue: DispatchQueue
    // Touched only on `queue`.
    private var buffer: [UInt8] = []
    /// The first byte of `buffer` not yet handed out.
    private var start = 0
    /// Bytes after `start` already searched for a line feed: a long line arriving in many
    /// reads is searched once, not once per read.
    private var searched = 0
    private var ended = false

    init(_ handle: FileHandle, label: String) {
        self.handle = handle
        queue = DispatchQueue(label: "huiliu.process.\(label)")
    }

    /// Up to `limit` complete lines (without their line feeds); empty at the end of output.
    func nextLines(limit: Int) async -> [[UInt8]] {
        await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: self.readLines(limit: limit))
            }
        }
    }

    private func readLines(limit: Int) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        while lines.count < limit {
            if let newline = buffer[(start + searched)...].firstIndex(of: 0x0A) {
                var line = Array(buffer[start..<newline])
                if line.last == 0x0D { line.removeLast() }
                start = newline + 1
                searched = 0
                lines.append(line)
                continue
            }
            searched = buffer.count - start
            // Hand over what we have rather than wait for more once something is ready.
            if !lines.isEmpty || ended { break }
            if start > 0 {
                buffer.removeSubrange(..<start)
                start = 0
            }
            let data = handle.availableData
            if data.isEmpty {
                ended = true
                if !buffer.isEmpty { lines.append(buffer) }
                buffer = []
                searched = 0
                break
            }
            buffer.append(contentsOf: data)
        }
        return lines
    }
}
