import EvCore
import EvViews
import Testing

@Suite("Health view reducer")
struct HealthReducerTests {
    /// The status words of `spec/wire-protocol.md` and their colours, written out (not taken from the code).
    static let statusWords: [(String, HealthColor)] = [
        ("ok", .green), ("healthy", .green), ("up", .green), ("connected", .green),
        ("warning", .yellow), ("degraded", .yellow), ("connecting", .yellow),
        ("critical", .red), ("down", .red), ("disconnected", .red), ("error", .red), ("stale", .red),
    ]

    static func spellings(_ word: String) -> [String] {
        let upper = word.uppercased()
        let capitalized = upper.prefix(1) + word.dropFirst()
        let alternating = String(word.enumerated().map { k, c in k % 2 == 0 ? Character(c.uppercased()) : c })
        return [word, upper, String(capitalized), alternating]
    }

    static func component(_ view: HealthView, _ name: String, host: String? = nil) -> ComponentHealth? {
        view.components[ComponentKey(component: name, host: host)]
    }

    @Test("every status word gives its colour in any letter case, and is stored lower-cased", arguments: statusWords)
    func statusWordColour(word: String, color: HealthColor) {
        for spelling in Self.spellings(word) {
            var view = HealthView()
            let returned = view.apply(Fx.health("gw", spelling, at: Fx.at(0), offset: 7))
            let c = Self.component(view, "gw")
            #expect(returned == color, "\(spelling)")
            #expect(c?.status == word, "\(spelling)")
            #expect(c?.color == color, "\(spelling)")
            #expect(c?.since == Fx.at(0))
            #expect(c?.statusTime == Fx.at(0))
            #expect(c?.lastSeen == Fx.at(0))
            #expect(c?.offset == 7)
            let row = view.report(at: Fx.at(1)).rows[0]
            #expect(row.freshness == .fresh)
            #expect(row.effectiveColor == color)
        }
    }

    @Test("since changes only when the status word changes (not its case); colour follows every event")
    func sinceFollowsTheWord() {
        var view = HealthView()
        let steps: [(String, Int64, since: Int64, HealthColor)] = [
            ("ok", 0, 0, .green),
            ("OK", 10, 0, .green),  // same word, other case
            ("Ok", 15, 0, .green),
            ("degraded", 20, 20, .yellow),
            ("degraded", 30, 20, .yellow),
            ("connecting", 35, 35, .yellow),  // same colour, other word: a change
            ("up", 40, 40, .green),
            ("healthy", 50, 50, .green),
        ]
        for (word, time, since, color) in steps {
            view.apply(Fx.health("gw", word, at: Fx.at(time)))
            let c = Self.component(view, "gw")!
            #expect(c.status == word.lowercased(), "after \(word)@\(time)")
            #expect(c.since == Fx.at(since), "after \(word)@\(time)")
            #expect(c.color == color, "after \(word)@\(time)")
            #expect(c.lastSeen == Fx.at(time))
        }
    }

    @Test("a message lasts while the status word stays, and a new word without one clears it")
    func messageLifetime() {
        var view = HealthView()
        view.apply(Fx.health("gw", "degraded", at: Fx.at(0), fields: [Field("message", .string("slow"))]))
        view.apply(Fx.health("gw", "degraded", at: Fx.at(5)))
        #expect(Self.component(view, "gw")?.message == "slow")
        view.apply(Fx.health("gw", "ok", at: Fx.at(10)))
        #expect(Self.component(view, "gw")?.message == nil)
        view.apply(Fx.health("gw", "down", at: Fx.at(15), fields: [Field("msg", .string("socket closed"))]))
        #expect(Self.component(view, "gw")?.message == "socket closed")
        view.apply(Fx.health("gw", "down", at: Fx.at(20), fields: [Field("message", .string("retrying"))]))
        #expect(Self.component(view, "gw")?.message == "retrying")
    }

