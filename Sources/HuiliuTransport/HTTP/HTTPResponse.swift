public import HuiliuCore

/// The status line and headers of a response, available before its body.
public struct HTTPResponseHead: Sendable, Equatable {
    /// The status code, such as 200.
    public var status: Int
    /// The reason phrase, such as "OK"; empty over HTTP/2, which has none.
    public var reason: String
    /// The response headers of the final response (after redirects).
    public var headers: HTTPHeaders
    /// The URL that produced this response, after redirects.
    public var url: String
    /// The protocol version, such as "1.1" or "2".
    public var httpVersion: String

    /// A head with the given parts.
    public init(status: Int, reason: String = "", headers: HTTPHeaders = [:], url: String, httpVersion: String = "1.1") {
        self.status = status
        self.reason = reason
        self.headers = headers
        self.url = url
        self.httpVersion = httpVersion
    }
}

/// A complete response whose body has been collected in memory.
public struct HTTPResponse: Sendable {
    /// Status line and headers.
    public var head: HTTPResponseHead
    /// The body, decoded from any `Content-Encoding`.
    public var body: [UInt8]
    /// Timing and connection facts.
    public var metrics: TransferMetrics
    /// Size and time libcurl learned about a remote file (FTP/SFTP only).
    var remoteFile = RemoteFileAttributes()

    /// A response with the given parts.
    public init(head: HTTPResponseHead, body: [UInt8], metrics: TransferMetrics = TransferMetrics()) {
        self.head = head
        self.body = body
        self.metrics = metrics
    }

    /// The status code.
    public var status: Int { head.status }
    /// The response headers.
    public var headers: HTTPHeaders { head.headers }
    /// The URL after redirects.
    public var url: String { head.url }
    /// The body as UTF-8 text, with invalid bytes replaced.
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as JSON.
    public func json() throws(JSONError) -> Value {
        try JSONReader.parse(body)
    }

    /// This response if its status is in `accepted`, else an ``TransportError/Code/httpStatus``
    /// error carrying the status, any `Retry-After`, and the start of the body.
    @discardableResult
    public func checkStatus(accepting accepted: ClosedRange<Int> = 200...299) throws(TransportError) -> HTTPResponse {
        if accepted.contains(head.status) { return self }
        // Generous: a reader masks secrets in it before cutting it short, and a secret cut here,
        // at the end of what is kept, would be masked in no form (Chinese text is 3 bytes a character).
        throw head.statusError(bodyExcerpt: body.prefix(8192))
    }
}

/// A response whose body arrives as a stream of chunks.
///
/// ```swift
/// let response = try await client.stream(request)
/// try response.head.checkStatus()
/// for try await chunk in response.body { try file.write(chunk) }
/// ```
public struct HTTPStreamingResponse: Sendable {
    /// Status line and headers.
    public var head: HTTPResponseHead
    /// The body, with back-pressure: the transfer pauses while the consumer is behind.
    public var body: ResponseBody

    /// Reads the whole body into memory, failing past `limit` bytes.
    public func collect(upTo limit: Int = 256 << 20) async throws(TransportError) -> HTTPResponse {
        let bytes = try await body.collect(upTo: limit)
        return HTTPResponse(head: head, body: bytes, metrics: body.metrics ?? TransferMetrics())
    }
}

extension HTTPResponseHead {
    /// Throws an ``TransportError/Code/httpStatus`` error unless the status is in `accepted`.
    public func checkStatus(accepting accepted: ClosedRange<Int> = 200...299) throws(TransportError) {
        if !accepted.contains(status) { throw statusError(bodyExcerpt: []) }
    }

    func statusError(bodyExcerpt: some Collection<UInt8>) -> TransportError {
        var error = TransportError(.httpStatus, url: url, message: "HTTP \(status)\(reason.isEmpty ? "" : " \(reason)")")
        error.status = status
        error.retryAfter = headers["Retry-After"].flatMap { RetryAfter.parse($0) }
        if !bodyExcerpt.isEmpty { error.bodyExcerpt = String(decoding: bodyExcerpt, as: UTF8.self) }
        return error
    }
}
