import HuiliuCore
import HuiliuEnvironment
import Testing

/// Throughput, run on demand: `HUILIU_BENCH=1 swift test -c release --filter CodecBenchmark`.
@Suite(.enabled(if: getenvValue("HUILIU_BENCH") != nil))
struct CodecBenchmark {
    static func stream(frames: Int) -> (bytes: [UInt8], count: Int) {
        let emulator = DeviceEmulator(configuration: .init(deviceCount: 100, seed: 5))
        var bytes: [UInt8] = []
        var count = 0
        var time = HJ212.Timestamp(year: 2026, month: 3, day: 15, hour: 8)!
        while count < frames {
            for frame in emulator.frames(interval: count % 2 == 0 ? .realtime : .hour, at: time) {
                bytes += frame.bytes
                count += 1
            }
            time = time.adding(seconds: 30)
        }
        return (bytes, count)
    }

    func measure(_ label: String, frames: Int, _ body: () -> Int) {
        let clock = ContinuousClock()
        var best = Duration.seconds(1000)
        var checked = 0
        for _ in 0..<5 {
            let elapsed = clock.measure { checked = body() }
            best = min(best, elapsed)
        }
        let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) * 1e-18
        print("\(label): \(frames) frames in \(seconds) s = \(Int(Double(frames) / seconds)) frames/s")
        #expect(checked == frames)
    }

    @Test func normalizeOnly() {
        let (bytes, count) = Self.stream(frames: 100_000)
        let frames = HJ212.FrameDecoder().decodeAll(bytes).compactMap { try? $0.result.get() }
        measure("normalize", frames: count) {
            var values = 0
            for frame in frames { values += (try? EnvironmentMeasurement.normalize(frame).measurements.count) ?? 0 }
            return values > 0 ? frames.count : 0
        }
    }

    @Test func decodeVerifyNormalize() {
        let (bytes, count) = Self.stream(frames: 100_000)
        print("stream: \(bytes.count) bytes, \(bytes.count / count) bytes/frame")
        let decoder = HJ212.FrameDecoder()
        measure("decode + verify", frames: count) {
            var offset = 0
            var frames = 0
            bytes.withUnsafeBytes { buffer in
                while offset < buffer.count {
                    guard case .frame(_, let consumed) = decoder.decode(UnsafeRawBufferPointer(rebasing: buffer[offset...])) else { break }
                    frames += 1
                    offset += consumed
                }
            }
            return frames
        }
        measure("decode + verify + normalize", frames: count) {
            var offset = 0
            var frames = 0
            var values = 0
            bytes.withUnsafeBytes { buffer in
                while offset < buffer.count {
                    guard case .frame(let frame, let consumed) = decoder.decode(UnsafeRawBufferPointer(rebasing: buffer[offset...])) else { break }
                    values += (try? EnvironmentMeasurement.normalize(frame).measurements.count) ?? 0
                    frames += 1
                    offset += consumed
                }
            }
            return values > 0 ? frames : 0
        }
        measure("decode + verify + normalize + JSON", frames: count) {
            var offset = 0
            var frames = 0
            var writer = JSONWriter(capacity: 1 << 20)
            bytes.withUnsafeBytes { buffer in
                while offset < buffer.count {
                    guard case .frame(let frame, let consumed) = decoder.decode(UnsafeRawBufferPointer(rebasing: buffer[offset...])) else { break }
                    for measurement in (try? EnvironmentMeasurement.normalize(frame).measurements) ?? [] {
                        writer.write(measurement.data)
                    }
                    if writer.count > 1 << 20 { writer.removeAll() }
                    frames += 1
                    offset += consumed
                }
            }
            return frames
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func getenvValue(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}
