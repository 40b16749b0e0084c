extension HJ212 {
    /// A wall-clock time as devices write it (`YYYYMMDDhhmmss`, optionally `zzz` milliseconds),
    /// understood as China Standard Time.
    ///
    /// Asia/Shanghai has been UTC+8 without daylight saving since 1991, so the conversion to
    /// an instant is a fixed offset and needs no time-zone database.
    public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
        /// Four-digit year.
        public var year: Int
        /// Month, 1–12.
        public var month: Int
        /// Day of month, 1–31.
        public var day: Int
        /// Hour, 0–23.
        public var hour: Int
        /// Minute, 0–59.
        public var minute: Int
        /// Second, 0–59.
        public var second: Int
        /// Milliseconds, 0–999.
        public var millisecond: Int

        /// The offset of China Standard Time, in seconds.
        public static let utcOffsetSeconds = 8 * 3600

        /// A validated wall-clock time; `nil` if a field is out of range.
        public init?(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0,
                     millisecond: Int = 0) {
            guard (1...9999).contains(year), (1...12).contains(month),
                  (1...Self.daysIn(month: month, year: year)).contains(day),
                  (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second),
                  (0...999).contains(millisecond) else { return nil }
            self.year = year
            self.month = month
            self.day = day
            self.hour = hour
            self.minute = minute
            self.second = second
            self.millisecond = millisecond
        }

        /// The China Standard Time wall clock at an instant given as Unix time.
        public init(secondsSince1970 seconds: Int, millisecond: Int = 0) {
            let local = seconds + Self.utcOffsetSeconds
            let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
            let secondOfDay = local - days * 86_400
            let (y, m, d) = Self.civil(fromDays: days)
            year = y
            month = m
            day = d
            hour = secondOfDay / 3600
            minute = secondOfDay % 3600 / 60
            second = secondOfDay % 60
            self.millisecond = millisecond
        }

        /// Parses `YYYYMMDDhhmmss` or `YYYYMMDDhhmmsszzz`.
        public init?(_ text: some StringProtocol) {
            var text = String(text)
            guard let parsed = text.withUTF8({ Self.parse(UnsafeRawBufferPointer($0)) }) else { return nil }
            self = parsed
        }

        /// Parses the RFC 3339 form ``rfc3339`` writes (`2024-06-01T08:00:00+08:00`, optionally
        /// with milliseconds); other offsets are refused rather than converted.
        public init?(rfc3339 text: String) {
            let utf8 = Array(text.utf8)
            guard utf8.count == 25 || utf8.count == 29, utf8.suffix(6).elementsEqual("+08:00".utf8) else { return nil }
            var digits: [UInt8] = []
            for (i, byte) in utf8.dropLast(6).enumerated() {
                switch i {
                case 4, 7: guard byte == UInt8(ascii: "-") else { return nil }
                case 10: guard byte == UInt8(ascii: "T") else { return nil }
                case 13, 16: guard byte == UInt8(ascii: ":") else { return nil }
                case 19: guard byte == UInt8(ascii: ".") else { return nil }
                default: digits.append(byte)
                }
            }
            guard let parsed = digits.withUnsafeBytes({ Self.parse($0) }) else { return nil }
            self = parsed
        }

        /// Parses 14 or 17 ASCII digits; `nil` for anything else or an impossible date.
        static func parse(_ bytes: UnsafeRawBufferPointer) -> Timestamp? {
            guard bytes.count == 14 || bytes.count == 17 else { return nil }
            func number(_ from: Int, _ count: Int) -> Int? {
                var n = 0
                for k in from..<(from + count) {
                    let d = bytes[k] &- 48
                    guard d < 10 else { return nil }
                    n = n * 10 + Int(d)
                }
                return n
            }
            guard let y = number(0, 4), let mo = number(4, 2), let d = number(6, 2), let h = number(8, 2),
                  let mi = number(10, 2), let s = number(12, 2) else { return nil }
            var ms = 0
            if bytes.count == 17 {
                guard let parsed = number(14, 3) else { return nil }
                ms = parsed
            }
            return Timestamp(year: y, month: mo, day: d, hour: h, minute: mi, second: s, millisecond: ms)
        }

        /// Unix time of this wall-clock time in China Standard Time (whole seconds).
        public var secondsSince1970: Int {
            Self.days(fromCivil: year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
                - Self.utcOffsetSeconds
        }

        /// RFC 3339 with the `+08:00` offset; milliseconds appear only when not zero.
        public var rfc3339: String {
            var out = [UInt8]()
            out.reserveCapacity(29)
            Self.append(year, width: 4, to: &out)
            out.append(UInt8(ascii: "-"))
            Self.append(month, width: 2, to: &out)
            out.append(UInt8(ascii: "-"))
            Self.append(day, width: 2, to: &out)
            out.append(UInt8(ascii: "T"))
            Self.append(hour, width: 2, to: &out)
            out.append(UInt8(ascii: ":"))
            Self.append(minute, width: 2, to: &out)
            out.append(UInt8(ascii: ":"))
            Self.append(second, width: 2, to: &out)
            if millisecond != 0 {
                out.append(UInt8(ascii: "."))
                Self.append(millisecond, width: 3, to: &out)
            }
            out.append(contentsOf: "+08:00".utf8)
            return String(decoding: out, as: UTF8.self)
        }

        /// The compact protocol form, `YYYYMMDDhhmmss`.
        public var compact: String {
            var out = [UInt8]()
            out.reserveCapacity(14)
            appendCompact(to: &out)
            return String(decoding: out, as: UTF8.self)
        }

        /// Appends `YYYYMMDDhhmmss` to `out`.
        func appendCompact(to out: inout [UInt8]) {
            Self.append(year, width: 4, to: &out)
            Self.append(month, width: 2, to: &out)
            Self.append(day, width: 2, to: &out)
            Self.append(hour, width: 2, to: &out)
            Self.append(minute, width: 2, to: &out)
            Self.append(second, width: 2, to: &out)
        }

        /// This time moved by `seconds` (may be negative); milliseconds are kept.
        public func adding(seconds: Int) -> Timestamp {
            Timestamp(secondsSince1970: secondsSince1970 + seconds, millisecond: millisecond)
        }

        public var description: String { rfc3339 }

        public static func < (a: Timestamp, b: Timestamp) -> Bool {
            let x = (a.year, a.month, a.day, a.hour, a.minute, a.second)
            let y = (b.year, b.month, b.day, b.hour, b.minute, b.second)
            return x < y || (x == y && a.millisecond < b.millisecond)
        }

        static func append(_ value: Int, width: Int, to out: inout [UInt8]) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var v = value
            while divisor > 0 {
                out.append(UInt8(v / divisor % 10) + 48)
                v %= divisor
                divisor /= 10
            }
        }

        static func daysIn(month: Int, year: Int) -> Int {
            switch month {
            case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
            case 4, 6, 9, 11: return 30
            default: return 31
            }
        }

        // Howard Hinnant's days-from-civil and civil-from-days, valid for the proleptic
        // Gregorian calendar.
        static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int {
            let y = month <= 2 ? year - 1 : year
            let era = (y >= 0 ? y : y - 399) / 400
            let yoe = y - era * 400
            let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
            return era * 146_097 + doe - 719_468
        }

        static func civil(fromDays days: Int) -> (Int, Int, Int) {
            let z = days + 719_468
            let era = (z >= 0 ? z : z - 146_096) / 146_097
            let doe = z - era * 146_097
            let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
            let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
            let mp = (5 * doy + 2) / 153
            let d = doy - (153 * mp + 2) / 5 + 1
            let m = mp < 10 ? mp + 3 : mp - 9
            return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
        }
    }
}
