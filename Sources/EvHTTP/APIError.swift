import EvCore
import HTTPTypes
import Hummingbird

/// An error the API answers with: its status and `{"error": "<message>"}` (`spec/http-api.md`, "Errors").
public struct APIError: HTTPResponseError, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var message: String

    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    /// 400: a parameter is missing or malformed; the message names it.
    static func badParameter(_ name: String, _ problem: String) -> APIError {
        APIError(.badRequest, "parameter '\(name)': \(problem)")
    }

    public var description: String { "\(status.code) \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var body: [UInt8] = []
        body.append(contentsOf: "{\"error\":".utf8)
        JSONWriter.string(message, to: &body)
        body.append(contentsOf: "}\n".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer realm=\"evq\"" }
        if status == .tooManyRequests { headers[.retryAfter] = "1" }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
