import CCurl

extension TransportError {
    /// An error for libcurl's `code`, classified by what failed.
    /// - Parameters:
    ///   - code: the result of the transfer.
    ///   - detail: libcurl's error buffer, which is more specific than `curl_easy_strerror`.
    ///   - url: the transfer's URL, unredacted (redacted here).
    ///   - connected: whether a connection was established or reused before the failure.
    ///   - proxy: the proxy the transfer went through, if one was set.
    init(curl code: CURLcode, detail: String, url: String, connected: Bool = true, proxy: String? = nil) {
        let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        var kind = Self.classify(code, message: message)
        // Under load libcurl can hit the connect timeout in a state it words as "Operation
        // timed out"; a transfer that never connected timed out connecting, whatever the words.
        if kind == .timeout && !connected { kind = .connectTimeout }
        // libcurl reports a rejected SSH host key with the TLS verification code.
        if kind == .tls && (url.hasPrefix("sftp://") || url.hasPrefix("scp://")) { kind = .ssh }
        var text = message
        if let proxy, [.connect, .connectTimeout, .dns, .proxy, .proxyRefused].contains(kind) {
            // libcurl names the host it failed to reach, which is the proxy's, without saying so.
            text = "through the proxy \(URLRedactor.redact(proxy)): " + message
        }
        self.init(kind, url: url, message: text)
        curlCode = Int(code.rawValue)
    }

    static func classify(_ code: CURLcode, message: String) -> Code {
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST:
            return .dns
        case CURLE_COULDNT_RESOLVE_PROXY, CURLE_PROXY:
            return .proxy
        case CURLE_COULDNT_CONNECT:
            return .connect
        case CURLE_OPERATION_TIMEDOUT:
            // libcurl words its timeouts by phase: "Resolving timed out", "Connection timed
            // out", "Operation timed out", "Operation too slow".
            if message.hasPrefix("Resolving") { return .dns }
            if message.hasPrefix("Connection timed out") || message.hasPrefix("Failed to connect") { return .connectTimeout }
            return .timeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
            CURLE_SSL_ENGINE_INITFAILED, CURLE_USE_SSL_FAILED, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CLIENTCERT:
            return .tls
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR:
            // "CONNECT tunnel failed, response 407": the proxy's answer, not a broken connection.
            if let range = message.firstRange(of: "CONNECT tunnel failed, response ") {
                let status = Int(message[range.upperBound...].prefix { $0.isNumber }) ?? 0
                return (400..<500).contains(status) ? .proxyRefused : .proxy
            }
            // With TLS 1.3 a rejected client certificate surfaces as an alert on the first read.
            if message.contains("SSL") || message.contains("alert") { return .tls }
            return .connection
        case CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_WEIRD_SERVER_REPLY,
            CURLE_FTP_WEIRD_PASV_REPLY, CURLE_FTP_WEIRD_227_FORMAT, CURLE_FTP_CANT_GET_HOST,
            CURLE_FTP_ACCEPT_FAILED, CURLE_FTP_ACCEPT_TIMEOUT:
            return .connection
        case CURLE_TOO_MANY_REDIRECTS:
            return .tooManyRedirects
        case CURLE_BAD_CONTENT_ENCODING:
            return .decoding
        case CURLE_LOGIN_DENIED, CURLE_AUTH_ERROR:
            return .authentication
        case CURLE_REMOTE_FILE_NOT_FOUND:
            return .notFound
        case CURLE_REMOTE_ACCESS_DENIED:
            return .accessDenied
        case CURLE_SSH:
            // libssh2 reports a failed key or password login as a generic SSH error.
            if message.contains("username/password") || message.contains("authentication")
                || message.contains("Authentication") {
                return .authentication
            }
            return .ssh
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_BAD_FUNCTION_ARGUMENT,
            CURLE_NOT_BUILT_IN, CURLE_UNKNOWN_OPTION:
            return .invalidRequest
        case CURLE_ABORTED_BY_CALLBACK:
            return .cancelled
        default:
            return .other
        }
    }
}
