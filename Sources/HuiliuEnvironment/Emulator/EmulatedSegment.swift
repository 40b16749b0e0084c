/// The data segment an emulated device writes.
enum EmulatedSegment {
    /// A parameter an emulated station reports, with a plausible range.
    struct Series {
        let code: String
        let legacyCode: String?
        let low: Double
        let high: Double
        let decimals: Int
        /// Hours the daily curve is shifted by, so parameters do not peak together.
        let phase: Double
        /// Flow-like parameters also report a cumulative amount (`-Cou`, in m³): the flow
        /// times the interval's seconds times this factor (1/1000 for L/s).
        var cumulative: Double? = nil
        /// Stack concentrations also report converted values (`-ZsRtd`/`-ZsAvg`).
        var converted = false
    }

    static func series(for kind: DeviceEmulator.Kind) -> [Series] {
        switch kind {
        case .surfaceWater:
            return [
                Series(code: "w01001", legacyCode: "001", low: 7.0, high: 8.4, decimals: 2, phase: 2),
                Series(code: "w01009", legacyCode: nil, low: 5.2, high: 9.5, decimals: 2, phase: 8),
                Series(code: "w01010", legacyCode: nil, low: 12, high: 27, decimals: 1, phase: 9),
                Series(code: "w01014", legacyCode: nil, low: 320, high: 560, decimals: 0, phase: 1),
                Series(code: "w01019", legacyCode: nil, low: 1.8, high: 6.5, decimals: 1, phase: 4),
                Series(code: "w21003", legacyCode: "060", low: 0.08, high: 1.3, decimals: 3, phase: 5),
                Series(code: "w21011", legacyCode: "101", low: 0.02, high: 0.26, decimals: 3, phase: 6),
            ]
        case .ambientAir:
            return [
                Series(code: "a21026", legacyCode: "02", low: 4, high: 32, decimals: 0, phase: 3),
                Series(code: "a21004", legacyCode: nil, low: 12, high: 75, decimals: 0, phase: 14),
                Series(code: "a21005", legacyCode: "04", low: 0.3, high: 1.6, decimals: 1, phase: 15),
                Series(code: "a05024", legacyCode: nil, low: 25, high: 190, decimals: 0, phase: 2),
                Series(code: "a34002", legacyCode: nil, low: 25, high: 160, decimals: 0, phase: 16),
                Series(code: "a34004", legacyCode: nil, low: 12, high: 95, decimals: 0, phase: 16),
            ]
        case .stack:
            return [
                Series(code: "a21026", legacyCode: "02", low: 8, high: 60, decimals: 2, phase: 0, converted: true),
                Series(code: "a21002", legacyCode: "03", low: 20, high: 95, decimals: 2, phase: 1, converted: true),
                Series(code: "a34013", legacyCode: "01", low: 1.5, high: 14, decimals: 2, phase: 2, converted: true),
                Series(code: "a19001", legacyCode: "S01", low: 7.5, high: 12.5, decimals: 2, phase: 3),
                Series(code: "a01012", legacyCode: "S03", low: 45, high: 92, decimals: 1, phase: 4),
                Series(code: "a00000", legacyCode: "B02", low: 18, high: 62, decimals: 2, phase: 5, cumulative: 1),
            ]
        case .wastewater:
            return [
                Series(code: "w01018", legacyCode: "011", low: 18, high: 62, decimals: 1, phase: 0),
                Series(code: "w21003", legacyCode: "060", low: 0.4, high: 5.2, decimals: 2, phase: 1),
                Series(code: "w21011", legacyCode: "101", low: 0.08, high: 0.52, decimals: 2, phase: 2),
                Series(code: "w01001", legacyCode: "001", low: 6.6, high: 8.4, decimals: 2, phase: 3),
                Series(code: "w00000", legacyCode: "B01", low: 4, high: 32, decimals: 2, phase: 4, cumulative: 0.001),
            ]
        }
    }

