import Foundation
import Synchronization

/// A TCP relay on loopback to another port that can fall silent: once ``silence()`` is called it
/// forwards nothing more either way, yet keeps every connection open, as a firewall that drops
/// a session's packets or a server that hangs does. New connections are taken and go nowhere.
final class SilentLink: @unchecked Sendable {
    /// The port to connect to instead of the target's.
    let port: Int
    private let listener: Int32
    private let silent = Atomic<Bool>(false)
    private let closed = Atomic<Bool>(false)
    private let sockets = Mutex<[Int32]>([])

    init(to target: Int) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound, listen(fd, 16) == 0 else { Glibc.close(fd); throw POSIXError(.EADDRINUSE) }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in accepting(target) }
    }

    /// Forwards nothing from now on.
    func silence() { silent.store(true, ordering: .relaxed) }

    /// Ends the relay: its threads stop, and the descriptors are closed once they have (closed
    /// while a thread still used one, the number could be another test's socket by then).
    func close() {
        guard closed.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        sockets.withLock { for fd in $0 { shutdown(fd, Int32(SHUT_RDWR)) } }
    }

    deinit {
        Glibc.close(listener)
        sockets.withLock { for fd in $0 { Glibc.close(fd) } }
    }

    private func accepting(_ target: Int) {
        while !closed.load(ordering: .relaxed) {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: target)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            sockets.withLock { $0 += [client, upstream] }
            if closed.load(ordering: .relaxed) { shutdown(client, Int32(SHUT_RDWR)); shutdown(upstream, Int32(SHUT_RDWR)) }
            guard connected else { continue }
            Thread.detachNewThread { [self] in pump(from: client, to: upstream) }
            Thread.detachNewThread { [self] in pump(from: upstream, to: client) }
        }
    }

    private func pump(from source: Int32, to destination: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(source, &buffer, buffer.count)
            guard n > 0 else { shutdown(destination, Int32(SHUT_WR)); return }
            // Silent: what arrives is kept, never passed on, until the relay is closed.
            while silent.load(ordering: .relaxed) {
                if closed.load(ordering: .relaxed) { return }
                Thread.sleep(forTimeInterval: 0.05)
            }
            guard send(destination, buffer, n, Int32(MSG_NOSIGNAL)) == n else { return }
        }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
