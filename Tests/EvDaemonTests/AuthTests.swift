import HTTPTypes
import Testing

/// Issue 15, item 19: the `Bearer` scheme is case-insensitive (RFC 7235); a token in the URL only where a browser
/// needs it (the live stream).
@Suite("HTTP authentication")
struct AuthTests {
    static func headers(_ authorization: String) -> HTTPFields {
        var h = HTTPFields()
        h[.authorization] = authorization
        return h
    }

    @Test("the Bearer scheme in any letter case, with one or more spaces", arguments: ["Bearer s3cret", "bearer s3cret", "BEARER s3cret", "bEaReR   s3cret"])
    func schemeCase(header: String) async throws {
        let fixture = try APIFixture(token: "s3cret")
        let (status, _) = try await fixture.get("/api/v1/health", headers: Self.headers(header))
        #expect(status == .ok)
    }

    @Test("wrong schemes, empty and wrong tokens are 401", arguments: ["Basic s3cret", "Bearer", "Bearer ", "Bearers3cret", "Bearer wrong", "Token s3cret"])
    func refused(header: String) async throws {
        let fixture = try APIFixture(token: "s3cret")
        let (status, body) = try await fixture.get("/api/v1/health", headers: Self.headers(header))
        #expect(status == .unauthorized, "\(header)")
        #expect(body.contains("\"error\""))
    }

    @Test("access_token in the URL is refused on every path but the live stream")
    func queryToken() async throws {
        let fixture = try APIFixture(token: "s3cret")
        for path in ["/api/v1/health", "/api/v1/events", "/api/v1/state", "/metrics"] {
            let (status, body) = try await fixture.get(path + "?access_token=s3cret")
            #expect(status == .unauthorized, "\(path)")
            #expect(body.contains("only by /api/v1/stream"), "\(path): \(body)")
        }
        // The stream checks the token before it answers: a bad one is 401 (a good one streams; see StreamAndAuthTests).
        let (status, _) = try await fixture.get("/api/v1/stream?access_token=wrong")
        #expect(status == .unauthorized)
        #expect(try await fixture.get("/healthz").status == .ok)
        #expect(try await fixture.get("/api/v1/health").status == .unauthorized)
    }
}
