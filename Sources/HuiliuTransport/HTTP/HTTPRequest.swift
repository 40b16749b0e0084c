/// An HTTP request: method, URL, headers, an optional body, and per-request options.
///
/// ```swift
/// var request = HTTPRequest(url: "https://gov.example/api/items?page=1")
/// request.headers["Accept"] = "application/json"
/// let response = try await client.execute(request).checkStatus()
/// ```
public struct HTTPRequest: Sendable {
    /// The method. The default is `GET`.
    public var method: HTTPMethod
    /// The absolute URL, percent-encoded as it should go on the wire.
    public var url: String
    /// Header fields sent as given; libcurl adds `Host`, `Content-Length` and `Accept-Encoding`.
    public var headers: HTTPHeaders
    /// The request body, or `nil` for none.
    public var body: [UInt8]?
    /// Options for this request only; `nil` uses the client's defaults.
    public var options: TransferOptions?

    /// A request for `url`.
    /// - Parameters:
    ///   - method: the method; the default is `GET`.
    ///   - url: the absolute URL.
    ///   - headers: header fields to send.
    ///   - body: the body bytes, if any.
    ///   - options: options overriding the client's defaults for this request.
    public init(
        method: HTTPMethod = .get, url: String, headers: HTTPHeaders = [:], body: [UInt8]? = nil,
        options: TransferOptions? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.options = options
    }

    /// A request whose body is the UTF-8 bytes of `text`.
    public init(method: HTTPMethod, url: String, headers: HTTPHeaders = [:], text: String) {
        self.init(method: method, url: url, headers: headers, body: Array(text.utf8))
    }
}
