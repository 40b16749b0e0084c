public import HuiliuCore

extension HJ212 {
    /// One verified HJ 212 frame: header fields, the parsed `CP` data area, and what the
    /// codec had to tolerate to read it.
    public struct Frame: Sendable, Equatable {
        /// The edition, from the `Flag` version bits; 2005 when `Flag` is absent.
        public var edition: Edition
        /// Request id `YYYYMMDDhhmmsszzz`; absent in 2005-style frames.
        public var qn: String?
        /// System code `ST` (21 surface water, 22 ambient air, 31 stack, 32 outfall, 91 replies …).
        public var st: String
        /// Command code `CN` (2011 real-time, 2051 minute, 2061 hour, 2031 day, 9014 data answer …).
        public var cn: String
        /// Access password `PW`.
        public var pw: String
        /// Device or monitoring-point id `MN`.
        public var mn: String
        /// The `Flag` byte, if sent.
        public var flag: Int?
        /// Total packet count `PNUM` of a split upload.
        public var pnum: Int?
        /// Packet number `PNO` of a split upload, from 1.
        public var pno: Int?
        /// `DataTime` from the data area.
        public var dataTime: Timestamp?
        /// Pollutant and parameter values, in the order their codes first appear.
        public var measurements: [Measurement]
        /// Equipment running states and times (`SBxxx-RS`, `SBxxx-RT`).
        public var equipment: [EquipmentState]
        /// Other data-area fields (`RtdInterval`, `QnRtn`, `ExeRtn`, `SystemTime`, `PolId` …).
        public var fields: [Field]
        /// The data-segment length the frame declares.
        public var declaredLength: Int
        /// The data-segment length in bytes.
        public var dataLength: Int
        /// The CRC the frame carries.
        public var declaredCRC: UInt16
        /// The CRC of the data segment as received.
        public var computedCRC: UInt16
        /// Departures from the standard that real devices show and the codec accepted.
        public var deviations: Deviations

        /// True when the carried CRC matches the data segment.
        public var isChecksumValid: Bool { declaredCRC == computedCRC }

        /// True when `Flag` asks for an answer (bit A): uploads are then acknowledged with 9014.
        public var needsAnswer: Bool { (flag ?? 0) & 1 == 1 }

        /// True when the frame is one packet of a split upload (it carries `PNUM` and `PNO`).
        public var isSplit: Bool { pnum != nil }

        /// The measurement for a code as the device sent it.
        public func measurement(_ code: String) -> Measurement? {
            measurements.first { $0.code == code }
        }

        /// The value of another data-area field.
        public func field(_ name: String) -> String? {
            fields.first { $0.name == name }?.value
        }
    }

    /// The values of one pollutant or parameter code in a data area (`w01018-Avg=40.1,w01018-Flag=N`).
    public struct Measurement: Sendable, Equatable {
        /// The code as the device sent it (`w01018`, or a 2005 code such as `011`).
        public var code: String
        /// `-Rtd`, the real-time value.
        public var rtd: DecimalNumber?
        /// `-Min`, the interval minimum.
        public var min: DecimalNumber?
        /// `-Avg`, the interval average.
        public var avg: DecimalNumber?
        /// `-Max`, the interval maximum.
        public var max: DecimalNumber?
        /// `-ZsRtd`, the converted (折算) real-time value.
        public var zsRtd: DecimalNumber?
        /// `-ZsMin`, the converted minimum.
        public var zsMin: DecimalNumber?
        /// `-ZsAvg`, the converted average.
        public var zsAvg: DecimalNumber?
        /// `-ZsMax`, the converted maximum.
        public var zsMax: DecimalNumber?
        /// `-Cou`, the cumulative amount.
        public var cou: DecimalNumber?
        /// `-Flag`, the data flag (`N` normal, `F`, `M`, `S`, `D`, `C`, `T`, `B`).
        public var flag: String?
        /// `-EFlag`, the vendor's extended flag.
        public var eflag: String?
        /// `-SampleTime`, when the sample was taken.
        public var sampleTime: Timestamp?
        /// `-Info`, site information (logs are the text between `//` delimiters).
        public var info: String?
        /// Suffixes outside table 4 (`-ValidNum`, `-Ala`, typos such as `-td`), as text.
        public var otherFields: [Field]
        /// Values that are not numbers (`-Avg=-`, `-Rtd=NaN` from a faulty instrument), by suffix,
        /// as sent: the value is absent, and the frame's other values are kept.
        public var unreadable: [Field]

