import EvCore
import EvViews
import Testing

/// Builders for the reducer tests (Swift Testing also has a `Tag`, hence the qualified name).
enum Make {
    static let t0: Int64 = 1_763_650_000_000_000_000
    static let s: Int64 = 1_000_000_000

    static func health(_ component: String, _ status: String, at seconds: Int64, host: String? = nil, fields: [Field] = [], offset: Int64 = 0) -> Event {
        var tags = [EvCore.Tag("component", component)]
        if let host { tags.append(EvCore.Tag("host", host)) }
        return Event(offset: offset, time: t0 + seconds * s, measurement: "health", tags: tags, fields: [Field("status", .string(status))] + fields)
    }

    static func heartbeat(_ component: String, at seconds: Int64) -> Event {
        Event(time: t0 + seconds * s, measurement: "heartbeat", tags: [EvCore.Tag("component", component)], fields: [Field("seq", .int(1))])
    }

    static func slot(_ action: String, strategy: String = "s", conid: String, at seconds: Int64 = 0) -> Event {
        Event(time: t0 + seconds * s, measurement: "slot", tags: [EvCore.Tag("strategy", strategy), EvCore.Tag("conid", conid), EvCore.Tag("symbol", "X" + conid)], fields: [Field("action", .string(action))])
    }

    static func alert(_ name: String, _ state: String, at seconds: Int64, host: String? = nil, by: String? = nil) -> Event {
        var tags = [EvCore.Tag("alert", name), EvCore.Tag("severity", "warning")]
        if let host { tags.append(EvCore.Tag("host", host)) }
        var fields = [Field("state", .string(state))]
        if let by { fields.append(Field("by", .string(by))) }
        return Event(time: t0 + seconds * s, measurement: "alert", tags: tags, fields: fields)
    }

    static func metric(_ value: Double, at seconds: Int64, series: String = "a") -> Event {
        Event(time: t0 + seconds * s, measurement: "m", tags: [EvCore.Tag("id", series)], fields: [Field("v", .float(value)), Field("note", .string("x"))])
    }
}

@Suite("Health view")
struct HealthViewTests {
    @Test("status words set colour and since; a heartbeat only refreshes last_seen", arguments: [
        ("Connected", "connected", HealthColor.green), ("DEGRADED", "degraded", .yellow), ("down", "down", .red),
    ])
    func statusAndHeartbeat(word: String, lowered: String, color: HealthColor) {
        var view = HealthView()
        view.apply(Make.health("gw", word, at: 0))
        view.apply(Make.heartbeat("gw", at: 20))
        let c = view.components[ComponentKey(component: "gw")]!
        #expect(c.status == lowered && c.color == color)
        #expect(c.since == Make.t0)
        #expect(c.lastSeen == Make.t0 + 20 * Make.s)
    }

    @Test("since moves only when the status word changes; a late event does not undo a newer status")
    func sinceAndOrder() {
        var view = HealthView()
        view.apply(Make.health("gw", "ok", at: 0))
        view.apply(Make.health("gw", "ok", at: 10))
        #expect(view.components[ComponentKey(component: "gw")]!.since == Make.t0)
        view.apply(Make.health("gw", "degraded", at: 20))
        view.apply(Make.health("gw", "ok", at: 5))  // arrives late: older than the status it would replace
        let c = view.components[ComponentKey(component: "gw")]!
        #expect(c.status == "degraded")
        #expect(c.since == Make.t0 + 20 * Make.s)
        #expect(c.lastSeen == Make.t0 + 20 * Make.s)
    }

    @Test("freshness boundaries: fresh below 30 s, warning from 30 s to 60 s, stale above 60 s", arguments: [
        (Int64(29_999), Freshness.fresh), (30_000, .warning), (60_000, .warning), (60_001, .stale),
    ])
    func freshness(ageMillis: Int64, expected: Freshness) {
        var view = HealthView()
        view.apply(Make.heartbeat("feed", at: 0))
        let report = view.report(at: Make.t0 + ageMillis * 1_000_000)
        #expect(report.rows[0].freshness == expected)
        #expect(report.rows[0].effectiveColor == expected.color)  // no status: coloured by freshness only
    }

    @Test("shown colour is the worse of status and freshness; overall is the worst; score is the mean")
    func overallAndScore() {
        var view = HealthView()
        view.apply(Make.health("a", "ok", at: 100))
        view.apply(Make.health("b", "degraded", at: 100))
        view.apply(Make.health("c", "ok", at: 50))  // 55 s old at t = 105: warning → yellow
        view.apply(Make.health("d", "ok", at: 0))  // 105 s old: stale → red
        let report = view.report(at: Make.t0 + 105 * Make.s)
        #expect(report.rows.map(\.effectiveColor) == [.green, .yellow, .yellow, .red])
        #expect(report.overall == .red)
        #expect(report.score == 50)  // (100 + 50 + 50 + 0) / 4
        #expect(HealthView().report(at: 0).score == 100)
    }

