import EvCore
import EvViews
import Testing

@Suite("Views JSON")
struct ViewsJSONTests {
    static func text(_ write: (inout [UInt8]) -> Void) -> String {
        var out: [UInt8] = []
        write(&out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test("health with no components")
    func emptyHealth() {
        let json = Self.text { ViewsJSON.health(HealthView().report(at: Fx.t0), to: &$0) }
        #expect(json == #"{"at":"2025-11-20T14:46:40Z","overall":"green","score":100,"components":[]}"#)
    }

    @Test("health: nulls for what a heartbeat-only component lacks, RFC 3339 times, escaped strings")
    func health() {
        var view = HealthView()
        view.apply(
            Fx.health(
                "gw",
                "Connected",
                at: Fx.t0 + 250_000_000,
                host: "h1",
                fields: [
                    Field("latency_ms", .float(12.5)), Field("message", .string("line1\nline2\t\"q\" \\ \u{01}")),
                    Field("port", .int(4002)), Field("client_id", .int(7)),
                ]
            )
        )
        view.apply(Fx.heartbeat("feed", at: Fx.at(-44)))
        let json = Self.text { ViewsJSON.health(view.report(at: Fx.t0 + 1_500_000_000), to: &$0) }
        let expected =
            #"{"at":"2025-11-20T14:46:41.5Z","overall":"yellow","score":75,"components":["#
            + #"{"component":"feed","host":null,"status":null,"color":"yellow","status_color":null,"since":null,"#
            + #""last_seen":"2025-11-20T14:45:56Z","age_s":45.5,"freshness":"warning","latency_ms":null,"message":null,"#
            + #""port":null,"client_id":null,"future_events":0},"#
            + #"{"component":"gw","host":"h1","status":"connected","color":"green","status_color":"green","#
            + #""since":"2025-11-20T14:46:40.25Z","last_seen":"2025-11-20T14:46:40.25Z","age_s":1.25,"freshness":"fresh","#
            + #""latency_ms":12.5,"message":"line1\nline2\t\"q\" \\ \u0001","port":"4002","client_id":"7","future_events":0}]}"#
        #expect(json == expected)
    }

    @Test("health: ages in whole seconds print as integers, below a millisecond are cut, times before 1970 work")
    func healthNumbersAndOldTimes() {
        var view = HealthView()
        view.apply(Fx.health("down-one", "DOWN", at: -1_500_000_000, fields: [Field("latency_ms", .int(3))]))
        var json = Self.text { ViewsJSON.health(view.report(at: 0), to: &$0) }
        #expect(
            json
                == #"{"at":"1970-01-01T00:00:00Z","overall":"red","score":0,"components":[{"component":"down-one","host":null,"#
                + #""status":"down","color":"red","status_color":"red","since":"1969-12-31T23:59:58.5Z","#
                + #""last_seen":"1969-12-31T23:59:58.5Z","age_s":1.5,"freshness":"fresh","latency_ms":3,"message":null,"#
                + #""port":null,"client_id":null,"future_events":0}]}"#
        )
        json = Self.text { ViewsJSON.health(view.report(at: 58_500_000_000), to: &$0) }
        #expect(json.contains(#""age_s":60,"freshness":"warning""#))
        json = Self.text { ViewsJSON.health(view.report(at: -1_500_000_000 + 1_234_567_890), to: &$0) }
        #expect(json.contains(#""age_s":1.234,"#))
        json = Self.text { ViewsJSON.health(view.report(at: -1_499_999_999), to: &$0) }
        #expect(json.contains(#""age_s":0,"#))
    }

    @Test("slots with none held")
    func emptySlots() {
        let json = Self.text { ViewsJSON.slots(SlotRegistry(), to: &$0) }
        #expect(
            json
                == #"{"used":0,"limit":100,"warning_at":90,"warning":false,"active":[],"conflicts":[],"conflicts_total":0}"#
        )
    }