    @Test("a heartbeat updates last_seen and nothing else, even when it carries a status field")
    func heartbeatOnlyRefreshes() {
        var view = HealthView()
        view.apply(
            Fx.health(
                "gw",
                "degraded",
                at: Fx.at(0),
                fields: [Field("message", .string("slow")), Field("latency_ms", .int(40))],
                offset: 1
            )
        )
        let before = Self.component(view, "gw")!
        let returned = view.apply(
            Fx.heartbeat(
                "gw",
                at: Fx.at(25),
                fields: [Field("status", .string("down")), Field("latency_ms", .int(1))],
                offset: 2
            )
        )
        let after = Self.component(view, "gw")!
        #expect(returned == .yellow)
        #expect(after.lastSeen == Fx.at(25))
        #expect(after.offset == 2)
        #expect(after.status == "degraded" && after.color == .yellow && after.since == Fx.at(0))
        #expect(after.statusTime == before.statusTime)
        #expect(after.message == "slow" && after.latencyMs == 40)
        // At 30 s the status event is 30 s old but the heartbeat only 5 s: still fresh.
        #expect(view.report(at: Fx.at(30)).rows[0].freshness == .fresh)
    }

    @Test(
        "a component seen only through heartbeats has no status and is coloured by freshness only",
        arguments: [
            (Int64(0), Freshness.fresh, HealthColor.green),
            (29, .fresh, .green),
            (45, .warning, .yellow),
            (61, .stale, .red),
        ]
    )
    func heartbeatOnlyComponent(ageSeconds: Int64, freshness: Freshness, color: HealthColor) {
        var view = HealthView()
        let returned = view.apply(Fx.heartbeat("feed", at: Fx.at(0)))
        #expect(returned == nil)
        let c = Self.component(view, "feed")!
        #expect(c.status == nil && c.color == nil && c.since == nil && c.statusTime == nil)
        #expect(c.latencyMs == nil && c.message == nil && c.port == nil && c.clientID == nil)
        let report = view.report(at: Fx.at(ageSeconds))
        #expect(report.rows.count == 1)
        #expect(report.rows[0].ageNanoseconds == ageSeconds * Fx.s)
        #expect(report.rows[0].freshness == freshness)
        #expect(report.rows[0].effectiveColor == color)
        #expect(report.overall == color)
    }

    static let boundCases: [(Int64, Freshness)] = [
        (Int64(0), Freshness.fresh),
        (1, .fresh),
        (29_999_999_999, .fresh),
        (30_000_000_000, .warning),
        (30_000_000_001, .warning),
        (45_000_000_000, .warning),
        (59_999_999_999, .warning),
        (60_000_000_000, .warning),
        (60_000_000_001, .stale),
        (3_600_000_000_000, .stale),
        (Int64.max, .stale),
    ]

    @Test(
        "freshness: fresh below 30 s, warning from 30 s to 60 s inclusive, stale above 60 s",
        arguments: Self.boundCases
    )
    func defaultFreshnessBounds(ageNanoseconds: Int64, expected: Freshness) {
        #expect(Freshness(ageNanoseconds: ageNanoseconds, thresholds: FreshnessThresholds()) == expected)
        var view = HealthView()
        view.apply(Fx.health("gw", "ok", at: Fx.at(0)))
        guard ageNanoseconds <= Int64.max - Fx.at(0) else { return }
        let row = view.report(at: Fx.at(0) + ageNanoseconds).rows[0]
        #expect(row.ageNanoseconds == ageNanoseconds)
        #expect(row.freshness == expected)
        #expect(row.effectiveColor == expected.color)
    }

    @Test("freshness colours: fresh green, warning yellow, stale red")
    func freshnessColours() {
        #expect(Freshness.fresh.color == .green)
        #expect(Freshness.warning.color == .yellow)
        #expect(Freshness.stale.color == .red)
        #expect(Freshness.fresh < .warning && Freshness.warning < .stale)
    }

