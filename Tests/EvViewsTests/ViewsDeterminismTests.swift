import EvCore
import EvViews
import PropertyBased
import Testing

/// Everything a reader can see of a `Views`, as one comparable value.
struct ViewsFingerprint: Equatable, CustomStringConvertible {
    var health: HealthView
    var reports: [HealthReport]
    var slots: SlotRegistry
    var activeSlots: [SlotRegistry.Slot]
    var history: [SlotRegistry.Change]
    var conflicts: [SlotRegistry.Change]
    var alerts: AlertHistory
    var alertList: [AlertRecord]
    var rulesFiring: [RuleEvaluator.Key: Int64]
    var rulesPending: [RuleEvaluator.Key: Int64]
    var rulesLastFired: [RuleEvaluator.Key: Int64]
    var series: [SeriesName]
    var droppedSeriesSamples: Int
    var pointCount: Int
    var timelines: [Timeline]
    var nextOffset: Int64
    var applied: Int

    init(_ views: Views, at reference: Int64) {
        health = views.health
        reports = [0, 45, 120].map { views.health.report(at: reference + $0 * Fx.s) }
        slots = views.slots
        activeSlots = views.slots.activeSlots
        history = views.slots.history.elements
        conflicts = views.slots.conflicts.elements
        alerts = views.alerts
        alertList = views.alerts.alerts()
        rulesFiring = views.rules.firing
        rulesPending = views.rules.pendingSince
        rulesLastFired = views.rules.lastFired
        series = views.timelines.series
        droppedSeriesSamples = views.timelines.droppedSeriesSamples
        pointCount = views.timelines.pointCount
        timelines = []
        for index in 0..<views.timelines.seriesCount {
            for aggregation in Timelines.Aggregation.allCases {
                for (points, step) in [(12, Int64?.none), (6, 10), (6, 60)] {
                    timelines.append(
                        try! views.timelines.query(
                            series: index,
                            end: reference,
                            points: points,
                            stepSeconds: step,
                            aggregation: aggregation
                        )
                    )
                }
            }
        }
        nextOffset = views.nextOffset
        applied = views.applied
    }

    /// The names of the parts that differ from `other` (empty when equal), for readable failures.
    func differences(from other: ViewsFingerprint) -> [String] {
        var out: [String] = []
        func check<T: Equatable>(_ name: String, _ a: T, _ b: T) { if a != b { out.append(name) } }
        check("health", health, other.health)
        check("reports", reports, other.reports)
        check("slots", slots, other.slots)
        check("activeSlots", activeSlots, other.activeSlots)
        check("history", history, other.history)
        check("conflicts", conflicts, other.conflicts)
        check("alerts", alerts, other.alerts)
        check("alertList", alertList, other.alertList)
        check("rulesFiring", rulesFiring, other.rulesFiring)
        check("rulesPending", rulesPending, other.rulesPending)
        check("rulesLastFired", rulesLastFired, other.rulesLastFired)
        check("series", series, other.series)
        check("droppedSeriesSamples", droppedSeriesSamples, other.droppedSeriesSamples)
        check("pointCount", pointCount, other.pointCount)
        check("timelines", timelines, other.timelines)
        check("nextOffset", nextOffset, other.nextOffset)
        check("applied", applied, other.applied)
        return out
    }

    var description: String { "ViewsFingerprint(next offset \(nextOffset), applied \(applied))" }
}

@Suite("Views are deterministic functions of the event sequence")
struct ViewsDeterminismTests {
    static let words = [
        "ok", "healthy", "up", "connected", "warning", "degraded", "connecting", "critical", "down", "disconnected",
        "error", "stale",
    ]

    /// Small bounds, so that a few hundred events wrap every ring and bounded log.
    static func makeViews() -> Views {
        var views = Views(
            slots: SlotRegistry(limit: 6, warningAt: 4, historyCapacity: 5, conflictCapacity: 3),
            timelines: Timelines(
                tiers: [Timelines.Tier(stepSeconds: 5, points: 12), Timelines.Tier(stepSeconds: 60, points: 6)],
                seriesMax: 8
            )
        )
        views.alerts = AlertHistory(resolvedCapacity: 4)
        return views
    }

