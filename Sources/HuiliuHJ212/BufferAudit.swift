import HuiliuStore

/// Checks a buffer against the frames devices saw acknowledged: each must be stored exactly
/// once. The crash tests use it, and so can `huiliu hj212 verify` after a SIGKILL test.
public enum BufferAudit {
    /// What the check found.
    public struct Result: Sendable, Equatable, CustomStringConvertible {
        /// Acknowledged frames found exactly once.
        public var found: Int
        /// Acknowledged frames (`MN QN`) not in the buffer.
        public var missing: [String]
        /// Acknowledged frames stored more than once.
        public var duplicated: [String]

        /// True when nothing is missing or duplicated.
        public var isClean: Bool { missing.isEmpty && duplicated.isEmpty }

        public var description: String {
            "\(found) acknowledged frames stored once, \(missing.count) missing, \(duplicated.count) stored more than once"
                + (missing.isEmpty ? "" : "\nmissing: " + missing.prefix(20).joined(separator: ", "))
                + (duplicated.isEmpty ? "" : "\nduplicated: " + duplicated.prefix(20).joined(separator: ", "))
        }
    }

    /// Checks `acknowledged` lines (`MN QN`, as ``DeviceFleet/Options/acknowledgedLog`` writes
    /// them) against the buffer at `bufferPath`.
    public static func check(acknowledged: [String], bufferPath: String) throws -> Result {
        let database = try SQLiteDatabase(path: bufferPath)
        var stored: [String: Int] = [:]
        for row in try database.prepare("SELECT mn, qn FROM hj212_frames WHERE qn IS NOT NULL").rows() {
            guard let mn = row[0].text, let qn = row[1].text else { continue }
            stored["\(mn) \(qn)", default: 0] += 1
        }
        var result = Result(found: 0, missing: [], duplicated: [])
        for line in Set(acknowledged) {
            switch stored[line] ?? 0 {
            case 0: result.missing.append(line)
            case 1: result.found += 1
            default: result.duplicated.append(line)
            }
        }
        result.missing.sort()
        result.duplicated.sort()
        return result
    }
}