    @Test("components are told apart by host; latency, message (or msg), port and client_id are kept")
    func hostAndFields() {
        var view = HealthView()
        view.apply(Make.health("gw", "ok", at: 0, host: "h1", fields: [Field("latency_ms", .int(12)), Field("msg", .string("fine")), Field("port", .int(4002)), Field("client_id", .string("7"))]))
        view.apply(Make.health("gw", "down", at: 0, host: "h2"))
        #expect(view.components.count == 2)
        let h1 = view.components[ComponentKey(component: "gw", host: "h1")]!
        #expect(h1.latencyMs == 12 && h1.message == "fine" && h1.port == "4002" && h1.clientID == "7")
        #expect(view.components[ComponentKey(component: "gw", host: "h2")]?.color == .red)
    }
}

@Suite("Slot registry")
struct SlotRegistryTests {
    @Test("acquire and release; double acquire and release without acquire are conflicts that change nothing")
    func conflicts() {
        var slots = SlotRegistry(limit: 3, warningAt: 2)
        slots.apply(Make.slot("acquire", conid: "1", at: 1))
        slots.apply(Make.slot("acquire", conid: "1", at: 2))  // double
        slots.apply(Make.slot("release", conid: "9", at: 3))  // without acquire
        slots.apply(Make.slot("acquire", conid: "2", at: 4))
        #expect(slots.used == 2 && slots.isWarning)
        #expect(slots.activeSlots.map(\.conid) == ["1", "2"])
        #expect(slots.activeSlots[0].since == Make.t0 + Make.s)  // the double acquire kept the first since
        #expect(slots.conflicts.elements.map(\.kind) == [.doubleAcquire, .releaseWithoutAcquire])
        slots.apply(Make.slot("release", conid: "1", at: 5))
        #expect(slots.used == 1 && !slots.isWarning)
        #expect(slots.history.elements.map(\.kind) == [.acquire, .acquire, .release])
    }

    @Test("history is bounded and counts what it forgot")
    func bounded() {
        var slots = SlotRegistry(historyCapacity: 3)
        for k in 0..<5 { slots.apply(Make.slot("acquire", conid: "\(k)")) }
        #expect(slots.history.count == 3 && slots.history.appended == 5 && slots.history.forgotten == 2)
        #expect(slots.history.elements.map(\.conid) == ["2", "3", "4"])
    }
}

@Suite("Alert history")
struct AlertHistoryTests {
    @Test("firing → ack → resolved keeps who acknowledged and when; re-firing counts; labels tell alerts apart")
    func lifecycle() {
        var alerts = AlertHistory()
        alerts.apply(Make.alert("cpu", "firing", at: 0, host: "a"))
        alerts.apply(Make.alert("cpu", "firing", at: 1, host: "b"))
        alerts.apply(Make.alert("cpu", "firing", at: 2, host: "a"))  // re-fire
        alerts.apply(Make.alert("cpu", "ack", at: 3, host: "a", by: "alice"))
        alerts.apply(Make.alert("cpu", "resolved", at: 4, host: "a"))
        alerts.apply(Make.alert("cpu", "resolved", at: 5, host: "zzz"))  // unmatched
        #expect(alerts.activeAlerts.map { $0.labels["host"] } == ["b"])
        let done = alerts.resolved.elements[0]
        #expect(done.refires == 1 && done.ackedBy == "alice" && done.ackedAt == Make.t0 + 3 * Make.s)
        #expect(done.resolvedAt == Make.t0 + 4 * Make.s && done.state == .resolved)
        #expect(alerts.unmatched == 1)
        #expect(alerts.firedBySeverity == ["warning": 2])
        // Since 4 s: "a" resolved then, "b" is still active; both are listed (oldest fired first).
        #expect(alerts.alerts(since: Make.t0 + 4 * Make.s).map { $0.labels["host"] } == ["a", "b"])
        #expect(alerts.alerts(since: Make.t0 + 6 * Make.s).map { $0.labels["host"] } == ["b"])
        #expect(alerts.alerts(activeOnly: true).count == 1)
    }
}

@Suite("Timelines")
struct TimelinesTests {
    static func values(_ t: Timeline) -> [Float32?] { t.points.map(\.value) }

