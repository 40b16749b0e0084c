/// A fleet of emulated monitoring devices that write HJ 212 frames: mixed editions and station
/// kinds, plausible daily curves, and a chosen share of broken frames.
///
/// It is pure: a frame depends only on the configuration, the device, the interval and the
/// time passed in, so runs are reproducible and the caller owns clocks and sockets
/// (`huiliu hj212 emulate`, the demo, benchmarks).
///
/// ```swift
/// let emulator = DeviceEmulator(configuration: .init(deviceCount: 100, seed: 7, corruptionRate: 0.02))
/// for frame in emulator.frames(interval: .hour, at: now) { send(frame.bytes) }
/// ```
public struct DeviceEmulator: Sendable {
    /// The fleet and its faults.
    public struct Configuration: Sendable {
        /// Devices in the fleet. The default is 12.
        public var deviceCount: Int
        /// Seed for every value and fault. The default is 1.
        public var seed: UInt64
        /// Share of frames that are broken, 0 to 1. The default is 0.
        public var corruptionRate: Double
        /// Editions, assigned to devices in turn. The default is all three.
        public var editions: [HJ212.Edition]
        /// The password devices send. The default is `123456`.
        public var password: String
        /// Whether every 2017/2025 device asks for a 9014 answer; otherwise every other one
        /// does. The default is false. (2005 devices send no `Flag`, so never ask.)
        public var allRequestAnswers = false

        /// A configuration; every parameter has the documented default.
        public init(deviceCount: Int = 12, seed: UInt64 = 1, corruptionRate: Double = 0,
                    editions: [HJ212.Edition] = HJ212.Edition.allCases, password: String = "123456") {
            self.deviceCount = deviceCount
            self.seed = seed
            self.corruptionRate = corruptionRate
            self.editions = editions
            self.password = password
        }
    }

    /// The kind of station a device is.
    public enum Kind: String, Sendable, CaseIterable {
        /// A surface-water automatic station (ST 21).
        case surfaceWater
        /// An ambient air station (ST 22).
        case ambientAir
        /// A stack CEMS (ST 31).
        case stack
        /// A wastewater outfall (ST 32).
        case wastewater

        /// The system code.
        public var st: String {
            switch self {
            case .surfaceWater: "21"
            case .ambientAir: "22"
            case .stack: "31"
            case .wastewater: "32"
            }
        }
    }

    /// One emulated device.
    public struct Device: Sendable, Equatable {
        /// Position in the fleet.
        public var index: Int
        /// Its `MN`: 24 hex characters from 2017 on, 14 characters for 2005 devices.
        public var mn: String
        /// The edition it writes.
        public var edition: HJ212.Edition
        /// The station kind.
        public var kind: Kind
        /// Its password.
        public var password: String
        /// Whether its uploads ask for a 9014 answer (`Flag` bit A; 2005 devices send no `Flag`).
        public var requestsAnswer: Bool
    }

    /// How an emulated frame was broken.
    public enum Corruption: String, Sendable, CaseIterable {
        /// One CRC digit changed.
        case badCRC
        /// The declared length off by a few bytes.
        case badLength
        /// Cut off before its end, without CR LF.
        case truncated
    }

    /// One frame and how it was made.
    public struct EmulatedFrame: Sendable {
        /// The device that sent it.
        public var device: Device
        /// The data interval.
        public var interval: DataInterval
        /// The bytes on the wire.
        public var bytes: [UInt8]
        /// How the frame was broken, if it was.
        public var corruption: Corruption?
    }

    /// The fleet and its faults.
    public let configuration: Configuration
    /// The devices, by index.
    public let devices: [Device]

    /// A fleet: kinds and editions are dealt out in turn, so every combination appears.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        let editions = configuration.editions.isEmpty ? HJ212.Edition.allCases : configuration.editions
        devices = (0..<max(0, configuration.deviceCount)).map { index in
            let kind = Kind.allCases[index % Kind.allCases.count]
            let edition = editions[index % editions.count]
            var generator = SeededGenerator(mixing: configuration.seed, UInt64(index), 0x4D4E)
            let mn: String
            if edition == .hj2005 {
                mn = "421181" + ["SW", "AQ", "FQ", "WS"][index % 4] + Self.digits(index, width: 6)
            } else {
                mn = "010000A89000" + Self.hex(generator.next(), width: 12)
            }
            return Device(index: index, mn: mn, edition: edition, kind: kind, password: configuration.password,
                          requestsAnswer: edition != .hj2005 && (configuration.allRequestAnswers || index % 2 == 0))
        }
    }

    /// The frames every device sends for `interval` at `time`.
    public func frames(interval: DataInterval, at time: HJ212.Timestamp) -> [EmulatedFrame] {
        devices.indices.map { frame(device: $0, interval: interval, at: time) }
    }

    /// The frame device `index` sends for `interval` at `time` (the send time; `DataTime` is
    /// the start of the interval that contains it, or `time` itself for real-time data).
    public func frame(device index: Int, interval: DataInterval, at time: HJ212.Timestamp) -> EmulatedFrame {
        let device = devices[index]
        let seconds = time.secondsSince1970
        var generator = SeededGenerator(mixing: configuration.seed, UInt64(index), UInt64(bitPattern: Int64(seconds)),
                                        UInt64(interval.cn)!)
        // Values depend on the interval reported, not on when it is sent: a device that reports
        // the same hour twice sends the same values, under a new QN.
        let reported = EmulatedSegment.start(of: interval, containing: time).secondsSince1970
        var values = interval == .realtime ? SeededGenerator(mixing: generator.next())
            : SeededGenerator(mixing: configuration.seed, UInt64(index), UInt64(bitPattern: Int64(reported)), UInt64(interval.cn)!, 0x56)
        let segment = EmulatedSegment.build(device: device, interval: interval, time: time, generator: &generator, values: &values)
        var bytes = HJ212.encodeFrame(segment: segment)
        var corruption: Corruption?
        if generator.unit() < configuration.corruptionRate {
            let kind = Corruption.allCases[Int(generator.next() % 3)]
            Self.corrupt(&bytes, kind, generator: &generator)
            corruption = kind
        }
        return EmulatedFrame(device: device, interval: interval, bytes: bytes, corruption: corruption)
    }

    static func corrupt(_ bytes: inout [UInt8], _ kind: Corruption, generator: inout SeededGenerator) {
        let n = bytes.count
        switch kind {
        case .badCRC:
            let k = n - 6 + Int(generator.next() % 4)
            let digits = Array("0123456789ABCDEF".utf8)
            let current = digits.firstIndex(of: bytes[k]) ?? 0
            bytes[k] = digits[(current + 1 + Int(generator.next() % 15)) % 16]
        case .badLength:
            let declared = n - 12
            var wrong = declared + Int(generator.next() % 9) + 1
            if generator.next() % 2 == 0 && declared > 10 { wrong = declared - Int(generator.next() % 9) - 1 }
            let text = Array(digits(wrong, width: 4).utf8)
            bytes.replaceSubrange(2..<6, with: text)
        case .truncated:
            bytes.removeSubrange((6 + Int(generator.next() % UInt64(n - 8)))...)
        }
    }

    static func digits(_ value: Int, width: Int) -> String {
        var out = [UInt8]()
        HJ212.Timestamp.append(value, width: width, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func hex(_ value: UInt64, width: Int) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        return String(decoding: (0..<width).reversed().map { digits[Int(value >> (4 * UInt64($0)) & 0xF)] }, as: UTF8.self)
    }
}