        /// An empty measurement for `code`.
        public init(code: String) {
            self.code = code
            otherFields = []
            unreadable = []
        }
    }

    /// One piece of equipment's state in a data area (`SB1-RS=1,SB1-RT=23.5`).
    public struct EquipmentState: Sendable, Equatable {
        /// The equipment code (`SB1`).
        public var code: String
        /// `-RS`: 0 off, 1 running, 2 calibrating, 3 maintenance, 4 alarm, 5 back-flush.
        public var runningState: Int?
        /// `-RT`: running hours in the day.
        public var runningHours: DecimalNumber?

        /// An empty state for `code`.
        public init(code: String) {
            self.code = code
        }
    }

    /// A data-area field kept as text.
    public struct Field: Sendable, Equatable {
        /// The field name as sent.
        public var name: String
        /// The value as sent.
        public var value: String

        /// A field.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Departures from the standard that real devices show and the codec accepts (domain.md §1.2).
    public struct Deviations: OptionSet, Sendable, Hashable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }

        /// No `QN` (2005 style).
        public static let missingQN = Deviations(rawValue: 1 << 0)
        /// No `Flag` (2005 style).
        public static let missingFlag = Deviations(rawValue: 1 << 1)
        /// `PNO` written before `PNUM`.
        public static let packetNumberFirst = Deviations(rawValue: 1 << 2)
        /// `MN` that is not 24 hex characters.
        public static let nonStandardMN = Deviations(rawValue: 1 << 3)
        /// `PW` longer than 6 characters.
        public static let longPassword = Deviations(rawValue: 1 << 4)
        /// CRC written in lower-case hex.
        public static let lowercaseCRC = Deviations(rawValue: 1 << 5)
        /// A `;` before the closing `&&`.
        public static let trailingSemicolon = Deviations(rawValue: 1 << 6)
        /// The length counts characters, not bytes, of a segment with UTF-8 text.
        public static let lengthCountsCharacters = Deviations(rawValue: 1 << 7)
        /// `DataTime` with milliseconds (`YYYYMMDDhhmmsszzz`).
        public static let dataTimeMilliseconds = Deviations(rawValue: 1 << 8)
        /// A field suffix outside table 4 (such as `LA-td`).
        public static let unknownSuffix = Deviations(rawValue: 1 << 9)
        /// `Flag` bit D set without `PNUM`/`PNO`.
        public static let splitFlagWithoutPackets = Deviations(rawValue: 1 << 10)
        /// A value field with nothing after `=` (`a21026-Rtd=`, sent by devices with no reading):
        /// the value is absent, and the frame's other values are kept.
        public static let emptyValue = Deviations(rawValue: 1 << 11)
        /// A value field whose text is not a number (`w01019-Avg=-` from an instrument flagged
        /// `D`): the value is absent and kept as text, and the frame's other values are kept.
        public static let unreadableValue = Deviations(rawValue: 1 << 12)

        /// Names, for reports.
        public var names: [String] {
            let all: [(Deviations, String)] = [
                (.missingQN, "missing_qn"), (.missingFlag, "missing_flag"),
                (.packetNumberFirst, "pno_before_pnum"), (.nonStandardMN, "non_standard_mn"),
                (.longPassword, "long_password"), (.lowercaseCRC, "lowercase_crc"),
                (.trailingSemicolon, "trailing_semicolon"), (.lengthCountsCharacters, "length_counts_characters"),
                (.dataTimeMilliseconds, "datatime_milliseconds"), (.unknownSuffix, "unknown_suffix"),
                (.splitFlagWithoutPackets, "split_flag_without_packets"), (.emptyValue, "empty_value"),
                (.unreadableValue, "unreadable_value"),
            ]
            return all.filter { contains($0.0) }.map(\.1)
        }
    }
}