    @Test("slots: held slots sorted, conflicts with their kind, time and offset")
    func slots() {
        var slots = SlotRegistry()
        slots.apply(Fx.slot("acquire", strategy: "mm", conid: "265598", symbol: "AAPL", at: Fx.t0, offset: 3))
        slots.apply(Fx.slot("acquire", strategy: "arb", conid: "1", symbol: #"BRK "B""#, at: Fx.at(1), offset: 4))
        slots.apply(Fx.slot("acquire", strategy: "mm", conid: "265598", symbol: "AAPL", at: Fx.at(2), offset: 5))
        slots.apply(Fx.slot("release", strategy: "mm", conid: "9", symbol: "X", at: Fx.at(3), offset: 6))
        let json = Self.text { ViewsJSON.slots(slots, to: &$0) }
        let expected =
            #"{"used":2,"limit":100,"warning_at":90,"warning":false,"active":["#
            + #"{"strategy":"arb","conid":"1","symbol":"BRK \"B\"","since":"2025-11-20T14:46:41Z"},"#
            + #"{"strategy":"mm","conid":"265598","symbol":"AAPL","since":"2025-11-20T14:46:40Z"}],"conflicts":["#
            + #"{"kind":"double_acquire","strategy":"mm","conid":"265598","symbol":"AAPL","at":"2025-11-20T14:46:42Z","offset":5},"#
            + #"{"kind":"release_without_acquire","strategy":"mm","conid":"9","symbol":"X","at":"2025-11-20T14:46:43Z","offset":6}"#
            + #"],"conflicts_total":2}"#
        #expect(json == expected)
    }

    @Test("slots: the warning flag and a custom limit; conflicts_total counts forgotten conflicts")
    func slotsWarning() {
        var slots = SlotRegistry(limit: 2, warningAt: 1, conflictCapacity: 1)
        slots.apply(Fx.slot("acquire", conid: "1", symbol: "A", at: Fx.t0, offset: 0))
        slots.apply(Fx.slot("release", conid: "2", symbol: "B", at: Fx.t0, offset: 1))
        slots.apply(Fx.slot("release", conid: "3", symbol: "C", at: Fx.t0, offset: 2))
        let json = Self.text { ViewsJSON.slots(slots, to: &$0) }
        let expected =
            #"{"used":1,"limit":2,"warning_at":1,"warning":true,"active":["#
            + #"{"strategy":"mm","conid":"1","symbol":"A","since":"2025-11-20T14:46:40Z"}],"conflicts":["#
            + #"{"kind":"release_without_acquire","strategy":"mm","conid":"3","symbol":"C","at":"2025-11-20T14:46:40Z","offset":2}"#
            + #"],"conflicts_total":2}"#
        #expect(json == expected)
    }

    @Test("alerts with none")
    func emptyAlerts() {
        let history = AlertHistory()
        let json = Self.text { ViewsJSON.alerts(history.alerts(), history: history, to: &$0) }
        #expect(json == #"{"alerts":[],"active_by_severity":{},"fired_by_severity":{}}"#)
    }

    @Test("alerts: labels sorted, lifecycle times, nulls, numbers, counts by severity")
    func alerts() {
        var history = AlertHistory()
        history.apply(
            Fx.alert(
                "cpu_high",
                "firing",
                severity: "critical",
                labels: [Tag("host", "h1"), Tag("dc", "eu")],
                fields: [Field("message", .string(#"CPU "hot""#)), Field("value", .float(93.5))],
                at: Fx.t0,
                offset: 0
            )
        )
        history.apply(
            Fx.alert(
                "cpu_high",
                "ack",
                severity: "critical",
                labels: [Tag("host", "h1"), Tag("dc", "eu")],
                fields: [Field("by", .string("alice"))],
                at: Fx.at(60),
                offset: 1
            )
        )
        history.apply(Fx.alert("disk", "firing", at: Fx.at(10), offset: 2))
        history.apply(Fx.alert("disk", "resolved", fields: [Field("value", .int(70))], at: Fx.at(70), offset: 3))
        let json = Self.text { ViewsJSON.alerts(history.alerts(), history: history, to: &$0) }
        let expected =
            #"{"alerts":["#
            + #"{"alert":"cpu_high","labels":{"dc":"eu","host":"h1"},"severity":"critical","state":"ack","#
            + #""fired_at":"2025-11-20T14:46:40Z","acked_by":"alice","acked_at":"2025-11-20T14:47:40Z","resolved_at":null,"#
            + #""message":"CPU \"hot\"","value":93.5,"refires":0},"#
            + #"{"alert":"disk","labels":{},"severity":"warning","state":"resolved","fired_at":"2025-11-20T14:46:50Z","#
            + #""acked_by":null,"acked_at":null,"resolved_at":"2025-11-20T14:47:50Z","message":null,"value":70,"refires":0}"#
            + #"],"active_by_severity":{"critical":1},"fired_by_severity":{"critical":1,"warning":1}}"#
        #expect(json == expected)
    }

    @Test("timeline: points as [unix seconds, value or null]; integral values without a fraction; escaped name")
    func timeline() throws {
        var timelines = Timelines()
        let series = [Tag("host", #"q""#)]
        for (b, v) in [(0, 2.0), (1, 1.5), (3, -3), (4, 0.1), (5, 1e8)] as [(Int64, Double)] {
            timelines.apply(
                Event(
                    time: Fx.hour + b * 5 * Fx.s,
                    measurement: "cpu",
                    tags: series,
                    fields: [Field("usage", .float(v))]
                )
            )
        }
        var json = Self.text {
            ViewsJSON.timeline(try! timelines.query(series: 0, end: Fx.hour + 25 * Fx.s, points: 7), to: &$0)
        }
        #expect(
            json
                == #"{"series":"cpu,host=q\" usage","step_s":5,"agg":"avg","points":[[1763650795,null],[1763650800,2],"#
                + #"[1763650805,1.5],[1763650810,null],[1763650815,-3],[1763650820,0.1],[1763650825,1e+08]]}"#
        )
        let minute = try timelines.query(series: 0, end: Fx.hour, points: 1, stepSeconds: 60, aggregation: .max)
        json = Self.text { ViewsJSON.timeline(minute, to: &$0) }
        #expect(json == #"{"series":"cpu,host=q\" usage","step_s":60,"agg":"max","points":[[1763650800,1e+08]]}"#)
    }

    @Test("timeline: times before 1970 are negative unix seconds")
    func timelineNegative() throws {
        var timelines = Timelines()
        timelines.apply(Fx.sample(4, at: -1))
        let json = Self.text {
            ViewsJSON.timeline(try! timelines.query(series: 0, end: 0, points: 2, aggregation: .last), to: &$0)
        }
        #expect(json == #"{"series":"m,id=a v","step_s":5,"agg":"last","points":[[-5,4],[0,null]]}"#)
    }
}