    /// A random stream of metric, health, heartbeat, slot and alert events with random (often out-of-order) times.
    static func events(seed: UInt64) -> [Event] {
        var rng = SplitMix64(seed: seed)
        func pick<T>(_ options: [T]) -> T { options.randomElement(using: &rng)! }
        func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &rng) < percent }
        let count = Int.random(in: 0...250, using: &rng)
        let firstOffset = Int64.random(in: 0...1_000_000, using: &rng)
        var cursor = Fx.t0 + Int64.random(in: -3600...3600, using: &rng) * Fx.s
        var events: [Event] = []
        for k in 0..<count {
            switch Int.random(in: 0..<20, using: &rng) {
            case 0: cursor += Int64.random(in: 0...3 * 3600 * Fx.s, using: &rng)  // a long silence
            default: cursor += Int64.random(in: -40 * Fx.s...90 * Fx.s, using: &rng)
            }
            let time = cursor + Int64.random(in: 0..<Fx.s, using: &rng)
            let offset = firstOffset + Int64(k)
            let host = pick(["h0", "h1", "h2"])
            var tags: [Tag] = []
            var fields: [Field] = []
            let measurement: String
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<35:
                measurement = pick(["cpu", "mem", "disk", "net"])
                tags = [Tag("host", host)]
                let value = Double(Int.random(in: 0...200, using: &rng)) / 2
                switch measurement {
                case "cpu": fields = [Field("usage_idle", .float(value))]
                case "net":
                    fields = [
                        Field("iface", .string("eth0")), Field("bytes", .int(Int64.random(in: -5...5000, using: &rng))),
                        Field("up", .bool(chance(50))), Field("drops", .uint(UInt64.random(in: 0...9, using: &rng))),
                    ]
                default: fields = [Field("used_percent", .float(value))]
                }
                if chance(20) { fields.reverse() }  // another shape of the same series
            case 35..<55:
                measurement = "health"
                tags = [Tag("component", pick(["gw", "feed", "db"]))]
                if chance(40) { tags.append(Tag("host", host)) }
                var word = pick(Self.words)
                if chance(30) { word = word.uppercased() }
                fields = [Field("status", .string(word))]
                if chance(30) { fields.append(Field("host", .string(host))) }
                if chance(50) { fields.append(Field("latency_ms", .int(Int64.random(in: 0...500, using: &rng)))) }
                if chance(30) {
                    fields.append(Field(pick(["message", "msg"]), .string(pick(["slow", "reconnecting", "fine"]))))
                }
                if chance(20) { fields.append(Field("port", .int(pick([4001, 4002])))) }
                if chance(20) { fields.append(Field("client_id", .string(pick(["1", "7"])))) }
            case 55..<65:
                measurement = "heartbeat"
                tags = [Tag("component", pick(["gw", "feed", "db"]))]
                if chance(40) { tags.append(Tag("host", host)) }
                fields = [Field("seq", .int(Int64(k)))]
            case 65..<80:
                measurement = "slot"
                let conid = pick(["1", "2", "3", "4", "5", "6", "7"])
                tags = [Tag("strategy", pick(["s1", "s2"])), Tag("conid", conid), Tag("symbol", "X" + conid)]
                fields = [Field("action", .string(chance(60) ? "acquire" : "release"))]
            default:
                measurement = "alert"
                tags = [
                    Tag("alert", pick(["cpu_high", "disk_low", "custom"])),
                    Tag("severity", pick(["info", "warning", "critical"])),
                ]
                if chance(50) { tags.append(Tag("host", host)) }
                fields = [Field("state", .string(pick(["firing", "firing", "ack", "resolved"])))]
                if chance(30) { fields.append(Field("by", .string(pick(["alice", "bob"])))) }
                if chance(30) { fields.append(Field("value", .float(Double(Int.random(in: 0...100, using: &rng))))) }
                if chance(30) { fields.append(Field("message", .string("m\(k)"))) }
            }
            events.append(Event(offset: offset, time: time, measurement: measurement, tags: tags, fields: fields))
        }
        return events
    }

    /// Cuts `count` events into chunks of random sizes.
    static func chunks(_ count: Int, seed: UInt64) -> [Range<Int>] {
        var rng = SplitMix64(seed: seed ^ 0xC0FF_EE00)
        var out: [Range<Int>] = []
        var start = 0
        let largest = Int.random(in: 1...max(1, count), using: &rng)
        while start < count {
            let end = min(count, start + Int.random(in: 1...largest, using: &rng))
            out.append(start..<end)
            start = end
        }
        return out
    }

    static func reference(_ events: [Event]) -> Int64 { (events.map(\.time).max() ?? Fx.t0) + Fx.s }

    @Test("one by one, in chunks of decoded blocks, and rebuilt from scratch at every chunk: the same views")
    func oneByOneEqualsChunks() async {
        await propertyCheck(count: 150, input: Gen.uint64()) { seed in
            let events = Self.events(seed: seed)
            let at = Self.reference(events)
            var single = Self.makeViews()
            var singleRaised: [Event] = []
            var prefixes: [ViewsFingerprint] = [ViewsFingerprint(single, at: at)]
            for e in events {
                singleRaised += single.apply(e)
                prefixes.append(ViewsFingerprint(single, at: at))
            }
            #expect(single.applied == events.count)
            #expect(single.nextOffset == (events.last.map { $0.offset + 1 } ?? 0))

            var chunked = Self.makeViews()
            var chunkedRaised: [Event] = []
            var snapshots: [(views: Views, fingerprint: ViewsFingerprint)] = []
            for range in Self.chunks(events.count, seed: seed) {
                for e in Fx.decodedAsBlock(events[range]) { chunkedRaised += chunked.apply(e) }
                let fingerprint = ViewsFingerprint(chunked, at: at)
                #expect(
                    fingerprint.differences(from: prefixes[range.upperBound]) == [],
                    "seed \(seed): after \(range.upperBound) events"
                )
                snapshots.append((chunked, fingerprint))  // a reader's copy, taken as the store hands it out

                var rebuilt = Self.makeViews()
                for e in Fx.decodedAsBlock(events[..<range.upperBound]) { _ = rebuilt.apply(e) }
                #expect(
                    ViewsFingerprint(rebuilt, at: at).differences(from: fingerprint) == [],
                    "seed \(seed): rebuilt \(range.upperBound)"
                )
            }
            #expect(
                ViewsFingerprint(chunked, at: at).differences(from: ViewsFingerprint(single, at: at)) == [],
                "seed \(seed)"
            )
            #expect(chunkedRaised == singleRaised, "seed \(seed): the rules raised the same alerts")
            // Copies taken along the way did not change when the views went on (copy-on-write).
            for (k, snapshot) in snapshots.enumerated() {
                #expect(
                    ViewsFingerprint(snapshot.views, at: at).differences(from: snapshot.fingerprint) == [],
                    "seed \(seed): snapshot \(k)"
                )
            }
        }
    }

    @Test("a checkpoint at any chunk boundary, then the tail, gives the same views as applying everything")
    func checkpointThenTail() async {
        await propertyCheck(count: 100, input: Gen.uint64()) { seed in
            let events = Self.events(seed: seed)
            let at = Self.reference(events)
            var full = Self.makeViews()
            for e in events { full.apply(e) }
            var views = Self.makeViews()
            for range in Self.chunks(events.count, seed: seed) {
                for e in Fx.decodedAsBlock(events[range]) { views.apply(e) }
                let (restored, _) = try ViewsCheckpoint.decode(ViewsCheckpoint.encode(views, maxEventTime: at))
                #expect(
                    ViewsFingerprint(restored, at: at).differences(from: ViewsFingerprint(views, at: at)) == [],
                    "seed \(seed) at \(range.upperBound)"
                )
                views = restored
            }
            #expect(
                ViewsFingerprint(views, at: at).differences(from: ViewsFingerprint(full, at: at)) == [],
                "seed \(seed)"
            )
        }
    }

    @Test("nextOffset is one past the last event applied and applied counts events")
    func offsets() {
        var views = Views()
        #expect(views.nextOffset == 0 && views.applied == 0)
        views.apply(Fx.sample(1, at: Fx.t0, offset: 41))
        #expect(views.nextOffset == 42 && views.applied == 1)
        views.apply(Fx.heartbeat("gw", at: Fx.t0, offset: 42))
        views.apply(Fx.slot("acquire", conid: "1", offset: 43))
        views.apply(Fx.alert("x", "firing", at: Fx.t0, offset: 44))
        views.apply(Fx.health("gw", "ok", at: Fx.t0, offset: 45))
        #expect(views.nextOffset == 46 && views.applied == 5)
    }

    @Test("each kind of event reaches its own view only")
    func routing() {
        var views = Views()
        views.apply(Fx.sample(1, at: Fx.t0, offset: 0))
        #expect(views.timelines.seriesCount == 1 && views.health.components.isEmpty)
        views.apply(Fx.health("gw", "ok", at: Fx.t0, offset: 1))
        views.apply(Fx.heartbeat("feed", at: Fx.t0, offset: 2))
        #expect(views.health.components.count == 2 && views.timelines.seriesCount == 1)
        views.apply(Fx.slot("acquire", conid: "1", offset: 3))
        #expect(views.slots.used == 1 && views.timelines.seriesCount == 1)
        views.apply(Fx.alert("x", "firing", at: Fx.t0, offset: 4))
        #expect(views.alerts.activeAlerts.count == 1 && views.timelines.seriesCount == 1)
        #expect(views.slots.used == 1 && views.health.components.count == 2)
    }
}
