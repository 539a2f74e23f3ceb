import EvCore
import EvViews
import Testing

/// Issue 15, items 4–5: an event dated in the future (a client clock ahead) hid a real `down` that arrived after it
/// (the live view stayed green, no `component_down`) while a replay at now showed red; one sample two days ahead
/// emptied a series' timeline. Event times beyond `maxFutureSkew` of their receive time are taken at that limit.
@Suite("Event times ahead of their receive time")
struct FutureSkewTests {
    static let s = Fx.s

    /// `event` as received at `receiveTime`.
    static func received(_ event: Event, at receiveTime: Int64, offset: Int64) -> Event {
        var e = event
        e.receiveTime = receiveTime
        e.offset = offset
        return e
    }

    @Test("a health event a day (or 120 s) ahead does not hide a down received after it", arguments: [86_400, 120, 2])
    func futureStatusDoesNotHideDown(aheadSeconds: Int64) {
        let r = Fx.at(0)
        let (raised, views) = RuleEvaluatorTests.run([
            Self.received(Fx.health("gw", "ok", at: r + aheadSeconds * Self.s), at: r, offset: 0),
            Self.received(Fx.health("gw", "down", at: r + Self.s), at: r + Self.s, offset: 1),
        ])
        let report = views.health.report(at: r + 2 * Self.s)
        #expect(report.rows[0].health.status == "down")
        #expect(report.overall == .red)
        #expect(raised.map { $0.tag("alert") } == ["component_down"])
        #expect(views.futureEvents == (aheadSeconds * Self.s > Views.defaultMaxFutureSkew ? 1 : 0))
        #expect(report.rows[0].health.futureEvents == views.futureEvents)
    }

    @Test("even within the skew, a status dated after the next one's arrival does not hide it")
    func withinSkew() {
        let r = Fx.at(0)
        let (_, views) = RuleEvaluatorTests.run(
            [
                Self.received(Fx.health("gw", "ok", at: r + 120 * Self.s), at: r, offset: 0),
                Self.received(Fx.health("gw", "down", at: r + Self.s), at: r + Self.s, offset: 1),
            ],
            maxFutureSkew: 300 * Self.s
        )
        #expect(views.health.report(at: r + 2 * Self.s).rows[0].health.status == "down")
        #expect(views.futureEvents == 0)
    }

    @Test("a late arrival older than the current status still does not replace it")
    func lateArrivalStillIgnored() {
        let r = Fx.at(0)
        let (_, views) = RuleEvaluatorTests.run([
            Self.received(Fx.health("gw", "ok", at: r), at: r, offset: 0),
            Self.received(Fx.health("gw", "down", at: r - 30 * Self.s), at: r + Self.s, offset: 1),
        ])
        #expect(views.health.report(at: r + 2 * Self.s).rows[0].health.status == "ok")
    }

    @Test("a heartbeat from the future does not keep a silent component fresh")
    func futureHeartbeatAges() {
        let r = Fx.at(0)
        var views = Views()
        views.apply(Self.received(Fx.heartbeat("feed", at: r + 86_400 * Self.s), at: r, offset: 0))
        let row = views.health.report(at: r + 120 * Self.s).rows[0]
        #expect(row.freshness == .stale)
        #expect(row.health.lastSeen == r + Views.defaultMaxFutureSkew)
    }

    @Test("one sample two days ahead does not empty a series' timeline")
    func futureSampleKeepsTimeline() throws {
        var views = Views()
        let start = Fx.hour
        var offset: Int64 = 0
        for k in 0..<30 {
            let t = start + Int64(k) * 5 * Self.s
            views.apply(Self.received(Fx.sample(Double(k), at: t), at: t, offset: offset))
            offset += 1
        }
        let now = start + 29 * 5 * Self.s
        views.apply(Self.received(Fx.sample(99, at: now + 2 * 86_400 * Self.s), at: now, offset: offset))
        let timeline = try views.timelines.query(series: 0, end: now, points: 30)
        #expect(timeline.values.compactMap { $0 }.count == 30)
        #expect(views.futureEvents == 1)
    }

    @Test("the time the views take an event at, at the ends of Int64")
    func viewTimeExtremes() {
        let views = Views()
        for (time, receive, expected) in [
            (Int64.max, Int64.max, Int64.max), (Int64.max, 0, Views.defaultMaxFutureSkew), (Int64.min, Int64.max, Int64.min),
            (Int64.max, Int64.max - 1, Int64.max), (5, 5, 5), (Int64.max, Int64.min, Int64.min + Views.defaultMaxFutureSkew),
        ] {
            let e = Event(time: time, receiveTime: receive, measurement: "m", fields: [Field("v", .int(1))])
            #expect(views.viewTime(of: e) == expected, "time \(time), received \(receive)")
        }
    }
}
