import EvCore
import EvViews
import Testing

@Suite("Alert rules")
struct RuleEvaluatorTests {
    static let second: Int64 = 1_000_000_000
    static let t0: Int64 = 1_763_650_000 * 1_000_000_000

    static func cpu(_ idle: Double, at seconds: Int64, host: String = "h0") -> Event {
        Event(time: t0 + seconds * second, measurement: "cpu", tags: [EvCore.Tag("host", host)], fields: [Field("usage_idle", .float(idle))])
    }

    static func states(_ events: [Event]) -> [String] {
        events.map { "\($0.tag("alert")!) \($0.field("state")!.stringValue!) @\(($0.time - t0) / second)" }
    }

    /// Feeds events through `Views` and returns what the rules raised, appending it to the views as the log would.
    static func run(
        _ events: [Event],
        rules: [AlertRule] = AlertRule.defaults,
        maxFutureSkew: Int64 = Views.defaultMaxFutureSkew
    ) -> (raised: [Event], views: Views) {
        var views = Views(rules: RuleEvaluator(rules: rules), maxFutureSkew: maxFutureSkew)
        var raised: [Event] = []
        var offset: Int64 = 0
        for var e in events {
            e.offset = offset
            offset += 1
            var derived = views.apply(e)
            raised += derived
            // The log echoes rule alerts back; they are applied like any event (and raise nothing new).
            for k in derived.indices {
                derived[k].offset = offset
                offset += 1
                #expect(views.apply(derived[k]).isEmpty)
            }
        }
        return (raised, views)
    }

    @Test("cpu_high fires only after usage stays above 80 % for 10 minutes, and cpu_critical after 5 at 90 %")
    func forDuration() {
        // Idle at 15 % (usage 85 %) from t = 0: cpu_high pending; a dip to 30 % idle at 5 min resets the timer.
        var events = (0...60).map { Self.cpu(15, at: $0 * 5) }  // 0 … 300 s
        events.append(Self.cpu(30, at: 305))
        events += (62...200).map { Self.cpu(15, at: $0 * 5) }  // 310 … 1000 s
        let (raised, views) = Self.run(events)
        #expect(Self.states(raised) == ["cpu_high firing @910"])  // 310 s + 600 s
        #expect(views.alerts.activeAlerts.map(\.alert) == ["cpu_high"])
        #expect(views.alerts.activeAlerts.first?.labels == ["host": "h0"])

        let critical = Self.run((0...70).map { Self.cpu(5, at: $0 * 5) }).raised
        #expect(Self.states(critical) == ["cpu_critical firing @300"])
    }

    @Test("a noisy series around the threshold does not flap: hysteresis holds the alert until the resolve level")
    func hysteresisNoFlap() {
        let rule = AlertRule(
            name: "mem", severity: "warning",
            condition: .series(SeriesMatcher(measurement: "mem", field: "used_percent"), .above, threshold: 85, resolve: 80, forNanoseconds: 0)
        )
        // 86, 84, 86, 84 … (noise of ±1 around 85), then down to 79.
        var events: [Event] = []
        for k in 0..<200 {
            let value = k % 2 == 0 ? 86.0 : 84.0
            events.append(Event(time: Self.t0 + Int64(k) * Self.second, measurement: "mem", fields: [Field("used_percent", .float(value))]))
        }
        events.append(Event(time: Self.t0 + 200 * Self.second, measurement: "mem", fields: [Field("used_percent", .float(79))]))
        let (raised, views) = Self.run(events, rules: [rule])
        #expect(Self.states(raised) == ["mem firing @0", "mem resolved @200"])
        #expect(views.alerts.activeAlerts.isEmpty)
        #expect(views.alerts.resolved.elements.map(\.alert) == ["mem"])
    }

