/// Timing and connection facts of one finished transfer, measured by libcurl.
///
/// Each time is measured from the start of the transfer, so `total >= firstByte >= connect`.
public struct TransferMetrics: Sendable, Equatable {
    /// Until the host name was resolved; zero when a kept-alive connection was reused.
    public var nameLookup: Duration = .zero
    /// Until the TCP connection was established; zero when a kept-alive connection was reused.
    public var connect: Duration = .zero
    /// Until the TLS handshake finished; zero for cleartext.
    public var tlsHandshake: Duration = .zero
    /// Until the first response byte arrived.
    public var firstByte: Duration = .zero
    /// The whole transfer.
    public var total: Duration = .zero
    /// Redirects followed.
    public var redirectCount = 0
    /// New connections opened; zero when a kept-alive connection was reused.
    public var connectionsOpened = 0
    /// Body bytes received, after decompression.
    public var bytesReceived: Int64 = 0

    /// All zero.
    public init() {}
}
