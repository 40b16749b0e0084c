public import HuiliuCore

/// Signs requests the way Chinese government API gateways expect (domain.md §7.2): an appKey,
/// a timestamp and a nonce, a canonical string built from a ``SigningTemplate``, and a signature
/// (HMAC-SHA256, HMAC-SM3, or a plain SHA-256/SM3 digest over canonical + secret) placed in
/// headers or the query.
///
/// ```swift
/// var signer = RequestSigner(appKey: "demo", secret: appSecret)
/// signer.algorithm = .hmacSM3
/// signer.location = .query                    // ?appKey=…&timestamp=…&nonce=…&sign=…
/// let signed = signer.sign(request)           // sign the unsigned request again on every retry
/// ```
/// Clock and nonce are injectable, so tests are deterministic.
public struct RequestSigner: Sendable {
    /// How the signature is computed from the canonical string.
    public enum Algorithm: Sendable, Equatable {
        /// HMAC-SHA256 keyed with the secret.
        case hmacSHA256
        /// HMAC-SM3 keyed with the secret.
        case hmacSM3
        /// SHA-256 of the canonical string with the secret added per ``RequestSigner/secretPlacement``.
        case sha256
        /// SM3 of the canonical string with the secret added per ``RequestSigner/secretPlacement``.
        case sm3
    }

    /// Where the secret goes for the plain-digest algorithms when the template lacks `{secret}`.
    public enum SecretPlacement: Sendable, Equatable {
        /// canonical + secret.
        case append
        /// secret + canonical.
        case prepend
    }

    /// How the signature bytes are written.
    public enum SignatureEncoding: Sendable, Equatable {
        /// `3915ca24…`
        case lowercaseHex
        /// `3915CA24…`
        case uppercaseHex
        /// Padded base64.
        case base64
    }

    /// How the timestamp is written.
    public enum TimestampFormat: Sendable, Equatable {
        /// Milliseconds since 1970, such as `1700000000000`.
        case milliseconds
        /// Seconds since 1970, such as `1700000000`.
        case seconds
        /// `yyyyMMddHHmmss` at a fixed UTC offset; the default offset is China Standard Time (+8 h).
        case compact(utcOffsetSeconds: Int = 28_800)
    }

    /// Where the signing parameters and the signature are sent.
    public enum Location: Sendable, Equatable {
        /// As request headers.
        case headers
        /// As query parameters appended to the URL.
        case query
    }

    /// How parameter values appear in `{query}` and `{sortedParams}`.
    public enum ValueEncoding: Sendable, Equatable {
        /// Decoded, as the server's framework hands them to its signature check.
        case raw
        /// RFC 3986 percent-encoded.
        case percentEncoded
    }

    /// The names the signing parameters are sent (and sorted) under; an empty name is not sent.
    public struct ParameterNames: Sendable, Equatable {
        /// The default is `appKey`.
        public var appKey = "appKey"
        /// The default is `timestamp`.
        public var timestamp = "timestamp"
        /// The default is `nonce`.
        public var nonce = "nonce"
        /// The default is `sign`.
        public var signature = "sign"

        /// The defaults.
        public init() {}

        /// The given names.
        public init(appKey: String, timestamp: String, nonce: String, signature: String) {
            self.appKey = appKey
            self.timestamp = timestamp
            self.nonce = nonce
            self.signature = signature
        }
    }

    /// The application key the gateway issued.
    public var appKey: String
    /// The application secret; never sent, never logged.
    public var secret: String
    /// The canonical string's shape. The default is ``SigningTemplate/sortedParameters``.
    public var template = SigningTemplate.sortedParameters
    /// The signature algorithm. The default is ``Algorithm/hmacSHA256``.
    public var algorithm = Algorithm.hmacSHA256
    /// Where the secret joins the canonical string for plain digests. The default is ``SecretPlacement/append``.
    public var secretPlacement = SecretPlacement.append
    /// The digest behind `{bodyDigest}`. The default is SHA-256.
    public var bodyDigest = Digest.sha256
    /// The signature's text form. The default is ``SignatureEncoding/lowercaseHex``.
    public var encoding = SignatureEncoding.lowercaseHex
    /// The timestamp's form. The default is ``TimestampFormat/milliseconds``.
    public var timestampFormat = TimestampFormat.milliseconds
    /// Where parameters and signature go. The default is ``Location/headers``.
    public var location = Location.headers
    /// Parameter names. The default is `appKey`, `timestamp`, `nonce`, `sign`.
    public var names = ParameterNames()
    /// Fixed parameters sent and signed with the others, such as `signType=SM3`. The default is none.
    public var extraParameters: [String: String] = [:]
    /// Value form in sorted parameter lists. The default is ``ValueEncoding/raw``.
    public var valueEncoding = ValueEncoding.raw
    /// Leave parameters with empty values out of `{query}` and `{sortedParams}`. The default is `false`.
    public var omitsEmptyValues = false
    /// Milliseconds since 1970. The default reads the system clock.
    public var clock: @Sendable () -> Int64 = RequestSigner.systemMilliseconds
    /// A fresh nonce per request. The default is 32 random hex digits.
    public var nonce: @Sendable () -> String = RequestSigner.randomNonce

    /// A signer for `appKey` with `secret` and the defaults above.
    public init(appKey: String, secret: String) {
        self.appKey = appKey
        self.secret = secret
    }
}
