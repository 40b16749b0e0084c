import HuiliuCore

extension RequestSigner {
    /// What signing produced: the inputs that vary per request, the canonical string and the signature.
    public struct Signature: Sendable, Equatable {
        /// The timestamp as sent.
        public var timestamp: String
        /// The nonce as sent.
        public var nonce: String
        /// The exact string that was signed.
        public var canonical: String
        /// The signature as sent.
        public var value: String
    }

    /// `request` with the signing parameters and signature added, using a fresh timestamp and nonce.
    public func sign(_ request: HTTPRequest) -> HTTPRequest {
        sign(request, timestamp: formatTimestamp(clock()), nonce: nonce()).request
    }

    /// `request` signed with the given timestamp and nonce, and the signature details.
    public func sign(_ request: HTTPRequest, timestamp: String, nonce: String) -> (request: HTTPRequest, signature: Signature) {
        let signature = signature(for: request, timestamp: timestamp, nonce: nonce)
        var signed = request
        var parameters = signingParameters(timestamp: timestamp, nonce: nonce)
        if !names.signature.isEmpty { parameters.append((names.signature, signature.value)) }
        switch location {
        case .headers:
            for (name, value) in parameters { signed.headers.replaceOrAdd(name: name, value: value) }
        case .query:
            signed.url = RequestURL.appendingQuery(parameters, to: request.url)
        }
        return (signed, signature)
    }

    /// The canonical string and signature for `request`, without changing it.
    public func signature(for request: HTTPRequest, timestamp: String, nonce: String) -> Signature {
        let canonical = canonicalString(for: request, timestamp: timestamp, nonce: nonce)
        let bytes: [UInt8]
        switch algorithm {
        case .hmacSHA256:
            bytes = HMAC.authenticationCode(for: Array(canonical.utf8), key: Array(secret.utf8), digest: .sha256)
        case .hmacSM3:
            bytes = HMAC.authenticationCode(for: Array(canonical.utf8), key: Array(secret.utf8), digest: .sm3)
        case .sha256, .sm3:
            let input: String
            if template.mentionsSecret {
                input = canonical
            } else {
                input = secretPlacement == .append ? canonical + secret : secret + canonical
            }
            bytes = (algorithm == .sm3 ? Digest.sm3 : Digest.sha256).hash(Array(input.utf8))
        }
        let value: String
        switch encoding {
        case .lowercaseHex: value = Hex.encode(bytes)
        case .uppercaseHex: value = Hex.encode(bytes, uppercase: true)
        case .base64: value = Base64.encode(bytes)
        }
        return Signature(timestamp: timestamp, nonce: nonce, canonical: canonical, value: value)
    }

    /// The canonical string for `request`: the template with every placeholder expanded.
    public func canonicalString(for request: HTTPRequest, timestamp: String, nonce: String) -> String {
        let url = RequestURL(request.url)
        var out = ""
        for part in template.parts {
            switch part {
            case .literal(let text):
                out += text
            case .placeholder(let placeholder):
                switch placeholder {
                case .appKey: out += appKey
                case .timestamp: out += timestamp
                case .nonce: out += nonce
                case .method: out += request.method.rawValue.uppercased()
                case .path: out += url.path.isEmpty ? "/" : url.path
                case .query: out += joined(url.queryParameters)
                case .sortedParams:
                    var all = url.queryParameters + signingParameters(timestamp: timestamp, nonce: nonce)
                    if let contentType = request.headers["Content-Type"],
                        contentType.lowercased().hasPrefix("application/x-www-form-urlencoded"), let body = request.body {
                        all += RequestURL.parameters(Substring(String(decoding: body, as: UTF8.self)))
                    }
                    out += joined(all)
                case .bodyDigest: out += Hex.encode(bodyDigest.hash(request.body ?? []))
                case .body: out += String(decoding: request.body ?? [], as: UTF8.self)
                case .secret: out += secret
                case .header(let name): out += request.headers[name] ?? ""
                }
            }
        }
        return out
    }

    /// `milliseconds` since 1970 in ``timestampFormat``.
    public func formatTimestamp(_ milliseconds: Int64) -> String {
        switch timestampFormat {
        case .milliseconds:
            return String(milliseconds)
        case .seconds:
            return String(milliseconds / 1000)
        case .compact(let offset):
            let local = milliseconds / 1000 + Int64(offset)
            let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
            let seconds = Int(local - days * 86_400)
            let (y, m, d) = CivilDate.date(days: days)
            func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
            return "\(y)\(two(m))\(two(d))\(two(seconds / 3600))\(two(seconds / 60 % 60))\(two(seconds % 60))"
        }
    }

    private func signingParameters(timestamp: String, nonce: String) -> [(String, String)] {
        var parameters: [(String, String)] = []
        if !names.appKey.isEmpty { parameters.append((names.appKey, appKey)) }
        if !names.timestamp.isEmpty { parameters.append((names.timestamp, timestamp)) }
        if !names.nonce.isEmpty { parameters.append((names.nonce, nonce)) }
        for (name, value) in extraParameters.sorted(by: { $0.key < $1.key }) { parameters.append((name, value)) }
        return parameters
    }

    /// Sorted by name, then value, byte-wise on UTF-8 (= ASCII order for the usual keys), as `k=v&k=v`.
    private func joined(_ parameters: [(String, String)]) -> String {
        parameters
            .filter { !omitsEmptyValues || !$0.1.isEmpty }
            .sorted { a, b in
                a.0 == b.0 ? a.1.utf8.lexicographicallyPrecedes(b.1.utf8) : a.0.utf8.lexicographicallyPrecedes(b.0.utf8)
            }
            .map { name, value in
                valueEncoding == .raw ? "\(name)=\(value)" : "\(PercentEncoding.encode(name))=\(PercentEncoding.encode(value))"
            }
            .joined(separator: "&")
    }
}
