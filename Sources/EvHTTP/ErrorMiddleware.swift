import Hummingbird
import Logging

/// Every failure answers JSON `{"error": …}`: `APIError`s as they are, Hummingbird's own errors (no such route, bad
/// method) with their status, anything else as a 500 that is logged (a real fault, never a bad request).
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as HTTPError {
            let message = error.status == .notFound ? "no such endpoint: \(request.uri.path)" : error.body ?? "\(error.status)"
            return try APIError(error.status, message).response(from: request, context: context)
        } catch {
            logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return try APIError(.internalServerError, "\(error)").response(from: request, context: context)
        }
    }
}
