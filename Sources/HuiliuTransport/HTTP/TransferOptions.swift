/// How one HTTP transfer behaves: timeouts, protocol version, redirects, TLS, proxy.
///
/// A `Sendable` value with documented defaults; set what differs:
/// ```swift
/// var options = TransferOptions()
/// options.timeout = .seconds(30)
/// options.tls.caBundlePath = "/etc/huiliu/gov-ca.pem"
/// ```
public struct TransferOptions: Sendable, Equatable {
    /// Time allowed to establish a connection, TLS handshake included. The default is 10 seconds.
    public var connectTimeout: Duration = .seconds(10)
    /// Time allowed for the whole transfer, or `nil` for no limit. The default is `nil`,
    /// because a streamed export may legitimately take hours; ``stallTimeout`` guards against hangs.
    public var timeout: Duration?
    /// Fail as a timeout when no byte arrives for this long, or `nil` to wait forever.
    /// The default is 60 seconds. A transfer paused by back-pressure is not stalled.
    public var stallTimeout: Duration? = .seconds(60)
    /// Which HTTP version to speak. The default is ``HTTPVersion/automatic``.
    public var httpVersion: HTTPVersion = .automatic
    /// Follow `Location` on 3xx responses. The default is `true`.
    public var followRedirects = true
    /// The most redirects followed before failing. The default is 10.
    public var maximumRedirects = 10
    /// Send `Accept-Encoding` for gzip, deflate, br and zstd and decode the body transparently.
    /// The default is `true`.
    public var automaticDecompression = true
    /// The largest body ``HTTPClient/execute(_:)`` collects before failing; streaming has no limit.
    /// The default is 256 MiB.
    public var maximumBodySize = 256 << 20
    /// TLS verification and client certificates. The default verifies against the system CA store.
    public var tls = TLSOptions()
    /// The proxy to use. The default is ``Proxy/direct``.
    public var proxy: Proxy = .direct
    /// HTTP Basic credentials, sent only to the request's own host. The default is `nil`.
    public var basicAuth: BasicCredentials?
    /// A DNS-over-HTTPS resolver URL to resolve host names with instead of the system resolver.
    /// The default is `nil`.
    public var dnsOverHTTPS: String?

    /// The defaults.
    public init() {}
}

/// The HTTP version a transfer speaks.
public enum HTTPVersion: Sendable, Equatable {
    /// HTTP/2 over TLS when the server offers it by ALPN, HTTP/1.1 otherwise.
    case automatic
    /// HTTP/1.1 only.
    case http1_1
    /// HTTP/2 without negotiation, also on cleartext (`h2c` with prior knowledge). On libcurl
    /// 7.88 each request opens its own connection, working around a libcurl bug on reuse.
    case http2PriorKnowledge
}

/// TLS settings: which CAs to trust and which client certificate to present.
public struct TLSOptions: Sendable, Equatable {
    /// A PEM bundle of CA certificates to trust instead of the system store. The default is `nil`,
    /// the system store.
    public var caBundlePath: String?
    /// A PEM client certificate for mutual TLS. The default is `nil`.
    public var clientCertificatePath: String?
    /// The PEM private key of ``clientCertificatePath``. The default is `nil`.
    public var clientKeyPath: String?
    /// The passphrase of ``clientKeyPath``, if it is encrypted. The default is `nil`.
    public var clientKeyPassword: String?
    /// Verify the server's certificate chain. The default is `true`; turn off only for tests.
    public var verifyPeer = true
    /// Verify that the certificate names the host. The default is `true`.
    public var verifyHost = true

    /// The defaults: system CAs, full verification, no client certificate.
    public init() {}
}

/// Where requests go first.
public enum Proxy: Sendable, Equatable {
    /// Straight to the server; `http_proxy` and friends in the environment are ignored, so a
    /// stray variable never reroutes upstream traffic.
    case direct
    /// Whatever `http_proxy`, `https_proxy` and `no_proxy` in the environment say.
    case environment
    /// Through the proxy at `url` (`http://`, `https://`, `socks5h://`), with optional credentials,
    /// except for hosts in the comma-separated `noProxy` list.
    case server(url: String, username: String? = nil, password: String? = nil, noProxy: String? = nil)
}

/// A user name and password.
public struct BasicCredentials: Sendable, Equatable {
    /// The user name.
    public var username: String
    /// The password.
    public var password: String

    /// Credentials for `username` with `password`.
    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}
