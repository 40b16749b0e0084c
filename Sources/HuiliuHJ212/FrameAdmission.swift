import HuiliuCore
public import HuiliuEnvironment

/// Decides what the listener does with one verified frame: store it, answer it, refuse it
/// or let it pass. Pure, so every rule has a unit test without sockets.
public struct FrameAdmission: Sendable {
    /// Why a frame was refused.
    public enum Refusal: String, Sendable, Hashable, CaseIterable {
        /// The `MN` is not in the registry.
        case unknownStation = "unknown_mn"
        /// The `PW` is not the registered one.
        case wrongPassword = "wrong_password"
        /// A measurement upload (2011, 2051, 2061, 2031) without `DataTime`: its values belong
        /// to no time. Acknowledged, it was stored with no records and lost without a trace.
        case missingDataTime = "missing_datatime"
        /// Too many wrong passwords for the `MN` lately (``PasswordGuard``): refused for a while.
        case guessing = "password_guessing"
    }

    /// What to do with a frame.
    public enum Verdict: Sendable, Equatable {
        /// A data upload from a known device: store it durably, then answer 9014 if `ack`.
        case store(ack: Bool)
        /// A notice or heartbeat: answer right away (nothing to store).
        case answer(HJ212.Reply)
        /// Not accepted: no answer, so the device keeps the data and sends it again later.
        case refuse(Refusal)
        /// Nothing to do (answers to host requests, commands meant for devices).
        case ignore(String)
    }

    /// The known devices.
    public var stations: StationRegistry
    /// Accept devices that are not in the registry (for tests and benchmarks). The default is false.
    public var acceptsUnknownStations: Bool

    /// An admission over `stations`.
    public init(stations: StationRegistry, acceptsUnknownStations: Bool = false) {
        self.stations = stations
        self.acceptsUnknownStations = acceptsUnknownStations
    }

    /// The verdict for `frame`.
    public func judge(_ frame: HJ212.Frame) -> Verdict {
        judge(frame, station: stations[frame.mn])
    }

    /// The verdict for `frame` from a station already looked up in ``stations``.
    func judge(_ frame: HJ212.Frame, station: StationRegistry.Station?) -> Verdict {
        if let station {
            // In constant time: how long a refusal takes says nothing of how much of a guess was right.
            if let password = station.password, !Digest.constantTimeEqual(frame.pw.utf8, password.utf8) {
                return .refuse(.wrongPassword)
            }
        } else if !acceptsUnknownStations {
            return .refuse(.unknownStation)
        }
        // Only the first packet of a split upload need carry it.
        if frame.dataTime == nil, (frame.pnum ?? 1) <= 1 || frame.pno == 1, DataInterval(cn: frame.cn) != nil {
            return .refuse(.missingDataTime)
        }
        return Self.verdict(cn: frame.cn, needsAnswer: frame.needsAnswer)
    }

    /// The verdict by command code for an authenticated frame.
    ///
    /// Uploads (2000–2999) are stored. 1013 (the site asks for time calibration) and the 2025
    /// heartbeat 9015 are notices, answered with 9013 when `Flag` asks. 9011–9014 answer
    /// requests this listener never sends; other 1xxx/3xxx codes are host-to-site commands.
    static func verdict(cn: String, needsAnswer: Bool) -> Verdict {
        switch cn.first {
        case "2":
            return .store(ack: needsAnswer)
        case "1" where cn == "1013", "9" where cn == "9015":
            return needsAnswer ? .answer(.noticeAnswer) : .ignore("notice CN \(cn) without Flag bit A")
        case "9":
            return .ignore("CN \(cn) answers a host request, and this listener sends none")
        default:
            return .ignore("CN \(cn) is a host-to-site command")
        }
    }
}