    static func build(device: DeviceEmulator.Device, interval: DataInterval, time: HJ212.Timestamp,
                      generator: inout SeededGenerator, values: inout SeededGenerator) -> [UInt8] {
        let dataTime = start(of: interval, containing: time)
        var out = [UInt8]()
        out.reserveCapacity(640)
        if device.edition != .hj2005 {
            out.append(contentsOf: "QN=".utf8)
            time.appendCompact(to: &out)
            out.append(contentsOf: DeviceEmulator.digits(Int(generator.next() % 1000), width: 3).utf8)
            out.append(Byte.semicolon)
        }
        out.append(contentsOf: "ST=\(device.kind.st);CN=\(interval.cn);PW=\(device.password);MN=\(device.mn);".utf8)
        if device.edition != .hj2005 {
            let flag = device.edition.versionBits << 2 | (device.requestsAnswer ? 1 : 0)
            out.append(contentsOf: "Flag=\(flag);".utf8)
        }
        out.append(contentsOf: "CP=&&DataTime=".utf8)
        dataTime.appendCompact(to: &out)
        let hour = Double(dataTime.hour) + Double(dataTime.minute) / 60
        for series in series(for: device.kind) {
            let code = device.edition == .hj2005 ? (series.legacyCode ?? series.code) : series.code
            let curve = 0.5 + 0.35 * wave((hour - 6 + series.phase) / 24)
            let noise = (values.unit() - 0.5) * 0.3
            let value = series.low + (series.high - series.low) * min(1, max(0, curve + noise))
            let flag = dataFlag(&values)
            out.append(Byte.semicolon)
            func field(_ suffix: String, _ number: Double) {
                out.append(contentsOf: code.utf8)
                out.append(Byte.dash)
                out.append(contentsOf: suffix.utf8)
                out.append(Byte.equals)
                out.append(contentsOf: fixed(number, decimals: series.decimals).utf8)
                out.append(Byte.comma)
            }
            if interval == .realtime {
                field("Rtd", value)
                if series.converted { field("ZsRtd", value * 1.12) }
            } else {
                let spread = (series.high - series.low) * (0.02 + 0.06 * values.unit())
                if let factor = series.cumulative { field("Cou", value * Double(seconds(of: interval)) * factor) }
                field("Min", max(0, value - spread))
                field("Avg", value)
                field("Max", value + spread)
                if series.converted { field("ZsAvg", value * 1.12) }
            }
            out.append(contentsOf: "\(code)-Flag=\(flag)".utf8)
        }
        out.append(contentsOf: "&&".utf8)
        return out
    }

    /// A sine over one period (`fraction` of a day), by Bhaskara's approximation: a daily curve
    /// needs the shape, not libm.
    static func wave(_ fraction: Double) -> Double {
        var f = fraction - fraction.rounded(.down)
        let sign: Double = f < 0.5 ? 1 : -1
        if f >= 0.5 { f -= 0.5 }
        let x = f * 2 * Double.pi
        let p = x * (Double.pi - x)
        return sign * 16 * p / (5 * Double.pi * Double.pi - 4 * p)
    }

    /// `N` most of the time; now and then maintenance, fault, calibration or a stop.
    static func dataFlag(_ generator: inout SeededGenerator) -> String {
        let roll = generator.unit()
        guard roll < 0.02 else { return "N" }
        return ["M", "D", "C", "F"][Int(roll * 200) % 4]
    }

    static func start(of interval: DataInterval, containing time: HJ212.Timestamp) -> HJ212.Timestamp {
        var start = time
        start.millisecond = 0
        switch interval {
        case .realtime: break
        case .minute: start.minute -= start.minute % 10; start.second = 0
        case .hour: start.minute = 0; start.second = 0
        case .day: start.hour = 0; start.minute = 0; start.second = 0
        }
        return start
    }

    static func seconds(of interval: DataInterval) -> Int {
        switch interval {
        case .realtime: 30
        case .minute: 600
        case .hour: 3600
        case .day: 86_400
        }
    }

    /// `value` with exactly `decimals` fractional digits, without binary-float artefacts.
    static func fixed(_ value: Double, decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int((value * scale).rounded())
        guard decimals > 0 else { return String(scaled) }
        let magnitude = String(scaled.magnitude)
        let padded = String(repeating: "0", count: max(0, decimals + 1 - magnitude.count)) + magnitude
        let split = padded.index(padded.endIndex, offsetBy: -decimals)
        return (scaled < 0 ? "-" : "") + padded[..<split] + "." + padded[split...]
    }
}
