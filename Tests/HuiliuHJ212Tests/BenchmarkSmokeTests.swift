import Foundation
import HuiliuEnvironment
@testable import HuiliuHJ212
import Testing

/// Runs the benchmark small, to keep it working; no timing is asserted.
///
/// `HJ212_BENCH=1 swift test -c release --filter BenchmarkSmokeTests` runs it full size
/// (1000 devices for 10 s; `HJ212_BENCH_DEVICES`, `HJ212_BENCH_SECONDS` and `HJ212_BENCH_RATE`
/// change that, and `HJ212_BENCH_FLEET_THREADS` and `HJ212_BENCH_LISTENER_THREADS` the event
/// loops of each side) and prints the report.
struct BenchmarkSmokeTests {
    @Test func benchmarkRunsEndToEnd() async throws {
        let environment = ProcessInfo.processInfo.environment
        let full = environment["HJ212_BENCH"] != nil
        var options = HJ212Benchmark.Options()
        options.devices = full ? Int(environment["HJ212_BENCH_DEVICES"] ?? "") ?? 1000 : 20
        options.duration = full ? .seconds(Int(environment["HJ212_BENCH_SECONDS"] ?? "") ?? 10) : .milliseconds(1500)
        options.framesPerSecond = Double(environment["HJ212_BENCH_RATE"] ?? "") ?? 0
        options.codecFrames = full ? 300_000 : 2000
        options.fleetThreads = Int(environment["HJ212_BENCH_FLEET_THREADS"] ?? "") ?? options.fleetThreads
        options.listenerThreads = Int(environment["HJ212_BENCH_LISTENER_THREADS"] ?? "")
        var report = try await HJ212Benchmark.run(options)
        if !full && report.fleet.acknowledged == 0 {
            // The rest of the suite can keep both cores busy for the whole short window
            // (servers starting, builds of fixtures); a longer one tells "slow" from "broken".
            options.duration = .seconds(10)
            report = try await HJ212Benchmark.run(options)
        }
        if full { print(report) }
        #expect(report.fleet.acknowledged > 0)
        #expect(report.fleet.failedConnections == 0)
        #expect(report.stored >= report.fleet.acknowledged)
    }
}

/// The buffer alone: how long a group commit of emulated frames takes, without sockets.
struct BufferCommitTimingTests {
    @Test func groupCommitsOfEmulatedFrames() throws {
        let full = ProcessInfo.processInfo.environment["HJ212_BENCH"] != nil
        let groups = full ? 100 : 3, size = 200
        let emulator = DeviceFleet(options: .init(host: "", port: 0)).emulator
        let base = HJ212.Timestamp(year: 2026, month: 6, day: 1)!
        var rows: [BufferedFrame] = []
        for k in 0..<(groups * size) {
            let frame = emulator.frame(device: k % emulator.devices.count, interval: DeviceFleet.interval(ofFrame: k / 12),
                                       at: base.adding(seconds: k / 12))
            guard case .frame(let decoded, _) = HJ212.FrameDecoder().decode(frame.bytes, atEnd: true) else {
                Issue.record("emulated frame \(k) did not decode")
                continue
            }
            rows.append(BufferedFrame(frame: decoded, raw: frame.bytes, station: nil, peer: "127.0.0.1:1", receivedAt: 0))
        }
        let buffer = try FrameBuffer(path: Fixtures.directory() + "/b.db")
        let start = ContinuousClock.now
        var stored = 0
        for group in stride(from: 0, to: rows.count, by: size) {
            stored += try buffer.store(Array(rows[group..<min(group + size, rows.count)])).count
        }
        let elapsed = start.duration(to: .now)
        if full {
            let bytes = rows.reduce(0) { $0 + $1.raw.count }
            print("buffer: \(stored) frames in \(elapsed) (\(Double(elapsed.components.attoseconds / 1_000_000_000 + elapsed.components.seconds * 1_000_000_000) / Double(stored) / 1000) µs per frame, \(bytes / rows.count) bytes per frame)")
        }
        #expect(rows.count == groups * size)
        #expect(stored == rows.count)
    }
}
