import ArgumentParser
import Foundation
import HuiliuCore
import HuiliuEngine
import HuiliuKit
import HuiliuTransport

/// Talks to a running `huiliu serve` through its admin API.
struct DaemonClient {
    /// `http://host:port`.
    let base: String
    let token: String?
    /// The daemon's process.
    let pid: pid_t

    /// Where the daemon of this project announced itself (`data/daemon.json`), if it is alive:
    /// its process is there and holds data/daemon.lock. A daemon killed without its shutdown
    /// (kill -9, a power loss) leaves daemon.json behind, and after a reboot its number is soon
    /// another process's.
    static func find(_ gateway: GatewayConfig, token: String?) -> DaemonClient? {
        let file = gateway.dataDirectory + "/daemon.json"
        guard let data = FileManager.default.contents(atPath: file), let info = try? JSONReader.parse([UInt8](data)),
              let pid = info["pid"]?.intValue, let port = info["port"]?.intValue,
              let address = info["address"]?.stringValue, kill(pid_t(pid), 0) == 0,
              FileLock.isHeld(path: gateway.dataDirectory + "/daemon.lock") else { return nil }
        // An empty HUILIU_TOKEN (exported blank by a template) is none: admin.tokens is used.
        let chosen = token ?? ProcessInfo.processInfo.environment["HUILIU_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            ?? gateway.adminTokens.first(where: \.canWrite)?.token ?? gateway.adminTokens.first?.token
        return DaemonClient(base: "http://\(Self.host(address)):\(port)", token: chosen, pid: pid_t(pid))
    }

    /// ``request(_:_:body:)`` for a command whose answer is the daemon's: a daemon that does not
    /// answer (stopped, hung, a port another program took) is said so, and the command exits 2.
    func ask(_ method: String, _ path: String, body: Value? = nil) async throws -> (status: Int, body: Value) {
        do {
            return try await request(method, path, body: body)
        } catch {
            // A daemon busy with a locked store answers late, but acts: what it did, `huiliu runs` shows.
            printError("the daemon (pid \(pid)) did not answer at \(base): \(error)"
                + (method == "GET" ? "" : "; `huiliu runs` shows whether it acted"))
            throw ExitCode(2)
        }
    }

    /// Whether the daemon's process is still there: one busy with its store answers late, but is.
    var isAlive: Bool { kill(pid, 0) == 0 }

    /// The address to reach a daemon listening on `address`: loopback for a wildcard, an IPv6
    /// address in brackets.
    static func host(_ address: String) -> String {
        switch address {
        case "0.0.0.0": "127.0.0.1"
        case "::", "[::]": "[::1]"
        case _ where address.contains(":") && !address.hasPrefix("["): "[\(address)]"
        default: address
        }
    }

    /// A JSON request; returns the status and the parsed body.
    func request(_ method: String, _ path: String, body: Value? = nil) async throws -> (status: Int, body: Value) {
        // libcurl, as every other request Huiliu makes: Foundation's client refuses an IPv6 address
        // in brackets, and its errors read "NSURLErrorDomain Code=-1001".
        var request = HTTPRequest(method: HTTPMethod(rawValue: method), url: base + "/" + path)
        var options = TransferOptions()
        options.timeout = .seconds(10)
        options.connectTimeout = .seconds(5)
        options.proxy = .direct
        request.options = options
        if let token { request.headers["Authorization"] = "Bearer \(token)" }
        // The caller's trace (OpenTelemetry's TRACEPARENT for processes) goes on to what the daemon does.
        if let trace = ProcessInfo.processInfo.environment["TRACEPARENT"].flatMap(TraceContext.init(traceparent:)) {
            request.headers["traceparent"] = trace.traceparent
        }
        if let body {
            request.body = Array(body.jsonText.utf8)
            request.headers["Content-Type"] = "application/json"
        }
        let response = try await HTTPClient.daemon.execute(request)
        return (response.status, (try? JSONReader.parse(response.body)) ?? .null)
    }
}

extension HTTPClient {
    /// The client of the commands that talk to this project's daemon.
    static let daemon = HTTPClient()
}
