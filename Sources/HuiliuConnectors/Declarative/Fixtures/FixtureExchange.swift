import Foundation
public import HuiliuCore

/// One recorded request and its response, as stored in a connector's
/// `fixtures/http/<stream>.jsonl` (one JSON object per line), with credentials,
/// signatures, timestamps and nonces scrubbed.
public struct FixtureExchange: Sendable {
    /// The stream that made the request.
    public var stream: String
    /// The method.
    public var method: String
    /// The path, without host or query.
    public var path: String
    /// Query parameters, decoded, as sent (volatile values replaced).
    public var query: [(String, String)]
    /// Request headers worth keeping (content type, SOAPAction), never credentials.
    public var headers: [(String, String)]
    /// The request body as text, secrets replaced.
    public var body: String
    /// The response status.
    public var status: Int
    /// The response headers; links to the recording host point at ``FixtureExchange/origin``.
    public var responseHeaders: [(String, String)]
    /// The response body.
    public var responseBody: [UInt8]

    /// What recorded absolute URLs start with instead of the recording host; the replay
    /// server puts its own origin there.
    public static let origin = "http://huiliu.replay"

    /// The exchange from its stored JSON.
    public init?(json: Value) {
        guard let request = json["request"], let response = json["response"], let method = request["method"]?.stringValue,
              let path = request["path"]?.stringValue, let status = response["status"]?.intValue else { return nil }
        stream = json["stream"]?.stringValue ?? ""
        self.method = method
        self.path = path
        query = Self.pairs(request["query"])
        headers = Self.pairs(request["headers"])
        body = request["body"]?.stringValue ?? ""
        self.status = status
        responseHeaders = Self.pairs(response["headers"])
        if let base64 = response["body_base64"]?.stringValue, let data = Data(base64Encoded: base64) {
            responseBody = [UInt8](data)
        } else {
            responseBody = Array((response["body"]?.stringValue ?? "").utf8)
        }
    }

    /// An exchange with the given parts.
    public init(stream: String, method: String, path: String, query: [(String, String)], headers: [(String, String)], body: String,
                status: Int, responseHeaders: [(String, String)], responseBody: [UInt8]) {
        self.stream = stream
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.status = status
        self.responseHeaders = responseHeaders
        self.responseBody = responseBody
    }

    /// The stored form: one JSON object.
    public var json: Value {
        func list(_ pairs: [(String, String)]) -> Value { .array(pairs.map { [.string($0.0), .string($0.1)] }) }
        var response: Object = ["status": .integer(status), "headers": list(responseHeaders)]
        if let text = String(validating: responseBody, as: UTF8.self) {
            response["body"] = .string(text)
        } else {
            response["body_base64"] = .string(Data(responseBody).base64EncodedString())
        }
        return ["stream": .string(stream),
                "request": ["method": .string(method), "path": .string(path), "query": list(query), "headers": list(headers),
                            "body": .string(body)],
                "response": .object(response)]
    }

    /// What a replayed request must equal to get this response: method, path, sorted query
    /// without volatile parameters, and body.
    public func matchKey(ignoring volatile: Set<String>) -> String {
        Self.matchKey(method: method, path: path, query: query, body: body, ignoring: volatile)
    }

    /// The match key of a request's parts.
    public static func matchKey(method: String, path: String, query: [(String, String)], body: String, ignoring volatile: Set<String>) -> String {
        let kept = query.filter { !volatile.contains($0.0.lowercased()) }
            .sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }
            .map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        return "\(method.uppercased()) \(path)?\(kept)\n\(body)"
    }

    /// `a=1&b=x%20y` decoded into pairs (`+` is a space).
    public static func decodeQuery(_ text: Substring) -> [(String, String)] {
        text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    private static func pairs(_ value: Value?) -> [(String, String)] {
        (value?.arrayValue ?? []).compactMap { item in
            guard let name = item[0]?.stringValue, let value = item[1]?.stringValue else { return nil }
            return (name, value)
        }
    }
}
