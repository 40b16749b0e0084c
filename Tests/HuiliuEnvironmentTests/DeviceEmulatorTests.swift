import HuiliuCore
import HuiliuEnvironment
import Testing

struct DeviceEmulatorTests {
    static let noon = HJ212.Timestamp(year: 2026, month: 3, day: 15, hour: 12, minute: 34, second: 56)!

    @Test func fleetMixesEditionsAndKinds() {
        let emulator = DeviceEmulator(configuration: .init(deviceCount: 12, seed: 7))
        #expect(Set(emulator.devices.map(\.edition)) == Set(HJ212.Edition.allCases))
        #expect(Set(emulator.devices.map(\.kind)) == Set(DeviceEmulator.Kind.allCases))
        for device in emulator.devices {
            #expect(device.mn.utf8.count == (device.edition == .hj2005 ? 14 : 24), "\(device.mn)")
        }
        #expect(Set(emulator.devices.map(\.mn)).count == 12)
    }

    @Test(arguments: DataInterval.allCases)
    func cleanFramesDecodeAndNormalize(interval: DataInterval) throws {
        let emulator = DeviceEmulator(configuration: .init(deviceCount: 24, seed: 42))
        for emulated in emulator.frames(interval: interval, at: Self.noon) {
            #expect(emulated.corruption == nil)
            guard case .frame(let frame, let consumed) = HJ212.FrameDecoder().decode(emulated.bytes) else {
                Issue.record("rejected: \(String(decoding: emulated.bytes, as: UTF8.self))")
                continue
            }
            #expect(consumed == emulated.bytes.count)
            #expect(frame.edition == emulated.device.edition)
            #expect(frame.mn == emulated.device.mn)
            #expect(frame.needsAnswer == emulated.device.requestsAnswer)
            #expect(frame.dataLength <= 1024)
            let normalized = try EnvironmentMeasurement.normalize(frame)
            #expect(normalized.skipped.isEmpty)
            #expect(normalized.measurements.count >= 5)
            // 2005 devices send legacy codes, which normalize to 2017 codes.
            #expect(normalized.measurements.allSatisfy { $0.data["parameter_name"] != nil })
            let period = try #require(normalized.measurements.first?.data["period_start"]?.stringValue)
            switch interval {
            case .realtime: #expect(period == "2026-03-15T12:34:56+08:00")
            case .minute: #expect(period == "2026-03-15T12:30:00+08:00")
            case .hour: #expect(period == "2026-03-15T12:00:00+08:00")
            case .day: #expect(period == "2026-03-15T00:00:00+08:00")
            }
        }
    }

    @Test func everyDeviceCanBeToldToAskForAnswers() throws {
        var configuration = DeviceEmulator.Configuration(deviceCount: 9, seed: 7)
        #expect(DeviceEmulator(configuration: configuration).devices.filter(\.requestsAnswer).count < 6)
        configuration.allRequestAnswers = true
        let emulator = DeviceEmulator(configuration: configuration)
        // 2005 devices send no Flag, so they never can.
        #expect(emulator.devices.map(\.requestsAnswer) == emulator.devices.map { $0.edition != .hj2005 })
        let frame = emulator.frame(device: 1, interval: .hour, at: Self.noon)
        guard case .frame(let decoded, _) = HJ212.FrameDecoder().decode(frame.bytes, atEnd: true) else {
            Issue.record("emulated frame does not decode")
            return
        }
        #expect(decoded.needsAnswer)
    }

    @Test func measurementsRebuildFromTheirParts() throws {
        guard case .frame(let frame, _) = HJ212.FrameDecoder().decode(Array(Fixtures.airQualityHour.utf8), atEnd: true) else {
            Issue.record("fixture does not decode")
            return
        }
        let measurement = try #require(try EnvironmentMeasurement.normalize(frame).measurements.first)
        let rebuilt = EnvironmentMeasurement(data: measurement.data, key: measurement.key, time: measurement.time)
        #expect(rebuilt.record(origin: RecordOrigin("x")).key == measurement.key)
        #expect(rebuilt.data == measurement.data)
    }

