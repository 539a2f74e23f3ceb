import EvCore
import EvViews
import Testing

@Suite("View checkpoints")
struct CheckpointTests {
    /// A small scripted history touching every view.
    static func scriptedEvents() -> [Event] {
        let t: Int64 = 1_763_650_000_000_000_000
        var events: [Event] = []
        func add(_ time: Int64, _ measurement: String, _ tags: [EvCore.Tag], _ fields: [Field]) {
            events.append(Event(offset: Int64(events.count), time: time, measurement: measurement, tags: tags, fields: fields))
        }
        for k in 0..<100 {
            add(t + Int64(k) * 1_000_000_000, "cpu", [EvCore.Tag("host", "h0")], [Field("usage", .float(Double(k))), Field("n", .int(Int64(k)))])
        }
        add(t, "health", [EvCore.Tag("component", "gw"), EvCore.Tag("host", "h0")], [Field("status", .string("connected")), Field("latency_ms", .int(12))])
        add(t + 5_000_000_000, "heartbeat", [EvCore.Tag("component", "feed")], [Field("seq", .int(1))])
        add(t + 6_000_000_000, "slot", [EvCore.Tag("strategy", "mm"), EvCore.Tag("conid", "1"), EvCore.Tag("symbol", "AAPL")], [Field("action", .string("acquire"))])
        add(t + 7_000_000_000, "slot", [EvCore.Tag("strategy", "mm"), EvCore.Tag("conid", "2"), EvCore.Tag("symbol", "MSFT")], [Field("action", .string("release"))])
        add(t + 8_000_000_000, "alert", [EvCore.Tag("alert", "cpu_high"), EvCore.Tag("severity", "critical")], [Field("state", .string("firing")), Field("value", .float(93.5))])
        add(t + 9_000_000_000, "alert", [EvCore.Tag("alert", "cpu_high"), EvCore.Tag("severity", "critical")], [Field("state", .string("ack")), Field("by", .string("alice"))])
        add(t + 10_000_000_000, "alert", [EvCore.Tag("alert", "disk"), EvCore.Tag("severity", "warning")], [Field("state", .string("firing"))])
        add(t + 11_000_000_000, "alert", [EvCore.Tag("alert", "disk"), EvCore.Tag("severity", "warning")], [Field("state", .string("resolved"))])
        return events
    }

    static func render(_ views: Views, at: Int64) -> String {
        var out: [UInt8] = []
        ViewsJSON.health(views.health.report(at: at), to: &out)
        ViewsJSON.slots(views.slots, to: &out)
        ViewsJSON.alerts(views.alerts.alerts(), history: views.alerts, to: &out)
        for index in 0..<views.timelines.seriesCount {
            ViewsJSON.timeline(try! views.timelines.query(series: index, end: at, points: 720), to: &out)
        }
        return String(decoding: out, as: UTF8.self) + " \(views.nextOffset) \(views.applied)"
    }

    @Test("a checkpoint restores every view exactly, and applying the tail after it equals a full replay")
    func roundTripAndTail() throws {
        let events = Self.scriptedEvents()
        let at = events.map(\.time).max()! + 1
        for split in [0, 1, 50, 100, events.count] {
            var head = Views()
            for e in events[..<split] { head.apply(e) }
            let bytes = ViewsCheckpoint.encode(head, maxEventTime: 42)
            var (restored, maxTime) = try ViewsCheckpoint.decode(bytes)
            #expect(maxTime == 42)
            #expect(Self.render(restored, at: at) == Self.render(head, at: at))
            for e in events[split...] { restored.apply(e) }
            var full = Views()
            for e in events { full.apply(e) }
            #expect(Self.render(restored, at: at) == Self.render(full, at: at), "split at \(split)")
        }
    }

    @Test("every single-byte corruption and every truncation of a checkpoint is rejected, never a trap")
    func corruptionRejected() {
        var views = Views()
        for e in Self.scriptedEvents() { views.apply(e) }
        let bytes = ViewsCheckpoint.encode(views, maxEventTime: 0)
        for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 500)) {
            #expect(throws: ViewsCheckpoint.DecodeError.self) { try ViewsCheckpoint.decode(Array(bytes[..<cut])) }
        }
        for position in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 500)) {
            var damaged = bytes
            damaged[position] ^= 0x40
            #expect(throws: ViewsCheckpoint.DecodeError.self) { try ViewsCheckpoint.decode(damaged) }
        }
    }
}
