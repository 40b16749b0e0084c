import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HuiliuCore
import HuiliuEngine
import HuiliuKit

/// Talks to a running `huiliu serve` through its admin API.
struct DaemonClient {
    let base: URL
    let token: String?

    /// Where the daemon of this project announced itself (`data/daemon.json`), if it is alive.
    static func find(_ gateway: GatewayConfig, token: String?) -> DaemonClient? {
        let file = gateway.dataDirectory + "/daemon.json"
        guard let data = FileManager.default.contents(atPath: file), let info = try? JSONReader.parse([UInt8](data)),
              let pid = info["pid"]?.intValue, let port = info["port"]?.intValue,
              let address = info["address"]?.stringValue, kill(pid_t(pid), 0) == 0 else { return nil }
        let host = address == "0.0.0.0" ? "127.0.0.1" : address
        let chosen = token ?? ProcessInfo.processInfo.environment["HUILIU_TOKEN"]
            ?? gateway.adminTokens.first(where: \.canWrite)?.token ?? gateway.adminTokens.first?.token
        return DaemonClient(base: URL(string: "http://\(host):\(port)")!, token: chosen)
    }

    /// A JSON request; returns the status and the parsed body.
    func request(_ method: String, _ path: String, body: Value? = nil) async throws -> (status: Int, body: Value) {
        // Built as text: appendingPathComponent would escape the "?" of a query.
        var request = URLRequest(url: URL(string: base.absoluteString + "/" + path)!)
        request.httpMethod = method
        request.timeoutInterval = 10
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        // The caller's trace (OpenTelemetry's TRACEPARENT for processes) goes on to what the daemon does.
        if let trace = ProcessInfo.processInfo.environment["TRACEPARENT"].flatMap(TraceContext.init(traceparent:)) {
            request.setValue(trace.traceparent, forHTTPHeaderField: "traceparent")
        }
        if let body {
            request.httpBody = Data(body.jsonText.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        return (status, (try? JSONReader.parse([UInt8](data))) ?? .null)
    }
}
