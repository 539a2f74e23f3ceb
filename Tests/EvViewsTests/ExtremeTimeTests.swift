import EvCore
import EvViews
import Testing

/// A line may carry any timestamp from `Int64.min` to `Int64.max` nanoseconds (`spec/wire-protocol.md`), and a
/// reference time comes from the clock or from `--at`: the distance between two times may not fit in an `Int64`.
@Suite("Event times at the ends of Int64")
struct ExtremeTimeTests {
    static let extremes: [Int64] = [.min, .min + 1, -Fx.t0, -1, 0, Fx.t0, .max - 1, .max]

    @Test("ages saturate: a component seen at one end of time, reported at the other, is stale or just seen")
    func healthAges() {
        for seen in Self.extremes {
            var view = HealthView()
            view.apply(Fx.heartbeat("feed", at: seen))
            view.apply(Fx.health("gw", "ok", at: seen))
            for reference in Self.extremes {
                let report = view.report(at: reference)
                let age = report.rows[0].ageNanoseconds
                #expect(age >= 0, "seen \(seen), at \(reference)")
                if reference <= seen {
                    #expect(age == 0 && report.rows[0].freshness == .fresh, "seen \(seen), at \(reference)")
                } else if reference.subtractingReportingOverflow(seen).overflow {
                    #expect(age == .max && report.rows[0].freshness == .stale, "seen \(seen), at \(reference)")
                } else {
                    #expect(age == reference - seen, "seen \(seen), at \(reference)")
                }
                var json: [UInt8] = []
                ViewsJSON.health(report, to: &json)
                #expect(!json.isEmpty)
            }
        }
    }

    @Test("the views and the default rules take events at any time, and staleness ticks at any time")
    func viewsAndRules() {
        for first in Self.extremes {
            for second in Self.extremes {
                var views = Views()
                var offset: Int64 = 0
                func apply(_ e: Event) {
                    var e = e
                    e.offset = offset
                    offset += 1
                    for var derived in views.apply(e) {
                        derived.offset = offset
                        offset += 1
                        views.apply(derived)
                    }
                }
                for time in [first, second, first] {
                    apply(
                        Event(
                            time: time,
                            measurement: "cpu",
                            tags: [Tag("host", "h")],
                            fields: [Field("usage_idle", .float(1))]
                        )
                    )
                    apply(Fx.heartbeat("feed", at: time))
                    apply(Fx.health("gw", "down", at: time))
                    apply(Fx.slot("acquire", conid: "\(offset)", at: time))
                }
                for now in Self.extremes {
                    let raised = views.rules.tick(at: now, health: views.health)
                    for var derived in raised {
                        derived.offset = offset
                        offset += 1
                        views.apply(derived)
                    }
                }
                #expect(views.applied == Int(offset), "\(first) then \(second)")
            }
        }
    }

    @Test("timeline queries at any end time, over samples at any time")
    func timelineQueries() throws {
        for time in Self.extremes {
            var timelines = Timelines(tiers: [Timelines.Tier(stepSeconds: 5), Timelines.Tier(stepSeconds: 60)])
            timelines.apply(Fx.sample(1, at: time))
            for end in Self.extremes {
                for (points, step) in [(1, Int64?.none), (720, nil), (2, 3600), (720, 60)] {
                    let t = try timelines.query(series: 0, end: end, points: points, stepSeconds: step)
                    let stepSeconds = step ?? 5
                    #expect(t.points.count == points)
                    #expect(t.times.last == Self.floorDivide(end, stepSeconds * Fx.s) * stepSeconds, "end \(end)")
                    let holds = Self.floorDivide(end, stepSeconds * Fx.s) == Self.floorDivide(time, stepSeconds * Fx.s)
                    #expect((t.values.last! != nil) == holds, "sample at \(time), end \(end)")
                }
            }
        }
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return a % b != 0 && (a < 0) != (b < 0) ? q - 1 : q
    }
}
