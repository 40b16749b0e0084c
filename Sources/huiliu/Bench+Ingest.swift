import Foundation
import HuiliuCore
import HuiliuEngine
import HuiliuIngest
import HuiliuTransport
import Logging
import ServiceLifecycle
import Synchronization

/// `huiliu bench ingest`: clients push JSON Lines to the push endpoint on loopback, each
/// waiting for its answer before the next push, as a system sending in batches does. Every
/// answer is a 202 for records committed to the durable buffer.
struct IngestBenchmark {
    var records: Int
    var recordsPerRequest: Int
    var clients: Int
    var directory: String

    func run() async throws {
        let requests = max(1, records / max(1, recordsPerRequest))
        var settings = IngestSettings()
        settings.host = "127.0.0.1"
        settings.port = 0
        settings.bufferPath = directory + "/ingest-bench.db"
        try? FileManager.default.removeItem(atPath: settings.bufferPath)
        let token = "bench-token-0123456789"
        settings.tokens = ["bench": token]
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let listener = try IngestListener(settings: settings, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: listener)], logger: logger))
        let server = Task { try await group.run() }
        defer { server.cancel() }
        var port: Int?
        for _ in 0..<400 where port == nil {
            port = listener.port
            if port == nil { try await Task.sleep(for: .milliseconds(25)) }
        }
        guard let port else { throw RunError("the push endpoint did not start") }

        // One body, sent again and again: the buffer stores every push (no idempotency key).
        var body = ""
        for i in 0..<recordsPerRequest {
            body += #"{"project_id":"P\#(i)","name":"老旧小区改造\#(i)","amount":"\#(i).50","region":"421100","updated_at":"2024-03-05 08:00:00"}"# + "\n"
        }
        let bytes = Array(body.utf8)
        let url = "http://127.0.0.1:\(port)/ingest/bench"
        let client = HTTPClient()
        let tally = Tally()
        let clock = ContinuousClock()
        let cpuStart = processCPUSeconds()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for _ in 0..<clients {
                tasks.addTask {
                    while tally.next.add(1, ordering: .relaxed).oldValue < requests {
                        var request = HTTPRequest(method: .post, url: url, body: bytes)
                        request.headers["Content-Type"] = "application/x-ndjson"
                        request.headers["Authorization"] = "Bearer \(token)"
                        let sent = clock.now
                        let response = try await client.execute(request)
                        guard response.status == 202 else { throw RunError("push answered \(response.status)") }
                        let took = sent.duration(to: clock.now)
                        tally.latencies.withLock { $0.append(Double(took.components.attoseconds) / 1e15 + Double(took.components.seconds) * 1000) }
                    }
                }
            }
            try await tasks.waitForAll()
        }
        let elapsed = start.duration(to: clock.now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let cpu = processCPUSeconds() - cpuStart
        await group.triggerGracefulShutdown()
        let sorted = tally.latencies.withLock { $0.sorted() }
        func percentile(_ p: Double) -> String {
            String(format: "%.1f ms", sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))])
        }
        let stored = try IngestBuffer(path: settings.bufferPath).pending(channel: "bench", after: 0)
        print("""
            push endpoint: \(clients) clients on loopback, \(grouped(requests)) pushes of \(recordsPerRequest) records \
            (JSON Lines, \(bytes.count / 1024) KiB), each committed (fsync) before its 202
            \(table([["pushes/s", "records/s", "answer p50", "answer p99", "seconds", "CPU seconds", "records stored"],
                     [grouped(Int(Double(requests) / seconds)), grouped(Int(Double(requests * recordsPerRequest) / seconds)),
                      percentile(0.5), percentile(0.99), String(format: "%.2f", seconds), String(format: "%.2f", cpu), grouped(stored)]]))

            """)
    }
}

/// What the clients share: the next push to make, and each answer's wait in milliseconds.
private final class Tally: Sendable {
    let next = Atomic<Int>(0)
    let latencies = Mutex<[Double]>([])
}
