import EvCore
import Hummingbird

/// With a token configured, every request but `/healthz` and the status page itself needs
/// `Authorization: Bearer TOKEN` (or `?access_token=TOKEN`, for browsers' `EventSource`, which cannot set headers);
/// otherwise 401 (`spec/http-api.md`, "Authentication").
struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String?
    /// Paths open without a token.
    static var openPaths: Set<String> { ["/healthz", "/"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token, !Self.openPaths.contains(request.uri.path) else { return try await next(request, context) }
        let presented: Substring?
        if let header = request.headers[.authorization] {
            guard header.hasPrefix("Bearer ") else {
                throw APIError(.unauthorized, "the Authorization header must be 'Bearer TOKEN'")
            }
            presented = header.dropFirst("Bearer ".count)
        } else {
            presented = request.uri.queryParameters["access_token"]
        }
        guard let presented else { throw APIError(.unauthorized, "a token is required: Authorization: Bearer TOKEN") }
        guard ConstantTime.equal(presented, token) else {
            throw APIError(.unauthorized, "the token is not valid")
        }
        return try await next(request, context)
    }
}
