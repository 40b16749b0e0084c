import CCurl

extension TransferPlan {
    /// The easy-handle settings for an HTTP request under `options`.
    static func http(_ request: HTTPRequest, options o: TransferOptions) throws(TransportError) -> TransferPlan {
        guard request.url.hasPrefix("http://") || request.url.hasPrefix("https://") else {
            throw TransportError(.invalidRequest, url: request.url, message: "not an http:// or https:// URL")
        }
        var plan = TransferPlan(url: request.url, kind: .http)
        plan.maximumBodySize = o.maximumBodySize
        plan.followRedirects = o.followRedirects
        plan.maximumRedirects = o.maximumRedirects
        // Never let a redirect (or a typo) turn an HTTP request into file:// or ftp://.
        plan.set(CURLOPT_PROTOCOLS_STR, "http,https")
        plan.set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        plan.set(CURLOPT_FOLLOWLOCATION, o.followRedirects)
        plan.set(CURLOPT_MAXREDIRS, o.maximumRedirects)
        plan.set(CURLOPT_SUPPRESS_CONNECT_HEADERS, true)
        if o.automaticDecompression { plan.set(CURLOPT_ACCEPT_ENCODING, "") }
        switch o.httpVersion {
        case .automatic: plan.set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS)
        case .http1_1: plan.set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1)
        case .http2PriorKnowledge:
            plan.set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE)
            // libcurl 7.88.1 (Debian 12) fails every request after the first on a reused h2c
            // connection ("Error in the HTTP2 framing layer"; the curl tool does the same, against
            // lighttpd and nghttpd alike), so cleartext HTTP/2 gets a fresh connection each time.
            plan.set(CURLOPT_FORBID_REUSE, true)
        }
        if let auth = o.basicAuth {
            plan.set(CURLOPT_USERNAME, auth.username)
            plan.set(CURLOPT_PASSWORD, auth.password)
            plan.set(CURLOPT_HTTPAUTH, 1)  // CURLAUTH_BASIC: no negotiation round trip
        }
        if let doh = o.dnsOverHTTPS { plan.set(CURLOPT_DOH_URL, doh) }
        plan.applyConnection(connectTimeout: o.connectTimeout, timeout: o.timeout, stallTimeout: o.stallTimeout,
                             tls: o.tls, proxy: o.proxy)
        plan.applyMethod(request.method, body: request.body)
        try plan.applyHeaders(request.headers)
        return plan
    }

    private mutating func applyMethod(_ method: HTTPMethod, body: [UInt8]?) {
        switch method {
        case .get where body == nil:
            set(CURLOPT_HTTPGET, true)
        case .head:
            set(CURLOPT_NOBODY, true)
        case .post:
            set(CURLOPT_POST, true)
            setBody(body ?? [])
        default:
            set(CURLOPT_CUSTOMREQUEST, method.rawValue)
            if let body {
                set(CURLOPT_POST, true)
                setBody(body)
            }
        }
    }

    private mutating func setBody(_ body: [UInt8]) {
        set(CURLOPT_POSTFIELDSIZE_LARGE, offset: Int64(body.count))
        settings.append(.postFields(body))
    }

    private mutating func applyHeaders(_ headers: HTTPHeaders) throws(TransportError) {
        var sawExpect = false
        for field in headers {
            if !HTTPHeaders.canSend(name: field.name, value: field.value) {
                throw TransportError(.invalidRequest, url: url, message: "header \(field.name.debugDescription) holds a line break or colon")
            }
            if HTTPHeaders.namesMatch(field.name, "Expect") { sawExpect = true }
            // "Name;" is libcurl's spelling of a header with an empty value; "Name:" would delete it.
            headerLines.append(field.value.isEmpty ? "\(field.name);" : "\(field.name): \(field.value)")
        }
        // libcurl sends Expect: 100-continue for bodies over 1 KiB, costing a round trip (or a
        // one-second stall against servers that ignore it); upstream APIs never need it.
        if !sawExpect { headerLines.append("Expect:") }
    }
}
