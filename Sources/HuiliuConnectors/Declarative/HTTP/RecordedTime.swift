/// Registered in a connector's services when its upstream answers are recordings (fixture
/// replay): the recording's clock stands still, so retry back-off, `Retry-After` and rate
/// limits are followed without waiting — a recorded 429 asking for ten minutes replays at once.
public struct RecordedTime: Sendable {
    /// The marker.
    public init() {}
}
