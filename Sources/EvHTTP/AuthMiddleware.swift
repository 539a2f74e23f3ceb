import EvCore
import Hummingbird

/// With a token configured, every request but `/healthz` and the status page itself needs
/// `Authorization: Bearer TOKEN` (the scheme in any letter case, RFC 7235); the live stream also takes
/// `?access_token=TOKEN`, because browsers' `EventSource` cannot set headers, and no other path does (a token in a
/// URL ends up in histories and logs). Otherwise 401 (`spec/http-api.md`, "Authentication").
struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String?
    /// Paths open without a token.
    static var openPaths: Set<String> { ["/healthz", "/"] }
    /// Paths that accept `?access_token=`.
    static var queryTokenPaths: Set<String> { ["/api/v1/stream"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token, !Self.openPaths.contains(request.uri.path) else { return try await next(request, context) }
        let presented: Substring?
        if let header = request.headers[.authorization] {
            guard let credentials = Self.bearerCredentials(header) else {
                throw APIError(.unauthorized, "the Authorization header must be 'Bearer TOKEN'")
            }
            presented = credentials
        } else if let query = request.uri.queryParameters["access_token"] {
            guard Self.queryTokenPaths.contains(request.uri.path) else {
                throw APIError(
                    .unauthorized,
                    "access_token in the URL is accepted only by /api/v1/stream: send Authorization: Bearer TOKEN"
                )
            }
            presented = query
        } else {
            presented = nil
        }
        guard let presented else { throw APIError(.unauthorized, "a token is required: Authorization: Bearer TOKEN") }
        guard ConstantTime.equal(presented, token) else {
            throw APIError(.unauthorized, "the token is not valid")
        }
        return try await next(request, context)
    }

    /// The credentials of `Bearer CREDENTIALS`, the scheme matched case-insensitively (RFC 7235 §2.1), one or more
    /// spaces after it.
    static func bearerCredentials(_ header: String) -> Substring? {
        let scheme = header.prefix(6)
        guard scheme.lowercased() == "bearer" else { return nil }
        let rest = header.dropFirst(6)
        guard rest.first == " " else { return nil }
        let credentials = rest.drop { $0 == " " }
        return credentials.isEmpty ? nil : credentials
    }
}
