/// What went wrong with a transfer, and for which URL (credentials and secrets redacted).
///
/// Match on ``code``; the message is libcurl's, or the server's for HTTP status errors:
/// ```swift
/// do { _ = try await client.execute(request).checkStatus() }
/// catch let error where error.code == .timeout { … }
/// ```
public struct TransportError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure; new kinds may be added, so switch with a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case dns = "DNS lookup failed"
            case connect = "connection failed"
            case connectTimeout = "connect timed out"
            case timeout = "timed out"
            case tls = "TLS failed"
            case connection = "connection broke"
            case httpStatus = "HTTP status"
            case cancelled = "aborted"
            case tooManyRedirects = "too many redirects"
            case bodyTooLarge = "body too large"
            case decoding = "content decoding failed"
            case authentication = "login denied"
            // An FTP server answers 550 both for a file that is not there and for one it may not read.
            case notFound = "remote file not found (or not readable)"
            case accessDenied = "access denied"
            case invalidRequest = "invalid request"
            case invalidResponse = "invalid response"
            case proxy = "proxy failed"
            case proxyRefused = "the proxy refused the connection"
            case ssh = "SSH failed"
            case other = "transfer failed"
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// A phrase naming the failure, such as "DNS lookup failed".
        public var description: String { base.rawValue }

        /// The host name could not be resolved.
        public static let dns = Code(.dns)
        /// The server refused the connection or could not be reached.
        public static let connect = Code(.connect)
        /// No connection could be established within the connect timeout.
        public static let connectTimeout = Code(.connectTimeout)
        /// The transfer exceeded its total timeout or stalled longer than the stall timeout.
        public static let timeout = Code(.timeout)
        /// The TLS handshake failed: untrusted or mismatched certificate, rejected client certificate.
        public static let tls = Code(.tls)
        /// The connection was reset or closed mid-transfer, or nothing came back.
        public static let connection = Code(.connection)
        /// The server answered with a status the caller did not accept (see ``HTTPResponse/checkStatus(accepting:)``).
        public static let httpStatus = Code(.httpStatus)
        /// The transfer was aborted: its task was cancelled, its body dropped, or its client shut down.
        public static let cancelled = Code(.cancelled)
        /// More redirects than ``TransferOptions/maximumRedirects``.
        public static let tooManyRedirects = Code(.tooManyRedirects)
        /// A collected body exceeded ``TransferOptions/maximumBodySize``.
        public static let bodyTooLarge = Code(.bodyTooLarge)
        /// The body's `Content-Encoding` could not be decoded.
        public static let decoding = Code(.decoding)
        /// The FTP or SSH server rejected the credentials.
        public static let authentication = Code(.authentication)
        /// The remote file or directory does not exist (or, over FTP, may not be read: 550 says both).
        public static let notFound = Code(.notFound)
        /// The server denied access to the remote path.
        public static let accessDenied = Code(.accessDenied)
        /// The request itself is malformed: bad URL, unsupported scheme, bad option.
        public static let invalidRequest = Code(.invalidRequest)
        /// The response could not be understood, such as a token endpoint returning no token.
        public static let invalidResponse = Code(.invalidResponse)
        /// The proxy could not be reached or failed on the way (its 5xx to a CONNECT).
        public static let proxy = Code(.proxy)
        /// The proxy answered a CONNECT with a 4xx: 407 (its login was refused) or its rules.
        /// Not retried: five tries with a wrong proxy password can lock the proxy account.
        public static let proxyRefused = Code(.proxyRefused)
        /// The SSH session failed, for example because the host key did not match.
        public static let ssh = Code(.ssh)
        /// Anything else libcurl reported.
        public static let other = Code(.other)
    }

    /// The kind of failure.
    public var code: Code
    /// The URL, with `user:password@` and secret-looking query parameters redacted.
    public var url: String
    /// Details: libcurl's error text, or the status line and a server message.
    public var message: String
    /// The HTTP status, for ``Code/httpStatus``.
    public var status: Int?
    /// How long the server asked the client to wait (`Retry-After` on 429 and 503).
    public var retryAfter: Duration?
    /// The first bytes of the response body, for diagnosing ``Code/httpStatus``; may hold
    /// server-supplied text, so it is kept out of ``description``.
    public var bodyExcerpt: String?
    /// libcurl's `CURLcode`, when the error came from libcurl.
    public var curlCode: Int?

    /// An error of `code` for `url`; the URL is redacted here, so pass it unredacted.
    /// - Parameters:
    ///   - code: the kind of failure.
    ///   - url: the URL the transfer was for.
    ///   - message: details for people.
    public init(_ code: Code, url: String, message: String) {
        self.code = code
        self.url = URLRedactor.redact(url)
        self.message = message
    }

    public var description: String {
        var text = "\(code) for \(url)"
        if let status { text += " (\(status))" }
        if !message.isEmpty { text += ": \(message)" }
        return text
    }

    /// Whether retrying the same request later may succeed: connection-level failures,
    /// timeouts, 408, 429 and 5xx. Authentication, TLS and 4xx failures are not transient.
    public var isTransient: Bool {
        switch code {
        case .connect, .connectTimeout, .timeout, .connection, .proxy, .dns: return true
        case .httpStatus:
            guard let status else { return false }
            return status == 408 || status == 429 || (500...599).contains(status)
        default: return false
        }
    }
}
