/// An OAuth 2.0 access token and when it stops being usable.
public struct AccessToken: Sendable, Equatable, CustomStringConvertible {
    /// The token itself; a secret.
    public var value: String
    /// The token type, normally `Bearer`.
    public var type: String
    /// When the provider stops handing this token out (expiry minus the refresh margin).
    public var refreshAt: ContinuousClock.Instant
    /// The granted scope, if the server said.
    public var scope: String?

    /// A token with the given parts.
    public init(value: String, type: String = "Bearer", refreshAt: ContinuousClock.Instant, scope: String? = nil) {
        self.value = value
        self.type = type
        self.refreshAt = refreshAt
        self.scope = scope
    }

    /// The `Authorization` header value: `Bearer <token>` (a lower-case `bearer` type is normalised).
    public var authorization: String {
        (type.lowercased() == "bearer" ? "Bearer" : type) + " " + value
    }

    /// Redacted: the token never reaches logs.
    public var description: String { "AccessToken(\(type), value: ***)" }
}
