import EvCore
import EvRender
import EvViews
import HTTPTypes
import Testing

/// Issue 15, item 17: a raw CR in a string field, measurement or component name was copied into `format=text`
/// answers and the live stream's `data:` line (CR ends an SSE line: a client could forge `id:` and `event:` lines),
/// and the CLI printed terminal escape sequences raw (`ESC]0;…BEL` retitles, `ESC[2J` clears a terminal).
@Suite("Control characters in text renderings")
struct ControlCharacterTests {
    static let hostile = "gw\r\nid: 99\revent: dropped\u{1B}]0;owned\u{07}\u{1B}[2J\u{7F}\u{85}\t"

    /// Whether `text` holds a control character other than the line ends and tab separators the renderings write.
    static func hasControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || ($0.value >= 0x7F && $0.value < 0xA0) }
    }

    @Test("printable shows every control character as an escape and leaves the rest")
    func printable() {
        #expect(TextTable.printable("plain ünïcödé \\ text") == "plain ünïcödé \\ text")
        #expect(TextTable.printable("a\rb\u{1B}[2J\u{7F}\u{85}\tc") == "a\\x0db\\x1b[2J\\x7f\\u{85}\\x09c")
        #expect(!Self.hasControl(TextTable.printable(Self.hostile)))
    }

    @Test("tables, event lines, series and timelines print no control character; colours are still drawn")
    func renderings() throws {
        var views = Views()
        let t = Fx0.t0
        views.apply(Event(offset: 0, time: t, measurement: "health", tags: [Tag("component", Self.hostile)], fields: [Field("status", .string("down")), Field("message", .string(Self.hostile))]))
        views.apply(Event(offset: 1, time: t, measurement: "alert", tags: [Tag("alert", Self.hostile), Tag("severity", "critical")], fields: [Field("state", .string("firing")), Field("message", .string(Self.hostile))]))
        views.apply(Event(offset: 2, time: t, measurement: "slot", tags: [Tag("strategy", Self.hostile), Tag("conid", "1"), Tag("symbol", Self.hostile)], fields: [Field("action", .string("acquire"))]))
        let metric = Event(offset: 3, time: t, measurement: "m\u{1B}[2J", tags: [Tag("host", Self.hostile)], fields: [Field("v", .float(1)), Field("s", .string(Self.hostile))])
        views.apply(metric)
        for colors in [false, true] {
            let renderer = Renderer(json: false, colors: colors)
            var out: [UInt8] = []
            renderer.state(views, at: t, thresholds: FreshnessThresholds(), to: &out)
            renderer.event(metric, to: &out)
            renderer.series(views.timelines.series, to: &out)
            renderer.timeline(try views.timelines.query(series: 0, end: t, points: 3), to: &out)
            var text = String(decoding: out, as: UTF8.self)
            if colors {
                #expect(text.contains("\u{1B}[31mred\u{1B}[0m"))  // our own colour sequences, around our own words
                text = text.replacing("\u{1B}[31m", with: "").replacing("\u{1B}[33m", with: "")
                    .replacing("\u{1B}[32m", with: "").replacing("\u{1B}[0m", with: "")
            }
            #expect(!Self.hasControl(text), "\(text.debugDescription)")
            #expect(text.contains("\\x1b]0;owned\\x07\\x1b[2J\\x7f\\u{85}\\x09"))  // the client's tab too
        }
    }

    @Test("format=text answers of the HTTP API carry no raw CR or ESC")
    func httpText() async throws {
        let fixture = try APIFixture()
        try await fixture.append(lines: [
            "health,component=gw\\ \u{1B}[2J status=\"down\",message=\"a\rid: 7\revent: x\u{1B}]0;t\u{07}\"",
        ])
        for uri in ["/api/v1/events?format=text", "/api/v1/health?format=text", "/api/v1/alerts?format=text", "/api/v1/state?format=text"] {
            let (status, body) = try await fixture.get(uri)
            #expect(status == .ok)
            #expect(!Self.hasControl(body), "\(uri): \(body.debugDescription)")
        }
    }
}

enum Fx0 {
    static let t0: Int64 = 1_763_650_000 * 1_000_000_000
}
