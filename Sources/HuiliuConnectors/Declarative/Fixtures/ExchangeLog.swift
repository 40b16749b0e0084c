public import HuiliuTransport
import Synchronization

/// The HTTP exchanges a manifest connector made, in order, for `huiliu connector record`.
///
/// Register one in the context's services before building the source; every response
/// (retries included) is appended with the request exactly as it was sent.
/// ```swift
/// let log = ExchangeLog()
/// context.services[ExchangeLog.self] = log
/// ```
public final class ExchangeLog: Sendable {
    /// One request and its response.
    public struct Exchange: Sendable {
        /// The stream that made it.
        public var stream: String
        /// The request as sent: credentials and signature included, so scrub before storing.
        public var request: HTTPRequest
        /// The response.
        public var response: HTTPResponse
    }

    private let entries = Mutex<[Exchange]>([])
    private let tokens = Mutex<Set<String>>([])
    private let sensitive = Mutex<(values: Set<String>, names: Set<String>)>(([], []))

    /// An empty log.
    public init() {}

    func append(stream: String, request: HTTPRequest, response: HTTPResponse) {
        entries.withLock { $0.append(Exchange(stream: stream, request: request, response: response)) }
    }

    /// True the first time `token` is seen: its token request is then logged once.
    func isNewToken(_ token: String) -> Bool {
        tokens.withLock { $0.insert(token).inserted }
    }

    /// Notes credential values and the names of headers and parameters that carry them or vary per request.
    func noteSensitive(values: [String], names: Set<String>) {
        sensitive.withLock {
            $0.values.formUnion(values.filter { !$0.isEmpty })
            $0.names.formUnion(names)
        }
    }

    /// Every exchange so far.
    public var exchanges: [Exchange] { entries.withLock { $0 } }

    /// Secret values seen by the sources that wrote here: configuration secrets, rendered
    /// credentials, and the access tokens sent (an API that echoes its request quotes them).
    public var secretValues: Set<String> { sensitive.withLock { $0.values }.union(tokens.withLock { $0 }) }

    /// Lower-case names of headers and query parameters that carry credentials, signatures,
    /// timestamps or nonces.
    public var volatileNames: Set<String> { sensitive.withLock { $0.names } }
}
