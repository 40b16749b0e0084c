import Foundation
import HuiliuEnvironment
@testable import HuiliuHJ212
@testable import HuiliuTestSupport
import Testing

/// Tear the listener down mid-stream as a crash would, restart on the same buffer, and check
/// that every frame a device saw acknowledged is stored, exactly once.
struct CrashTests {
    @Test func everyAcknowledgedFrameSurvivesAnAbruptStopExactlyOnce() async throws {
        let directory = Fixtures.directory()
        let ackedLog = directory + "/acked.txt"
        var options = DeviceFleet.Options(host: "127.0.0.1", port: 0)
        options.devices = 40
        options.framesPerSecond = 0
        // The crash comes first; devices stop when their connection drops. (Long enough for a
        // busy machine to store 200 frames, short enough that a device the crash missed costs
        // the suite two minutes, not ten.)
        options.duration = .seconds(120)
        options.editions = [.hj2017, .hj2025]
        options.allRequestAnswers = true
        options.ackTimeout = .seconds(30)
        options.acknowledgedLog = ackedLog
        let fleet = DeviceFleet(options: options)
        let stations = StationRegistry(stations: fleet.emulator.devices.map { StationRegistry.Station(mn: $0.mn) })

        let first = try await RunningListener.start(directory: directory, stations: stations)
        var fleetOptions = options
        fleetOptions.port = first.port
        async let report = DeviceFleet(options: fleetOptions).run()
        // Crash once frames are flowing: after 200 are stored (most of them acknowledged, with
        // more in flight), not after a fixed time, which a machine busy with the rest of the
        // suite can use up. (Not `try`: whatever happens, the crash below ends the fleet.)
        _ = try? await eventually("200 frames stored") { (first.listener.metrics.snapshot["stored"] ?? 0) >= 200 }
        // The crash: queued frames are dropped unacknowledged, every socket closes at once.
        let crashed = ContinuousClock.now
        await first.listener.terminate()
        _ = try? await first.task.value
        let seen = try await report
        // Every device should see its connection drop at the crash. One that sent on until the
        // fleet's time ran out makes this test slow, not wrong: say so, with what it did.
        let lingered = crashed.duration(to: .now)
        if lingered > .seconds(20) {
            print("CrashTests: the fleet ended \(lingered) after the crash, not at it: \(seen)")
        }
        #expect(seen.acknowledged > 0)

        // Restart on the same file; devices would now resend what was not acknowledged.
        let second = try await RunningListener.start(directory: directory, stations: stations)
        try await second.stop()

        let acknowledged = try String(contentsOfFile: ackedLog, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(acknowledged.count == seen.acknowledged)
        let audit = try BufferAudit.check(acknowledged: acknowledged, bufferPath: directory + "/buffer.db")
        #expect(audit.missing.isEmpty)
        #expect(audit.duplicated.isEmpty)
        #expect(audit.found == acknowledged.count)
    }
}
