import Foundation
import HuiliuKit
import Glibc

/// A static-file HTTP/1.1 server with keep-alive on a loopback port, for benchmarks and tests.
///
/// lighttpd when installed: a C event loop that keeps up with libcurl, so the benchmark measures
/// the client. Otherwise Python's `http.server` (HTTP/1.1 mode), which is the bottleneck and
/// makes the client comparison meaningless but still runs.
public final class StaticFileServer: Sendable {
    /// Which server program serves the files.
    public enum Kind: String, Sendable {
        /// `lighttpd -D` with a generated config; also speaks HTTP/2 (h2c with prior knowledge).
        case lighttpd
        /// `python3 -m http.server --protocol HTTP/1.1`.
        case python
    }

    /// The program serving.
    public let kind: Kind
    /// The loopback port.
    public let port: Int
    /// The directory served.
    public let root: String
    private let process: SpawnedProcess

    /// Starts serving `root`; `preferred` `nil` picks lighttpd when installed, else Python.
    public init(root: String, preferred: Kind? = nil) throws {
        let lighttpd = StaticFileServer.executable("lighttpd")
        let kind = preferred ?? (lighttpd != nil ? .lighttpd : .python)
        let port = StaticFileServer.freePort()
        let executable: String, arguments: [String]
        switch kind {
        case .lighttpd:
            guard let lighttpd else { throw BenchmarkError("lighttpd is not installed (Debian package lighttpd)") }
            let config = root + "/.lighttpd.conf"
            try """
                server.document-root = "\(root)"
                server.bind = "127.0.0.1"
                server.port = \(port)
                server.max-keep-alive-requests = 1000000
                server.max-keep-alive-idle = 120
                server.errorlog = "/dev/null"
                mimetype.assign = (".json" => "application/json", ".txt" => "text/plain")
                """.write(toFile: config, atomically: true, encoding: .utf8)
            (executable, arguments) = (lighttpd, ["-D", "-f", config])
        case .python:
            guard let python = StaticFileServer.executable("python3") else { throw BenchmarkError("python3 is not installed") }
            (executable, arguments) = (python, ["-m", "http.server", "--protocol", "HTTP/1.1", "--bind", "127.0.0.1", "--directory", root, String(port)])
        }
        let process = try SpawnedProcess(executable, arguments, standardOutput: .null, standardError: .null)
        self.kind = kind
        self.port = port
        self.root = root
        self.process = process
        guard StaticFileServer.waitForListener(port: port, process: process) else {
            process.signal(SIGKILL)
            process.wait()
            throw BenchmarkError("\(kind.rawValue) did not start listening on port \(port)")
        }
    }

    deinit {
        stop()
    }

    /// `http://127.0.0.1:<port>/<path>`.
    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)/\(path)" }

    /// Stops the server.
    public func stop() {
        // SIGKILL: a static server loses nothing.
        process.signal(SIGKILL)
        process.wait()
    }

    static func executable(_ name: String) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") + ":/usr/sbin:/sbin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 ? getsockname(fd, $0, &length) : -1 }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func waitForListener(port: Int, process: SpawnedProcess) -> Bool {
        for _ in 0..<200 where process.isRunning {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = loopback(port: port)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            close(fd)
            if connected == 0 { return true }
            usleep(25_000)
        }
        return false
    }
}

/// A benchmark that could not run, and why.
public struct BenchmarkError: Error, Sendable, CustomStringConvertible {
    /// Why.
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