    @Test("re-firing is rate limited: after a resolve the same alert waits refire_after before firing again")
    func refireRateLimit() {
        let rule = AlertRule(
            name: "mem", severity: "warning",
            condition: .series(SeriesMatcher(measurement: "mem", field: "used_percent"), .above, threshold: 85, resolve: 80, forNanoseconds: 0),
            refireAfterNanoseconds: 60 * Self.second
        )
        // High, low, high, low, high every 10 s: it may fire at 0 and again only from 60 s on.
        let values = [90.0, 70, 90, 70, 90, 70, 90, 70, 90]
        let events = values.enumerated().map { k, v in
            Event(time: Self.t0 + Int64(k) * 10 * Self.second, measurement: "mem", fields: [Field("used_percent", .float(v))])
        }
        let raised = Self.run(events, rules: [rule]).raised
        #expect(Self.states(raised) == ["mem firing @0", "mem resolved @10", "mem firing @60", "mem resolved @70"])
    }

    @Test("per-series alerts: each host gets its own alert with its labels")
    func perSeries() {
        let events = (0...130).flatMap { [Self.cpu(5, at: $0 * 5, host: "a"), Self.cpu(50, at: $0 * 5, host: "b")] }
        let raised = Self.run(events).raised
        #expect(raised.allSatisfy { $0.tag("host") == "a" })
        #expect(Set(raised.map { $0.tag("alert")! }) == ["cpu_high", "cpu_critical"])
    }

    @Test("component_down fires on a red status and resolves on a better one; a heartbeat does not change it")
    func componentDown() {
        func health(_ status: String, at s: Int64) -> Event {
            Event(time: Self.t0 + s * Self.second, measurement: "health", tags: [EvCore.Tag("component", "ib_gateway"), EvCore.Tag("host", "h1")], fields: [Field("status", .string(status))])
        }
        let heartbeat = Event(time: Self.t0 + 12 * Self.second, measurement: "heartbeat", tags: [EvCore.Tag("component", "ib_gateway"), EvCore.Tag("host", "h1")], fields: [Field("seq", .int(1))])
        let (raised, views) = Self.run([health("connected", at: 0), health("disconnected", at: 10), heartbeat, health("down", at: 15), health("connected", at: 20)])
        #expect(Self.states(raised) == ["component_down firing @10", "component_down resolved @20"])
        #expect(raised.first?.tags.map(\.key) == ["alert", "severity", "component", "host"])
        #expect(views.alerts.resolved.elements.first?.labels == ["component": "ib_gateway", "host": "h1"])
    }

    @Test("data_stale fires on a tick when a component is older than 60 s, and resolves when it is seen again")
    func staleness() {
        var views = Views()
        let seen = Event(offset: 0, time: Self.t0, measurement: "heartbeat", tags: [EvCore.Tag("component", "feed")], fields: [Field("seq", .int(1))])
        views.apply(seen)
        #expect(views.rules.tick(at: Self.t0 + 59 * Self.second, health: views.health).isEmpty)
        var fired = views.rules.tick(at: Self.t0 + 61 * Self.second, health: views.health)
        #expect(Self.states(fired) == ["data_stale firing @61"])
        fired[0].offset = 1
        views.apply(fired[0])
        #expect(views.rules.tick(at: Self.t0 + 120 * Self.second, health: views.health).isEmpty, "no second firing")
        let again = Event(offset: 2, time: Self.t0 + 130 * Self.second, measurement: "heartbeat", tags: [EvCore.Tag("component", "feed")], fields: [Field("seq", .int(2))])
        #expect(Self.states(views.apply(again)) == ["data_stale resolved @130"])
    }

    @Test("slots_high fires at 90 of 100 slots and resolves below 85")
    func slotsHigh() {
        var events: [Event] = []
        for k in 0..<92 {
            events.append(Event(time: Self.t0 + Int64(k) * Self.second, measurement: "slot", tags: [EvCore.Tag("strategy", "s"), EvCore.Tag("conid", "\(k)"), EvCore.Tag("symbol", "X")], fields: [Field("action", .string("acquire"))]))
        }
        for k in 0..<10 {
            events.append(Event(time: Self.t0 + Int64(100 + k) * Self.second, measurement: "slot", tags: [EvCore.Tag("strategy", "s"), EvCore.Tag("conid", "\(k)"), EvCore.Tag("symbol", "X")], fields: [Field("action", .string("release"))]))
        }
        let raised = Self.run(events).raised
        #expect(Self.states(raised) == ["slots_high firing @89", "slots_high resolved @107"])
    }

