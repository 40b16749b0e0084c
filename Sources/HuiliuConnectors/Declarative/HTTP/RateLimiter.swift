import Synchronization

/// A request budget: at most `requests` per `period`, as a token bucket that starts full.
/// A caller over budget waits for its turn instead of failing.
///
/// Buckets are shared per connector and host, so every pipeline reading one upstream in
/// this process spends from the same budget.
actor RateLimiter {
    let requests: Int
    let period: Duration
    private var tokens: Double
    private var updated: ContinuousClock.Instant

    init(requests: Int, per period: Duration) {
        self.requests = requests
        self.period = period
        tokens = Double(requests)
        updated = .now
    }

    /// Waits until a request may be sent.
    func acquire() async throws {
        let now = ContinuousClock.now
        let perToken = period / requests
        let elapsed = now - updated
        tokens = min(Double(requests), tokens + Double(elapsed.attoseconds) / Double(perToken.attoseconds))
        updated = now
        tokens -= 1
        if tokens < 0 {
            // Reserve the token now and sleep until it has been earned.
            let wait = perToken * (-tokens)
            try await Task.sleep(for: wait)
        }
    }

    private static let shared = Mutex<[String: RateLimiter]>([:])

    /// The limiter for `key` (connector and host), created with the given budget on first use.
    static func shared(_ key: String, requests: Int, per period: Duration) -> RateLimiter {
        shared.withLock { table in
            if let existing = table[key], existing.requests == requests, existing.period == period { return existing }
            let limiter = RateLimiter(requests: requests, per: period)
            table[key] = limiter
            return limiter
        }
    }
}

extension Duration {
    /// The whole duration in attoseconds (up to about 9.2 seconds fit in Int64 attoseconds, so this is a Double).
    var attoseconds: Double {
        Double(components.seconds) * 1e18 + Double(components.attoseconds)
    }

    /// The duration multiplied by a real factor.
    static func * (lhs: Duration, rhs: Double) -> Duration {
        .nanoseconds(Int64(lhs.attoseconds / 1e9 * rhs))
    }
}
