import Foundation
import HuiliuCore
import HuiliuEngine
import HTTPTypes
import Hummingbird

/// Checks `Authorization: Bearer <token>` against the configured tokens, in constant time:
/// 401 without a valid token, 403 for a read-only token on anything but GET, and on one dead
/// letter with its raw payload.
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let tokens: [GatewayConfig.AdminToken]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // The scheme name is case-insensitive (RFC 9110 §11.1): `bearer` is as good as `Bearer`.
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            return unauthorized("missing bearer token")
        }
        let presented = Array(header.dropFirst("Bearer ".count).utf8)
        // Compare against every token, always, so the time taken says nothing about which matched.
        var match: GatewayConfig.AdminToken?
        for token in tokens where !presented.isEmpty && Digest.constantTimeEqual(presented, token.token.utf8) { match = token }
        guard let match else { return unauthorized("invalid bearer token") }
        if request.method != .get && request.method != .head && !match.canWrite {
            return jsonResponse(["error": .string("token '\(match.name)' is read-only")], status: .forbidden)
        }
        if !match.canWrite && Self.isRawPayload(request.uri.path) {
            // A dead letter holds the record as the source gave it, personal data that mask and
            // encrypt steps would have hidden: not for every viewer of the status page.
            return jsonResponse(["error": .string("token '\(match.name)' is read-only; a dead letter's raw payload needs a write token")],
                                status: .forbidden)
        }
        // Who asked, for the routes that record it (a run's trigger names the token): set here
        // only, whatever the client sent in the header.
        var head = request.head
        head.headerFields[Self.tokenName] = match.name
        head.headerFields[Self.tokenRole] = match.canWrite ? "write" : "read"
        return try await next(Request(head: head, body: request.body), context)
    }

    /// The header the routes read the matched token's name from.
    static var tokenName: HTTPField.Name { HTTPField.Name("X-Huiliu-Token-Name")! }
    /// The header the routes read the matched token's role from (`read` or `write`).
    static var tokenRole: HTTPField.Name { HTTPField.Name("X-Huiliu-Token-Role")! }

    /// `reason` with every value it quotes starred out: what a read-only token is shown of a
    /// dead letter's reason, which quotes the field that failed (`'420102199001011234' does not
    /// match format yyyy-MM-dd`), personal data the raw payload is refused to it for.
    static func redactingQuotes(_ reason: String) -> String {
        // A quote opens after a space, bracket or sign and closes before one: the apostrophe
        // of "the sink's condition" does neither.
        let characters = Array(reason)
        var out = "", i = 0
        while i < characters.count {
            let opens = characters[i] == "'" && (i == 0 || " ([{=:,".contains(characters[i - 1]))
            if opens, let close = characters[(i + 1)...].indices.first(where: { j in
                characters[j] == "'" && (j + 1 == characters.count || " )]},.;:".contains(characters[j + 1]))
            }) {
                out += "'***'"
                i = close + 1
            } else {
                out.append(characters[i])
                i += 1
            }
        }
        return out
    }

    /// `/api/v1/dead-letters/<id>`: one letter, payload included.
    static func isRawPayload(_ path: String) -> Bool {
        // Any id the handler could read (`+12`, `%31%32`): everything but the two named routes.
        let parts = path.split(separator: "/")
        return parts.count == 4 && parts[0] == "api" && parts[2] == "dead-letters" && !["replay", "discard", "reopen"].contains(parts[3])
    }

    func unauthorized(_ message: String) -> Response {
        var response = jsonResponse(["error": .string(message)], status: .unauthorized)
        response.headers[.wwwAuthenticate] = "Bearer realm=\"huiliu\""
        return response
    }
}
