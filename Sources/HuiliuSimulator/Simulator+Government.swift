import Foundation
import HuiliuCore
import HTTPTypes
import Hummingbird
import Synchronization
import NIOCore

/// 一府: OAuth2 client credentials (tokens expire), offset/limit paging for livelihood
/// projects, and RFC 8288 `Link` headers for deputies' suggestions.
extension Simulator {
    /// How long an access token lives. Short, so clients meet expiry and refresh on 401.
    static let tokenLifetime: TimeInterval = 60

    func addGovernmentRoutes(to router: Router<BasicRequestContext>) {
        router.post("gov/oauth2/token") { request, _ in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 16))
            var form: [String: String] = [:]
            for pair in body.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                if parts.count == 2 { form[parts[0]] = parts[1] }
            }
            var id = form["client_id"], secret = form["client_secret"]
            if let basic = request.headers[.authorization], basic.hasPrefix("Basic "),
               let decoded = Data(base64Encoded: String(basic.dropFirst(6))).map({ String(decoding: $0, as: UTF8.self) }) {
                let parts = decoded.split(separator: ":", maxSplits: 1).map(String.init)
                if parts.count == 2 { (id, secret) = (parts[0], parts[1]) }
            }
            guard form["grant_type"] == "client_credentials" else {
                return simulatorJSON(["error": "unsupported_grant_type"], status: .badRequest)
            }
            guard id == Credentials.governmentClientID, secret == Credentials.governmentClientSecret else {
                return simulatorJSON(["error": "invalid_client"], status: .unauthorized)
            }
            let token = "gov-" + UUID().uuidString.lowercased()
            state.tokens.withLock { $0[token] = Date().addingTimeInterval(Self.tokenLifetime) }
            return simulatorJSON(["access_token": .string(token), "token_type": "Bearer",
                                  "expires_in": .integer(Int(Self.tokenLifetime))])
        }
        router.get("gov/api/v1/livelihood-projects") { request, _ in
            if let refusal = checkBearer(request) { return refusal }
            let query = request.uri.queryParameters
            let offset = max(0, query.get("offset").flatMap(Int.init) ?? 0)
            let limit = min(max(1, query.get("limit").flatMap(Int.init) ?? 20), 500)
            let items = offset < configuration.projects ? (offset..<min(configuration.projects, offset + limit)).map(dataset.project) : []
            return simulatorJSON(["total": .integer(configuration.projects), "items": .array(items)])
        }
        router.get("gov/api/v1/suggestions") { request, _ in
            if let refusal = checkBearer(request) { return refusal }
            let query = request.uri.queryParameters
            let page = max(1, query.get("page").flatMap(Int.init) ?? 1)
            let perPage = min(max(1, query.get("per_page").flatMap(Int.init) ?? 20), 200)
            let first = (page - 1) * perPage
            let items = first < configuration.suggestions ? (first..<min(configuration.suggestions, first + perPage)).map(dataset.suggestion) : []
            var headers: HTTPFields = [:]
            if first + perPage < configuration.suggestions {
                headers[.link] = "</gov/api/v1/suggestions?page=\(page + 1)&per_page=\(perPage)>; rel=\"next\""
            }
            return simulatorJSON(.array(items), headers: headers)
        }
    }

    /// A 401 unless the request carries a live access token.
    func checkBearer(_ request: Request) -> Response? {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            return simulatorJSON(["error": "invalid_token", "error_description": "missing access token"], status: .unauthorized)
        }
        let token = String(header.dropFirst(7))
        let valid = state.tokens.withLock { $0[token].map { $0 > Date() } ?? false }
        return valid ? nil : simulatorJSON(["error": "invalid_token", "error_description": "expired or unknown token"],
                                           status: .unauthorized)
    }
}
