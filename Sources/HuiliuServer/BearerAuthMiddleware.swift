import Foundation
import HuiliuCore
import HuiliuEngine
import Hummingbird

/// Checks `Authorization: Bearer <token>` against the configured tokens, in constant time:
/// 401 without a valid token, 403 for a read-only token on anything but GET.
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
        return try await next(request, context)
    }

    func unauthorized(_ message: String) -> Response {
        var response = jsonResponse(["error": .string(message)], status: .unauthorized)
        response.headers[.wwwAuthenticate] = "Bearer realm=\"huiliu\""
        return response
    }
}