    static let thresholdCases: [(Double, Double, Int64, Freshness)] = [
        // (fresh below s, stale above s, age ns, expected)
        (5.0, 10.0, Int64(4_999_999_999), Freshness.fresh),
        (5.0, 10.0, 5_000_000_000, .warning),
        (5.0, 10.0, 10_000_000_000, .warning),
        (5.0, 10.0, 10_000_000_001, .stale),
        (0.5, 2.0, 499_999_999, .fresh),
        (0.5, 2.0, 500_000_000, .warning),
        (0.5, 2.0, 2_000_000_001, .stale),
        (10.0, 10.0, 9_999_999_999, .fresh),  // equal bounds: warning only at exactly 10 s
        (10.0, 10.0, 10_000_000_000, .warning),
        (10.0, 10.0, 10_000_000_001, .stale),
        (120.0, 600.0, 100_000_000_000, .fresh),
        (120.0, 600.0, 300_000_000_000, .warning),
    ]

    @Test("custom thresholds move both bounds", arguments: Self.thresholdCases)
    func customThresholds(freshBelow: Double, staleAbove: Double, age: Int64, expected: Freshness) {
        let thresholds = FreshnessThresholds(freshBelowSeconds: freshBelow, staleAboveSeconds: staleAbove)
        #expect(thresholds.freshBelowNanoseconds == Int64(freshBelow * 1e9))
        #expect(thresholds.staleAboveNanoseconds == Int64(staleAbove * 1e9))
        var view = HealthView()
        view.apply(Fx.heartbeat("feed", at: Fx.at(0)))
        let row = view.report(at: Fx.at(0) + age, thresholds: thresholds).rows[0]
        #expect(row.freshness == expected)
        #expect(row.effectiveColor == expected.color)
        #expect(
            view.components.first?.value.effectiveColor(at: Fx.at(0) + age, thresholds: thresholds) == expected.color
        )
    }

    @Test(
        "the shown colour is the worse of the status colour and the freshness colour",
        arguments: [HealthColor.green, .yellow, .red],
        [Freshness.fresh, .warning, .stale]
    )
    func effectiveColour(status: HealthColor, freshness: Freshness) {
        let word = ["ok", "degraded", "down"][Int(status.rawValue)]
        let ageSeconds: Int64 = [0, 45, 90][Freshness.allCases.firstIndex(of: freshness)!]
        var view = HealthView()
        view.apply(Fx.health("gw", word, at: Fx.at(0)))
        let row = view.report(at: Fx.at(ageSeconds)).rows[0]
        let worse = status.rawValue >= freshness.color.rawValue ? status : freshness.color
        #expect(row.freshness == freshness)
        #expect(row.health.color == status)  // the status colour itself is kept
        #expect(row.effectiveColor == worse)
    }

    static let scoreCases: [([HealthColor], HealthColor, Int)] = [
        ([HealthColor](), HealthColor.green, 100),
        ([.green], .green, 100),
        ([.yellow], .yellow, 50),
        ([.red], .red, 0),
        ([.green, .yellow], .yellow, 75),
        ([.green, .green, .yellow], .yellow, 83),  // 83.3
        ([.green, .yellow, .yellow], .yellow, 67),  // 66.7
        ([.green, .red], .red, 50),
        ([.yellow, .red, .red], .red, 17),  // 16.7
        ([.green, .yellow, .red, .red], .red, 38),  // 37.5 rounds up
        ([.green, .green, .green, .green, .green, .green, .green, .red], .red, 88),  // 87.5
        ([.red, .red, .red], .red, 0),
    ]

    @Test(
        "overall is the worst shown colour and the score the rounded mean of 100, 50 and 0",
        arguments: Self.scoreCases
    )
    func overallAndScore(colors: [HealthColor], overall: HealthColor, score: Int) {
        var view = HealthView()
        for (k, color) in colors.enumerated() {
            view.apply(Fx.health("c\(k)", ["ok", "degraded", "down"][Int(color.rawValue)], at: Fx.at(0)))
        }
        let report = view.report(at: Fx.at(10))
        #expect(report.rows.map(\.effectiveColor) == colors)
        #expect(report.overall == overall)
        #expect(report.score == score)
        #expect(report.at == Fx.at(10))
    }

    @Test("score and overall use the shown colour, so staleness lowers them")
    func scoreCountsFreshness() {
        var view = HealthView()
        view.apply(Fx.health("a", "ok", at: Fx.at(100)))
        view.apply(Fx.health("b", "ok", at: Fx.at(60)))  // 45 s old at 105: yellow
        view.apply(Fx.heartbeat("c", at: Fx.at(0)))  // 105 s old: red
        let report = view.report(at: Fx.at(105))
        #expect(report.rows.map(\.effectiveColor) == [.green, .yellow, .red])
        #expect(report.overall == .red)
        #expect(report.score == 50)
        // With thresholds of 2 min and 5 min everything is fresh again.
        let relaxed = view.report(
            at: Fx.at(105),
            thresholds: FreshnessThresholds(freshBelowSeconds: 120, staleAboveSeconds: 300)
        )
        #expect(relaxed.overall == .green && relaxed.score == 100)
    }

    @Test("the host tag, or else a string host field, is part of the component's identity")
    func hostTagAndField() {
        var view = HealthView()
        view.apply(Fx.health("gw", "ok", at: Fx.at(0)))
        view.apply(Fx.health("gw", "degraded", at: Fx.at(1), host: "h1"))
        view.apply(Fx.health("gw", "down", at: Fx.at(2), fields: [Field("host", .string("h2"))]))
        // The tag wins over the field.
        view.apply(Fx.health("gw", "error", at: Fx.at(3), host: "h3", fields: [Field("host", .string("h2"))]))
        // A heartbeat with a host field refreshes the component with that host tag.
        view.apply(Fx.heartbeat("gw", at: Fx.at(9), fields: [Field("host", .string("h1"))]))
        // A host field that is not a string is not a host.
        view.apply(Fx.health("db", "ok", at: Fx.at(4), fields: [Field("host", .int(5))]))
        #expect(view.components.count == 5)
        #expect(Self.component(view, "gw")?.status == "ok")
        #expect(Self.component(view, "gw", host: "h1")?.status == "degraded")
        #expect(Self.component(view, "gw", host: "h1")?.lastSeen == Fx.at(9))
        #expect(Self.component(view, "gw", host: "h2")?.status == "down")
        #expect(Self.component(view, "gw", host: "h3")?.status == "error")
        #expect(Self.component(view, "db")?.status == "ok")
        let report = view.report(at: Fx.at(10))
        #expect(report.rows.map(\.health.key.description) == ["db", "gw", "gw@h1", "gw@h2", "gw@h3"])
    }

    @Test(
        "latency_ms takes any number; a string latency is ignored",
        arguments: [
            (FieldValue.int(12), Double?(12)),
            (.float(3.5), 3.5),
            (.uint(7), 7),
            (.float(0), 0),
            (.string("12"), nil),
        ]
    )
    func latency(value: FieldValue, expected: Double?) {
        var view = HealthView()
        view.apply(Fx.health("gw", "ok", at: Fx.at(0), fields: [Field("latency_ms", value)]))
        #expect(Self.component(view, "gw")?.latencyMs == expected)
    }

    @Test(
        "port and client_id are kept as text whatever their type",
        arguments: [
            (FieldValue.int(4002), "4002"),
            (.uint(4002), "4002"),
            (.string("4002"), "4002"),
            (.string("gw-1"), "gw-1"),
            (.bool(true), "true"),
        ]
    )
    func portAndClient(value: FieldValue, text: String) {
        var view = HealthView()
        view.apply(Fx.health("gw", "ok", at: Fx.at(0), fields: [Field("port", value), Field("client_id", value)]))
        #expect(Self.component(view, "gw")?.port == text)
        #expect(Self.component(view, "gw")?.clientID == text)
    }

    @Test("latency, port and client_id update when present and stay when absent; message wins over msg")
    func detailFields() {
        var view = HealthView()
        view.apply(
            Fx.health(
                "gw",
                "ok",
                at: Fx.at(0),
                fields: [
                    Field("latency_ms", .int(12)), Field("msg", .string("short")), Field("message", .string("long")),
                    Field("port", .int(4002)), Field("client_id", .int(7)),
                ]
            )
        )
        var c = Self.component(view, "gw")!
        #expect(c.latencyMs == 12 && c.message == "long" && c.port == "4002" && c.clientID == "7")
        view.apply(Fx.health("gw", "ok", at: Fx.at(5), fields: [Field("latency_ms", .float(8.25))]))
        c = Self.component(view, "gw")!
        #expect(c.latencyMs == 8.25 && c.message == "long" && c.port == "4002" && c.clientID == "7")
        view.apply(Fx.health("gw", "down", at: Fx.at(10), fields: [Field("port", .int(4001))]))
        c = Self.component(view, "gw")!
        #expect(c.latencyMs == 8.25 && c.message == nil && c.port == "4001" && c.clientID == "7")
    }

    @Test("events from the future count as just seen: age 0, fresh")
    func futureEvents() {
        var view = HealthView()
        view.apply(Fx.health("gw", "ok", at: Fx.at(100)))
        view.apply(Fx.heartbeat("feed", at: Fx.at(1_000_000)))
        for reference in [Fx.at(0), Fx.at(99), Fx.at(100), 0, -Fx.t0] {
            let report = view.report(at: reference)
            #expect(report.rows.allSatisfy { $0.ageNanoseconds == 0 && $0.freshness == .fresh }, "at \(reference)")
            #expect(report.overall == .green && report.score == 100)
        }
        #expect(view.report(at: Fx.at(101)).rows[1].ageNanoseconds == Fx.s)
    }

    @Test("out-of-order events never move last_seen backwards, and an older health event does not replace the status")
    func outOfOrder() {
        var view = HealthView()
        view.apply(Fx.heartbeat("gw", at: Fx.at(100), offset: 0))
        view.apply(Fx.heartbeat("gw", at: Fx.at(50), offset: 1))
        #expect(Self.component(view, "gw")?.lastSeen == Fx.at(100))
        // The first status may be older than the last heartbeat: it is the only status there is.
        view.apply(Fx.health("gw", "ok", at: Fx.at(60), offset: 2))
        var c = Self.component(view, "gw")!
        #expect(c.status == "ok" && c.since == Fx.at(60) && c.lastSeen == Fx.at(100))
        view.apply(Fx.health("gw", "down", at: Fx.at(120), offset: 3))
        // Late: older than the status it would replace. Neither its word nor its fields apply.
        let late = view.apply(
            Fx.health(
                "gw",
                "ok",
                at: Fx.at(110),
                fields: [Field("latency_ms", .int(5)), Field("message", .string("x"))],
                offset: 4
            )
        )
        c = Self.component(view, "gw")!
        #expect(late == .red)
        #expect(c.status == "down" && c.color == .red && c.since == Fx.at(120) && c.statusTime == Fx.at(120))
        #expect(c.latencyMs == nil && c.message == nil)
        #expect(c.lastSeen == Fx.at(120))
        #expect(c.offset == 4)
        // An event at the same time as the current status is not late: the later offset wins.
        view.apply(Fx.health("gw", "degraded", at: Fx.at(120), offset: 5))
        c = Self.component(view, "gw")!
        #expect(c.status == "degraded" && c.since == Fx.at(120))
    }

    @Test("other events, and health events without a component tag, leave the view alone")
    func ignoredEvents() {
        var view = HealthView()
        #expect(view.apply(Fx.sample(1, at: Fx.at(0))) == nil)
        #expect(view.apply(Fx.slot("acquire", conid: "1")) == nil)
        #expect(view.apply(Fx.alert("a", "firing", at: Fx.at(0))) == nil)
        #expect(
            view.apply(
                Event(
                    time: Fx.at(0),
                    measurement: "health",
                    tags: [Tag("comp", "gw")],
                    fields: [Field("status", .string("ok"))]
                )
            ) == nil
        )
        #expect(view.apply(Event(time: Fx.at(0), measurement: "heartbeat", fields: [Field("seq", .int(1))])) == nil)
        // A measurement that merely starts like a typed one is a metric.
        #expect(
            view.apply(
                Event(
                    time: Fx.at(0),
                    measurement: "healthz",
                    tags: [Tag("component", "gw")],
                    fields: [Field("status", .string("ok"))]
                )
            ) == nil
        )
        #expect(view.components.isEmpty)
        #expect(view.report(at: Fx.at(0)).rows.isEmpty)
    }
}
