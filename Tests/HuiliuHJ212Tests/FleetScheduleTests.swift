import Foundation
import HuiliuEnvironment
@testable import HuiliuHJ212
import NIOCore
import Testing

/// What emulated devices send, and when: their clock and the catch-up of past hours.
struct FleetScheduleTests {
    /// Devices keep China Standard Time: Unix time 0 is 08:00 on 1 January 1970, not 16:00.
    @Test func devicesKeepChinaStandardTime() {
        #expect(DeviceFleet.startTime(at: Date(timeIntervalSince1970: 0)) == HJ212.Timestamp(year: 1970, month: 1, day: 1, hour: 8))
        let now = Date()
        let clock = DeviceFleet.startTime(at: now)
        #expect(abs(clock.secondsSince1970 - Int(now.timeIntervalSince1970)) <= 1)
    }

    /// With a catch-up, each device first uploads the hours before the start, oldest first,
    /// then sends live data; every device's hour frames reach the buffer.
    @Test func devicesCatchUpPastHoursFirst() async throws {
        let base = HJ212.Timestamp(year: 2026, month: 6, day: 3, hour: 10, minute: 20)!
        let plan = DeviceFleet.Plan(baseTime: base, sendInterval: .milliseconds(10), stopAt: .now(), ackTimeout: .seconds(1),
                                    recordsAcknowledged: false, catchUpHours: 3)
        #expect((0..<5).map { plan.frame($0).interval } == [.hour, .hour, .hour, .realtime, .realtime])
        #expect((0..<5).map { plan.frame($0).time } == [-3 * 3600, -2 * 3600, -3600, 0, 1].map { base.adding(seconds: $0) })

        let directory = Fixtures.directory()
        var options = DeviceFleet.Options(host: "127.0.0.1", port: 0)
        options.devices = 4
        options.editions = [.hj2017]
        options.allRequestAnswers = true
        options.startTime = base
        options.catchUpHours = 3
        options.framesPerSecond = 8
        options.duration = .milliseconds(600)
        let fleet = DeviceFleet(options: options)
        let running = try await RunningListener.start(directory: directory, stations: Fixtures.stations(fleet.emulator.devices.map(\.mn)))
        options.port = running.port
        let report = try await DeviceFleet(options: options).run()
        try await running.stop()
        #expect(report.failedConnections == 0)
        let frames = try FrameBuffer(path: directory + "/buffer.db").frames(after: 0, limit: 1000)
        let hours = frames.filter { $0.cn == "2061" }
        #expect(hours.count == 12)
        #expect(Set(hours.compactMap(\.dataTime)) == ["2026-06-03T07:00:00+08:00", "2026-06-03T08:00:00+08:00", "2026-06-03T09:00:00+08:00"])
        // The catch-up comes first on each connection, whatever the duration; live data after it.
        for device in fleet.emulator.devices {
            let sent = frames.filter { $0.mn == device.mn }
            #expect(sent.prefix(3).map(\.cn) == ["2061", "2061", "2061"])
            #expect(sent.dropFirst(3).allSatisfy { $0.cn != "2061" || $0.dataTime ?? "" >= "2026-06-03T10:00:00+08:00" })
        }
    }
}
