/// How connectors reach upstream systems: the gateway's `http.proxy` setting, which the
/// host hands to components through ``ConnectorContext/services``.
///
/// Government networks often allow outbound traffic only through a proxy; direct is the
/// default so that a stray `http_proxy` variable never reroutes upstream traffic.
public struct OutboundProxy: Sendable, Equatable {
    /// Where requests go.
    public enum Route: Sendable, Equatable {
        /// Straight to the upstream system.
        case direct
        /// Wherever `http_proxy`, `https_proxy` and `no_proxy` in the environment say.
        case environment
        /// Through the proxy at this URL (`http://`, `https://`, `socks5h://`).
        case server(String)
    }

    /// Where requests go.
    public var route: Route
    /// Hosts reached directly even so, comma-separated (`127.0.0.1,.gov.internal`).
    public var noProxy: String?
    /// The proxy's user name, if it asks for one.
    public var username: String?
    /// The proxy's password.
    public var password: String?

    /// A route with optional exceptions and credentials.
    public init(_ route: Route, noProxy: String? = nil, username: String? = nil, password: String? = nil) {
        self.route = route
        self.noProxy = noProxy
        self.username = username
        self.password = password
    }

    /// Straight to every upstream system.
    public static let direct = OutboundProxy(.direct)
}