    @Test("exactly N points aligned to the step, ending at the bucket of `end`, gaps as nil")
    func alignmentAndGaps() throws {
        var timelines = Timelines()
        timelines.apply(Make.metric(1, at: 0))
        timelines.apply(Make.metric(2, at: 12))
        let t = try timelines.query(series: 0, end: Make.t0 + 14 * Make.s, points: 4)
        #expect(t.points.map(\.time) == [-5, 0, 5, 10].map { Make.t0 / Make.s + $0 })
        #expect(Self.values(t) == [nil, 1, nil, 2])
        #expect(t.series.description == "m,id=a v")  // the string field is not a series
        #expect(timelines.seriesCount == 1)
    }

    @Test("aggregates per bucket: avg, min, max, last")
    func aggregates() throws {
        var timelines = Timelines()
        for (k, v) in [4.0, 1, 7].enumerated() { timelines.apply(Make.metric(v, at: Int64(k))) }
        let end = Make.t0 + 4 * Make.s
        #expect(Self.values(try timelines.query(series: 0, end: end, points: 1, aggregation: .avg)) == [4])
        #expect(Self.values(try timelines.query(series: 0, end: end, points: 1, aggregation: .min)) == [1])
        #expect(Self.values(try timelines.query(series: 0, end: end, points: 1, aggregation: .max)) == [7])
        #expect(Self.values(try timelines.query(series: 0, end: end, points: 1, aggregation: .last)) == [7])
    }

    @Test("the ring keeps 720 buckets: older ones are gone, a jump clears what it skips, late samples land or drop")
    func ring() throws {
        var timelines = Timelines(tiers: [Timelines.Tier(stepSeconds: 5, points: 10)])
        for k in 0..<15 { timelines.apply(Make.metric(Double(k), at: Int64(k) * 5)) }  // 15 buckets into a ring of 10
        var t = try timelines.query(series: 0, end: Make.t0 + 70 * Make.s, points: 10)
        #expect(Self.values(t) == (5..<15).map { Float32($0) })
        timelines.apply(Make.metric(99, at: 5 * 5))  // late, but bucket 5 is still in the ring
        timelines.apply(Make.metric(-1, at: 0))  // older than the ring: dropped
        t = try timelines.query(series: 0, end: Make.t0 + 70 * Make.s, points: 10)
        #expect(t.points[0].value == 52)  // (5 + 99) / 2: a late sample is averaged in with weight ½
        timelines.apply(Make.metric(100, at: 90))  // jump of 4 buckets: 15, 16, 17 cleared
        t = try timelines.query(series: 0, end: Make.t0 + 90 * Make.s, points: 5)
        #expect(Self.values(t) == [14, nil, nil, nil, 100])
    }

    @Test("a coarser step combines buckets; bad steps and point counts are refused with a reason")
    func steps() throws {
        var timelines = Timelines(tiers: [Timelines.Tier(stepSeconds: 5), Timelines.Tier(stepSeconds: 60, points: 10)])
        let base = Make.t0 / (60 * Make.s) * (60 * Make.s)  // minute-aligned
        for k in 0..<24 {
            timelines.apply(Event(time: base + Int64(k) * 5 * Make.s, measurement: "m", fields: [Field("v", .int(Int64(k)))]))
        }
        let end = base + 115 * Make.s
        #expect(Self.values(try timelines.query(series: 0, end: end, points: 2, stepSeconds: 60, aggregation: .max)) == [11, 23])
        #expect(Self.values(try timelines.query(series: 0, end: end, points: 2, stepSeconds: 10, aggregation: .min)) == [20, 22])
        #expect(throws: Timelines.QueryError.self) { try timelines.query(series: 0, end: end, points: 0) }
        do {
            _ = try timelines.query(series: 0, end: end, points: 10, stepSeconds: 7)
            Issue.record("a 7 s step was accepted")
        } catch {
            #expect(error.description.contains("step 7s is not a multiple"))
        }
    }

    @Test("the series limit drops and counts samples of further series; memory is 16 bytes per point")
    func limitAndMemory() {
        var timelines = Timelines(seriesMax: 2)
        for id in ["a", "b", "c"] { timelines.apply(Make.metric(1, at: 0, series: id)) }
        #expect(timelines.seriesCount == 2)
        #expect(timelines.droppedSeriesSamples == 1)
        #expect(timelines.pointBytes == 16 * timelines.pointCount)
        #expect(timelines.pointCount == 2 * 720)
    }

    @Test("equal shapes from different blocks map to the same series")
    func shapeInstances() {
        var timelines = Timelines()
        for k in 0..<3 { timelines.apply(Make.metric(Double(k), at: Int64(k))) }  // a new EventShape each time
        #expect(timelines.seriesCount == 1)
    }
}
