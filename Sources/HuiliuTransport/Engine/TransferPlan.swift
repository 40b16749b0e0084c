import CCurl

/// Everything a transfer sets on its easy handle, decided before it reaches the loop thread.
///
/// Building the plan is pure (and unit-testable); applying it happens on the loop thread.
struct TransferPlan: Sendable {
    enum Kind: Sendable {
        /// Parse status lines and headers.
        case http
        /// FTP, FTPS or SFTP: no HTTP head; header callbacks carry server replies, ignored.
        case file
    }

    enum Setting: Sendable {
        case long(CURLoption, Int)
        case string(CURLoption, String)
        case offset(CURLoption, Int64)
        case postFields([UInt8])
    }

    var url: String
    var kind: Kind
    var settings: [Setting] = []
    var headerLines: [String] = []
    var maximumBodySize = Int.max
    var followRedirects = false
    var maximumRedirects = 0
    /// The proxy set with ``applyConnection``, named in errors reaching it.
    var proxyURL: String?

    init(url: String, kind: Kind) {
        self.url = url
        self.kind = kind
        set(CURLOPT_URL, url)
    }

    mutating func set(_ option: CURLoption, _ value: Int) {
        settings.append(.long(option, value))
    }

    mutating func set(_ option: CURLoption, _ value: Bool) {
        settings.append(.long(option, value ? 1 : 0))
    }

    mutating func set(_ option: CURLoption, _ value: String) {
        settings.append(.string(option, value))
    }

    mutating func set(_ option: CURLoption, offset value: Int64) {
        settings.append(.offset(option, value))
    }

    /// Timeouts, TLS and proxy: what every protocol shares.
    mutating func applyConnection(connectTimeout: Duration, timeout: Duration?, stallTimeout: Duration?,
                                  tls: TLSOptions, proxy: Proxy) {
        set(CURLOPT_CONNECTTIMEOUT_MS, max(1, connectTimeout.milliseconds))
        set(CURLOPT_TIMEOUT_MS, timeout.map { max(1, $0.milliseconds) } ?? 0)
        if let stallTimeout {
            set(CURLOPT_LOW_SPEED_LIMIT, 1)
            set(CURLOPT_LOW_SPEED_TIME, max(1, stallTimeout.milliseconds / 1000))
        }
        set(CURLOPT_TCP_KEEPALIVE, true)
        if let ca = tls.caBundlePath {
            set(CURLOPT_CAINFO, ca)
            set(CURLOPT_PROXY_CAINFO, ca)
        }
        if let cert = tls.clientCertificatePath { set(CURLOPT_SSLCERT, cert) }
        if let key = tls.clientKeyPath { set(CURLOPT_SSLKEY, key) }
        if let password = tls.clientKeyPassword { set(CURLOPT_KEYPASSWD, password) }
        set(CURLOPT_SSL_VERIFYPEER, tls.verifyPeer)
        set(CURLOPT_SSL_VERIFYHOST, tls.verifyHost ? 2 : 0)
        // FTP and SFTP through an HTTP proxy go through a CONNECT tunnel: without one, libcurl
        // sends `GET ftp://user:password@…` to the proxy — the FTP password in clear, FTPS's TLS
        // never attempted — and takes the proxy's answer, a 407 page as well, for the listing.
        if kind == .file { set(CURLOPT_HTTPPROXYTUNNEL, true) }
        switch proxy {
        case .direct:
            set(CURLOPT_PROXY, "")
        case .environment:
            break
        case .server(let url, let username, let password, let noProxy):
            set(CURLOPT_PROXY, url)
            // With exceptions, which way this transfer went is libcurl's to know.
            if noProxy?.isEmpty ?? true { proxyURL = url }
            if let username { set(CURLOPT_PROXYUSERNAME, username) }
            if let password { set(CURLOPT_PROXYPASSWORD, password) }
            if let noProxy { set(CURLOPT_NOPROXY, noProxy) }
        }
    }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
