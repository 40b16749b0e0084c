import Testing

/// Polls `condition` every `interval` until it holds, for tests that wait for something another
/// task or process does: on a loaded machine that can take long, so the deadline is generous,
/// and when it passes the test fails (an issue naming `what`) instead of going on as if the
/// condition held. Returns whether it held.
@discardableResult
func eventually(_ what: String, timeout: Duration = .seconds(60), interval: Duration = .milliseconds(50),
                sourceLocation: Testing.SourceLocation = #_sourceLocation,
                _ condition: () async throws -> Bool) async throws -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while true {
        if try await condition() { return true }
        if clock.now >= deadline { break }
        try await Task.sleep(for: interval)
    }
    Issue.record("timed out after \(timeout) waiting for \(what)", sourceLocation: sourceLocation)
    return false
}
