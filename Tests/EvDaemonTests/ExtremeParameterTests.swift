import EvCore
import EvStorage
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Issue 15, items 1–2: one request with a time or offset at the ends of the range killed evqd (a trap on overflow).
/// Every such request now gets an answer: 200 when the value is a time, 400 naming the parameter when it is not.
@Suite("HTTP parameters at the ends of the range")
struct ExtremeParameterTests {
    static let times = [
        "+106000d", "now+106000d", "+106751d", "-106751d", "+106750d", "now-106750d", "9223372036.999999999",
        "-9223372036.999999999", "9223372036.854775807", "-9223372036.854775808", "2262-04-11T23:47:16.999999999Z",
        "2262-04-11T23:47:16.854775807Z", "1677-09-21T00:12:43.145224192Z", "9223372036854775807",
        "-9223372036854775808", "9223372036854775807ns", "-9223372036854775808ns", "0", "-1",
    ]

    static func fixture() async throws -> APIFixture {
        let fixture = try APIFixture()
        let t = WallClock.nowNanoseconds()
        try await fixture.append(lines: [
            "health,component=gw status=\"down\" \(t)",
            "heartbeat,component=feed seq=1i \(t)",
            "cpu,host=h usage_idle=3.5 \(t)",
            "slot,strategy=s,conid=1,symbol=X action=\"acquire\" \(t)",
            "alert,alert=a,severity=warning state=\"firing\" -9223372036854775808",
            "cpu,host=h usage_idle=4.5 9223372036854775807",
        ])
        return fixture
    }

    @Test("every time parameter of every endpoint answers 200 or 400 at the extremes")
    func timeParameters() async throws {
        let fixture = try await Self.fixture()
        let uris = [
            "/api/v1/health?at=", "/api/v1/slots?at=", "/api/v1/alerts?at=", "/api/v1/alerts?since=",
            "/api/v1/state?at=", "/api/v1/timeline?series=cpu.usage_idle&at=",
            "/api/v1/timeline?series=cpu.usage_idle&points=720&step=1d&at=", "/api/v1/events?from=",
            "/api/v1/events?to=", "/api/v1/events?last=5&from=", "/api/v1/events?from=-106751d&to=",
        ]
        try await fixture.withClient { client in
            for uri in uris {
                for time in Self.times {
                    let escaped = time.replacing("+", with: "%2B")
                    let isTime = TimeArgument.parse(time, now: WallClock.nowNanoseconds()) != nil
                    try await client.execute(uri: uri + escaped, method: .get) { response in
                        let body = String(buffer: response.body)
                        if isTime {
                            // A time: an answer (a timeline may not exist then: 404; a step may not fit: 400).
                            #expect([.ok, .badRequest, .notFound].contains(response.status), "\(uri)\(time): \(response.status)")
                            #expect(!body.contains("is not a time"), "\(uri)\(time): \(body)")
                        } else {
                            #expect(response.status == .badRequest, "\(uri)\(time): \(response.status)")
                            #expect(body.contains("is not a time"), "\(uri)\(time): \(body)")
                        }
                    }
                }
            }
        }
    }

    @Test("the examples of the issue are 400 naming the parameter, not a dead daemon")
    func issueExamples() async throws {
        let fixture = try await Self.fixture()
        for uri in [
            "/api/v1/health?at=%2B106000d", "/api/v1/state?at=now%2B106000d", "/api/v1/state?at=%2B106751d",
            "/api/v1/events?from=-106751d&to=%2B106750d", "/api/v1/health?at=9223372036.999999999",
            "/api/v1/alerts?since=9223372036.999999999", "/api/v1/state?at=2262-04-11T23:47:16.999999999Z",
        ] {
            let (status, body) = try await fixture.get(uri)
            #expect(status == .badRequest, "\(uri)")
            #expect(body.contains("\"error\""), "\(uri): \(body)")
        }
    }

    @Test("Last-Event-ID of the largest offset is a 400, not an overflow")
    func lastEventID() async throws {
        let fixture = try await Self.fixture()
        for id in ["9223372036854775807", "9223372036854775808", "-1", "x"] {
            var headers = HTTPFields()
            headers[HTTPField.Name("Last-Event-ID")!] = id
            let (status, body) = try await fixture.get("/api/v1/stream", headers: headers)
            #expect(status == .badRequest, "Last-Event-ID \(id)")
            #expect(body.contains("Last-Event-ID"), "Last-Event-ID \(id): \(body)")
        }
    }

    @Test("offsets and counts at the extremes answer 200 or 400")
    func offsetsAndCounts() async throws {
        let fixture = try await Self.fixture()
        for uri in [
            "/api/v1/events?from_offset=9223372036854775807", "/api/v1/events?from_offset=9223372036854775806&limit=10000",
            "/api/v1/events?from_offset=-9223372036854775808", "/api/v1/events?limit=9223372036854775807",
            "/api/v1/events?last=9223372036854775807", "/api/v1/events?last=0", "/api/v1/timeline?series=cpu.usage_idle&points=9223372036854775807",
            "/api/v1/timeline?series=cpu.usage_idle&step=9223372036854775807", "/api/v1/timeline?series=cpu.usage_idle&step=106751d",
            "/api/v1/timeline?series=cpu.usage_idle&step=106752d", "/api/v1/timeline?series=cpu.usage_idle&step=153722867280912930m",
            "/api/v1/timeline?series=cpu.usage_idle&points=1000000&step=1d", "/api/v1/timeline?series=cpu.usage_idle&points=1000000&step=106751d",
        ] {
            let (status, _) = try await fixture.get(uri)
            #expect([.ok, .badRequest].contains(status), "\(uri): \(status)")
        }
    }
}