    @Test("replaying the log with the rule alerts in it rebuilds the same rule state and raises nothing")
    func replayRebuildsState() {
        var events = (0...130).map { Self.cpu(5, at: $0 * 5) }
        events.append(Self.cpu(60, at: 700))
        let (raised, live) = Self.run(events)
        #expect(!raised.isEmpty)
        // The log: the events interleaved with the alerts as they were appended.
        var log: [Event] = []
        var replayed = Views()
        var probe = Views()
        for e in events {
            log.append(e)
            log += probe.apply(e)
        }
        for (k, var e) in log.enumerated() {
            e.offset = Int64(k)
            _ = replayed.apply(e)  // a replay drops what apply returns: it must be only echoes of logged alerts
        }
        #expect(replayed.rules.firing == live.rules.firing)
        #expect(replayed.rules.lastFired == live.rules.lastFired)
        #expect(replayed.alerts.activeAlerts.map(\.alert) == live.alerts.activeAlerts.map(\.alert))
    }
}

@Suite("Alert rules after a crash")
struct RuleReconcileTests {
    @Test("a firing decided but never logged (crash before the append) fires again after a restart")
    func lostFiringIsRetried() {
        func health(_ status: String, _ offset: Int64, _ seconds: Int64) -> Event {
            Event(offset: offset, time: RuleEvaluatorTests.t0 + seconds * RuleEvaluatorTests.second, measurement: "health", tags: [EvCore.Tag("component", "gw")], fields: [Field("status", .string(status))])
        }
        // Replay of a log in which the component went down, but the rule's alert never reached the log.
        var views = Views()
        _ = views.apply(health("connected", 0, 0))
        _ = views.apply(health("down", 1, 10))  // the rule decides to fire; the event is dropped (replay)
        #expect(views.alerts.activeAlerts.isEmpty)
        views.rules.reconcile(with: views.alerts)
        // Still down at the next health event: the alert is raised now.
        let raised = views.apply(health("down", 2, 20))
        #expect(RuleEvaluatorTests.states(raised) == ["component_down firing @20"])
    }
}

@Suite("Alert rules and late events")
struct RuleLateEventTests {
    @Test("a late health event does not resolve component_down while the component is still down")
    func lateHealthDoesNotResolve() {
        func health(_ status: String, _ s: Int64) -> Event {
            Event(time: RuleEvaluatorTests.t0 + s * RuleEvaluatorTests.second, measurement: "health", tags: [EvCore.Tag("component", "gw")], fields: [Field("status", .string(status))])
        }
        let raised = RuleEvaluatorTests.run([health("ok", 0), health("down", 20), health("ok", 10)]).raised
        #expect(RuleEvaluatorTests.states(raised) == ["component_down firing @20"])
    }
}

@Suite("Alert rules: bounded output")
struct RuleTickBoundTests {
    @Test("130,000 components falling silent at once are reported over ticks of at most tickAlertsMax alerts, none twice")
    func silenceOfMany() {
        var views = Views()
        let t0 = RuleEvaluatorTests.t0
        for k in 0..<130_000 {
            views.apply(
                Event(offset: Int64(k), time: t0, measurement: "heartbeat", tags: [EvCore.Tag("component", "c\(k)")], fields: [Field("seq", .int(1))])
            )
        }
        var fired = Set<String>()
        var raisedTotal = 0
        var ticks = 0
        while true {
            let raised = views.rules.tick(at: t0 + 61 * RuleEvaluatorTests.second + Int64(ticks), health: views.health)
            if raised.isEmpty { break }
            #expect(raised.count <= RuleEvaluator.tickAlertsMax)
            for alert in raised { fired.insert(alert.tag("component")!) }
            raisedTotal += raised.count
            ticks += 1
        }
        #expect(fired.count == 130_000 && raisedTotal == 130_000)
        #expect(ticks == (130_000 + RuleEvaluator.tickAlertsMax - 1) / RuleEvaluator.tickAlertsMax)
    }
}
