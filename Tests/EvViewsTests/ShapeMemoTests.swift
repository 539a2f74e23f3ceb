import EvCore
import EvViews
import Testing

/// The per-shape memos behind the views' per-event path (series of each field, rules watching a shape, the alert keys
/// of a component) must never change what the views compute: not across many shape instances, not when they are
/// forgotten at their bound, not when labels come from fields rather than tags, not for copies of the views.
@Suite("Per-shape memos and point storage")
struct ShapeMemoTests {
    @Test("more distinct shape instances than the memo holds: every sample still lands in its one series")
    func manyShapeInstances() throws {
        var timelines = Timelines()
        // Every event its own shape object (as events parsed one by one are), two series alternating; more instances
        // than the memo's bound, so it starts again at least once.
        let count = 70_000
        for k in 0..<count {
            var e = Fx.sample(Double(k % 2 == 0 ? 1 : 3), at: Fx.hour + Int64(k) * 1_000_000, series: k % 2 == 0 ? "a" : "b")
            e.offset = Int64(k)
            timelines.apply(e)
        }
        #expect(timelines.seriesCount == 2)
        let a = try timelines.query(series: 0, end: Fx.hour, points: 1, aggregation: .max)
        let b = try timelines.query(series: 1, end: Fx.hour, points: 1, aggregation: .min)
        #expect(a.values == [1] && b.values == [3])
        // 70,000 samples 1 ms apart span 70 s: the last bucket (65 … 70 s) holds the last 5,000.
        let avg = try timelines.query(series: 0, end: Fx.hour + 69 * Fx.s, points: 14, aggregation: .avg)
        #expect(avg.values.allSatisfy { $0 == 1 })
    }

    @Test("a copy of the views is not changed by what is applied to the original afterwards")
    func copyOnWrite() throws {
        var views = Views()
        for k in 0..<100 { views.apply(Fx.sample(Double(k), at: Fx.hour + Int64(k) * 5 * Fx.s)) }
        let snapshot = views
        let before = try snapshot.timelines.query(series: 0, end: Fx.hour + 495 * Fx.s, points: 720)
        for k in 0..<100 { views.apply(Fx.sample(-1, at: Fx.hour + Int64(k) * 5 * Fx.s)) }
        for k in 100..<2000 { views.apply(Fx.sample(7, at: Fx.hour + Int64(k) * 5 * Fx.s, series: "\(k % 70)")) }
        let after = try snapshot.timelines.query(series: 0, end: Fx.hour + 495 * Fx.s, points: 720)
        #expect(after == before)
        #expect(snapshot.timelines.seriesCount == 1 && views.timelines.seriesCount == 71)
        #expect(try views.timelines.query(series: 0, end: Fx.hour + 495 * Fx.s, points: 1, aggregation: .min).values == [-1])
    }

    @Test("health events of one shape whose host is a field, not a tag: each host gets its own alert")
    func hostFieldLabels() {
        let events = Fx.decodedAsBlock(
            ["a", "b", "a"].enumerated().map { k, host in
                Fx.health("db", k == 2 ? "ok" : "down", at: Fx.at(Int64(k)), fields: [Field("host", .string(host))])
            }
        )
        #expect(events[0].shape === events[1].shape)
        var views = Views()
        var raised: [Event] = []
        for (k, var e) in events.enumerated() {
            e.offset = Int64(k)
            raised += views.apply(e)
        }
        #expect(
            raised.map { "\($0.tag("alert")!) \($0.tag("host")!) \($0.field("state")!.stringValue!)" }
                == ["component_down a firing", "component_down b firing", "component_down a resolved"]
        )
    }
}
