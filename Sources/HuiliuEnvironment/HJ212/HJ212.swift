/// HJ 212, the Chinese standard for pollutant monitoring data transmission: frame codec,
/// replies and code tables for the 2005, 2017 and 2025 editions.
///
/// A frame on the wire is ASCII (Chinese log text is UTF-8):
///
/// ```
/// ##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80\r\n
/// ^^ ^^^^ <------------------------------- data segment (101 bytes) -------------------------------> ^^^^ ^^^^
/// │  │                                                                                             CRC  CR LF
/// │  └ data segment length, 4 decimal digits
/// └ header
/// ```
///
/// Everything here is pure: no sockets, files or clocks. The listener owns the I/O.
public enum HJ212 {}

extension HJ212 {
    /// The edition of the standard a frame follows.
    public enum Edition: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// HJ/T 212-2005: no version bits, usually no `QN` or `Flag`.
        case hj2005 = "2005"
        /// HJ 212-2017: version bits `000001`.
        case hj2017 = "2017"
        /// HJ 212-2025 (in force from 2026-01-01): version bits `000010`.
        case hj2025 = "2025"

        /// The edition named by the six version bits of `Flag` (`Flag >> 2`).
        public init?(versionBits: Int) {
            switch versionBits {
            case 0: self = .hj2005
            case 1: self = .hj2017
            case 2: self = .hj2025
            default: return nil
            }
        }

        /// The six version bits this edition writes into `Flag`.
        public var versionBits: Int {
            switch self {
            case .hj2005: 0
            case .hj2017: 1
            case .hj2025: 2
            }
        }

        public var description: String { rawValue }
    }
}
