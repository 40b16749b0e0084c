import Glibc

/// Writes to a file descriptor with write(2), whole, without Foundation's `FileHandle`, which
/// traps on a failed write (a closed descriptor, a reader gone away with SIGPIPE ignored).
public enum DescriptorWrite {
    /// Writes all of `bytes` to `descriptor`; false when a write failed (what was left unwritten is dropped).
    @discardableResult
    public static func all(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> Bool {
        var rest = bytes
        while !rest.isEmpty {
            let n = write(descriptor, rest.baseAddress, rest.count)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            rest = UnsafeRawBufferPointer(rebasing: rest[n...])
        }
        return true
    }
}
