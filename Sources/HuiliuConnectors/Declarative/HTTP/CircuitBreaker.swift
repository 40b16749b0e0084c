import Synchronization

/// Stops calling a host that keeps failing: after `failures` consecutive failed requests
/// the breaker opens and refuses requests for `coolDown`; then one trial request is let
/// through (half-open), and its outcome closes or re-opens the breaker.
///
/// Breakers are shared per host across the process, so one failing system does not get
/// hammered by every pipeline that reads it.
final class CircuitBreaker: Sendable {
    enum State: Equatable {
        case closed(failures: Int)
        case open(until: ContinuousClock.Instant)
        case halfOpen
    }

    let host: String
    let threshold: Int
    let coolDown: Duration
    private let state = Mutex<State>(.closed(failures: 0))

    init(host: String, failures: Int, coolDown: Duration) {
        self.host = host
        self.threshold = failures
        self.coolDown = coolDown
    }

    /// Throws while the breaker is open; lets one trial through once the cool-down ended.
    func check(now: ContinuousClock.Instant = .now) throws(ManifestRuntimeError) {
        let refusal: Duration? = state.withLock { state in
            switch state {
            case .closed: return nil
            case .halfOpen: return .zero
            case .open(let until):
                if now >= until {
                    state = .halfOpen
                    return nil
                }
                return until - now
            }
        }
        if let refusal {
            throw ManifestRuntimeError("circuit breaker open for \(host) after \(threshold) consecutive failures; "
                + (refusal == .zero ? "a trial request is in flight" : "next attempt allowed in \(max(1, refusal.components.seconds))s"))
        }
    }

    /// A request succeeded: close the breaker.
    func recordSuccess() {
        state.withLock { $0 = .closed(failures: 0) }
    }

    /// A request failed: count it, and open the breaker at the threshold (or again after a failed trial).
    func recordFailure(now: ContinuousClock.Instant = .now) {
        state.withLock { state in
            switch state {
            case .closed(let failures):
                state = failures + 1 >= threshold ? .open(until: now + coolDown) : .closed(failures: failures + 1)
            case .halfOpen, .open:
                state = .open(until: now + coolDown)
            }
        }
    }

    /// A request ended without an answer to judge by (it was cancelled): a trial it was lets
    /// the next request be the trial instead of leaving the breaker half-open for good.
    func recordAbandoned(now: ContinuousClock.Instant = .now) {
        state.withLock { state in
            if case .halfOpen = state { state = .open(until: now) }
        }
    }

    /// True while requests are refused.
    var isOpen: Bool {
        state.withLock { if case .open = $0 { return true } else { return false } }
    }

    private static let shared = Mutex<[String: CircuitBreaker]>([:])

    /// The breaker of `host`, created with the given settings on first use.
    static func shared(host: String, failures: Int, coolDown: Duration) -> CircuitBreaker {
        shared.withLock { table in
            if let existing = table[host], existing.threshold == failures, existing.coolDown == coolDown { return existing }
            let breaker = CircuitBreaker(host: host, failures: failures, coolDown: coolDown)
            table[host] = breaker
            return breaker
        }
    }
}