    @Test func sameSeedSameFrames() {
        let a = DeviceEmulator(configuration: .init(deviceCount: 5, seed: 9, corruptionRate: 0.3))
        let b = DeviceEmulator(configuration: .init(deviceCount: 5, seed: 9, corruptionRate: 0.3))
        let c = DeviceEmulator(configuration: .init(deviceCount: 5, seed: 10, corruptionRate: 0.3))
        #expect(a.frames(interval: .hour, at: Self.noon).map(\.bytes) == b.frames(interval: .hour, at: Self.noon).map(\.bytes))
        #expect(a.frames(interval: .hour, at: Self.noon).map(\.bytes) != c.frames(interval: .hour, at: Self.noon).map(\.bytes))
        #expect(a.frames(interval: .hour, at: Self.noon).map(\.bytes)
                    != a.frames(interval: .hour, at: Self.noon.adding(seconds: 3600)).map(\.bytes))
    }

    /// A device that reports the same hour again sends the same values under a new QN, as a
    /// retransmission does; real-time values change with every send.
    @Test func reportingAnHourAgainRepeatsItsValues() throws {
        let emulator = DeviceEmulator(configuration: .init(deviceCount: 4, seed: 3))
        for device in 0..<4 {
            let first = emulator.frame(device: device, interval: .hour, at: Self.noon)
            let again = emulator.frame(device: device, interval: .hour, at: Self.noon.adding(seconds: 600))
            guard case .frame(let a, _) = HJ212.FrameDecoder().decode(first.bytes, atEnd: true),
                  case .frame(let b, _) = HJ212.FrameDecoder().decode(again.bytes, atEnd: true) else {
                Issue.record("not decoded")
                return
            }
            #expect(a.dataTime == b.dataTime)
            #expect(a.measurements == b.measurements)
            if a.edition != .hj2005 { #expect(a.qn != b.qn) }
        }
        let live = emulator.frame(device: 0, interval: .realtime, at: Self.noon)
        let later = emulator.frame(device: 0, interval: .realtime, at: Self.noon.adding(seconds: 1))
        #expect(Array(live.bytes.suffix(60)) != Array(later.bytes.suffix(60)))
    }

    @Test func corruptedFramesAreRejectedAndTheStreamRecovers() {
        let emulator = DeviceEmulator(configuration: .init(deviceCount: 50, seed: 3, corruptionRate: 0.3))
        var stream: [UInt8] = []
        var expected: [String?] = []
        var corruptions: [DeviceEmulator.Corruption] = []
        for minute in 0..<10 {
            for emulated in emulator.frames(interval: .realtime, at: Self.noon.adding(seconds: minute * 30)) {
                stream += emulated.bytes
                if let corruption = emulated.corruption { corruptions.append(corruption) } else { expected.append(emulated.device.mn) }
            }
        }
        let share = Double(corruptions.count) / 500
        #expect(share > 0.2 && share < 0.4)
        #expect(Set(corruptions) == Set(DeviceEmulator.Corruption.allCases))
        let results = HJ212.FrameDecoder().decodeAll(stream)
        let decoded = results.compactMap { try? $0.result.get().mn }
        // A truncated frame may take the start of its successor with it only if the cut leaves a
        // "##"-free tail; every intact frame must still come through.
        #expect(decoded == expected.compactMap { $0 })
    }

    @Test func corruptionKinds() {
        let emulator = DeviceEmulator(configuration: .init(deviceCount: 40, seed: 11, corruptionRate: 1))
        for emulated in emulator.frames(interval: .minute, at: Self.noon) {
            guard case .rejected(let error, _) = HJ212.FrameDecoder().decode(emulated.bytes, atEnd: true) else {
                Issue.record("accepted a \(String(describing: emulated.corruption)) frame")
                continue
            }
            switch emulated.corruption {
            case .badCRC: #expect(error.code == .crcMismatch)
            case .badLength: #expect(error.code == .lengthMismatch)
            case .truncated: #expect(error.code == .truncated)
            case nil: Issue.record("not corrupted")
            }
        }
    }
}
