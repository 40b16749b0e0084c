public import Logging

/// An HTTP client over libcurl's multi interface: one thread drives every transfer.
///
/// Create one per process (or per group of connectors) and share it: its connection cache is
/// what makes sequential requests to the same host reuse a kept-alive connection.
/// ```swift
/// let client = HTTPClient()
/// let page = try await client.execute(HTTPRequest(url: "https://gov.example/api?page=1")).checkStatus()
/// let export = try await client.stream(HTTPRequest(url: "https://gov.example/export.csv"))
/// for try await chunk in export.body { … }
/// ```
/// Cancelling the calling task aborts its transfer.
public final class HTTPClient: Sendable {
    /// Client-wide settings.
    public struct Configuration: Sendable {
        /// Options for requests that carry none of their own. The default is ``TransferOptions/init()``.
        public var defaultOptions = TransferOptions()
        /// Idle connections kept open for reuse, across all hosts. The default is 32.
        public var connectionCacheSize = 32
        /// The most simultaneous connections to one host, or 0 for no limit. The default is 0.
        public var maximumConnectionsPerHost = 0

        /// The defaults.
        public init() {}
    }

    /// The settings this client was created with.
    public let configuration: Configuration
    let loop: CurlLoop
    private let logger: Logger

    /// A client with its own loop thread.
    /// - Parameters:
    ///   - configuration: client-wide settings.
    ///   - logger: receives one debug line per finished request, with the URL redacted.
    public init(configuration: Configuration = Configuration(), logger: Logger = Logger(label: "huiliu.transport")) {
        self.configuration = configuration
        self.logger = logger
        loop = CurlLoop(limits: .init(connectionCacheSize: configuration.connectionCacheSize,
                                      maximumConnectionsPerHost: configuration.maximumConnectionsPerHost))
    }

    deinit {
        loop.stop()
    }

    /// Aborts every transfer in flight and stops the loop thread; later requests fail with
    /// ``TransportError/Code/cancelled``. Called automatically when the client is released.
    public func shutdown() {
        loop.stop()
    }

    /// Sends `request` and collects the whole response body.
    ///
    /// Any status is returned; call ``HTTPResponse/checkStatus(accepting:)`` to turn non-2xx
    /// into an error. Bodies over ``TransferOptions/maximumBodySize`` fail; use ``stream(_:)``.
    public func execute(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        let plan = try TransferPlan.http(request, options: request.options ?? configuration.defaultOptions)
        let result = await loop.perform(plan)
        log(request, result)
        return try result.get()
    }

    /// Sends `request` and returns as soon as the final response head arrives; the body follows
    /// as a ``ResponseBody`` stream with back-pressure.
    public func stream(_ request: HTTPRequest) async throws(TransportError) -> HTTPStreamingResponse {
        let plan = try TransferPlan.http(request, options: request.options ?? configuration.defaultOptions)
        let (head, body) = try await loop.openStream(plan, owner: self)
        logger.debug("HTTP stream opened", metadata: [
            "method": "\(request.method)", "url": "\(URLRedactor.withoutQuery(request.url))", "status": "\(head.status)",
        ])
        return HTTPStreamingResponse(head: head, body: body)
    }

    private func log(_ request: HTTPRequest, _ result: Result<HTTPResponse, TransportError>) {
        guard logger.logLevel <= .debug else { return }
        // Without the query: a key in a parameter of any name (`ak=…`) is not recognisable here;
        // the connector's own line shows the query with its secrets masked.
        var metadata: Logger.Metadata = ["method": "\(request.method)", "url": "\(URLRedactor.withoutQuery(request.url))"]
        switch result {
        case .success(let response):
            metadata["status"] = "\(response.status)"
            metadata["ms"] = "\(response.metrics.total.milliseconds)"
        case .failure(let error):
            metadata["error"] = "\(error.code)"
        }
        logger.debug("HTTP request finished", metadata: metadata)
    }
}
