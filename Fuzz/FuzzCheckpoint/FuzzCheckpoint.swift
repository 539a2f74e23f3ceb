import EvCore
import EvStorage
import EvViews
import FuzzSupport

/// libFuzzer target: the views checkpoint decoder (`ViewsCheckpoint.decode`) and the checkpoint file envelope
/// around it (`CheckpointFile.payload`, LZ4 included).
///
/// Each input is tried as a checkpoint payload and as a checkpoint file, each as is and with its length and CRC
/// fixed up (`Fuzz.fixingCheckpointChecksum`, `Fuzz.fixingCheckpointFileChecksum`) so that mutations reach the
/// body decoders. Properties checked besides "does not trap": restored views encode to a checkpoint that decodes,
/// and encodes again to the same bytes (encode ∘ decode is idempotent); the restored views answer a health report,
/// JSON, timeline queries, and take more events, as evqd does after loading a checkpoint.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: size))
    CheckpointTarget.payload(bytes)
    if let fixed = Fuzz.fixingCheckpointChecksum(bytes) { CheckpointTarget.payload(fixed) }
    CheckpointTarget.file(bytes)
    if let fixed = Fuzz.fixingCheckpointFileChecksum(bytes) { CheckpointTarget.file(fixed) }
    return 0
}

enum CheckpointTarget {
    static func file(_ bytes: [UInt8]) {
        guard case .success(let payload) = CheckpointFile.payload(fromFile: bytes) else { return }
        self.payload(payload)
        if let fixed = Fuzz.fixingCheckpointChecksum(payload) { self.payload(fixed) }
    }

    static func payload(_ bytes: [UInt8]) {
        let restored: (views: Views, maxEventTime: Int64, anchor: ViewsCheckpoint.Anchor?)
        do throws(ViewsCheckpoint.DecodeError) {
            restored = try ViewsCheckpoint.decodeAnchored(bytes)
        } catch {
            Fuzz.check(!error.description.isEmpty, "empty decode error")
            return
        }
        let encoded = ViewsCheckpoint.encode(restored.views, maxEventTime: restored.maxEventTime, anchor: restored.anchor)
        let again: (views: Views, maxEventTime: Int64, anchor: ViewsCheckpoint.Anchor?)
        do throws(ViewsCheckpoint.DecodeError) {
            again = try ViewsCheckpoint.decodeAnchored(encoded)
        } catch {
            Fuzz.fail("restored views encode to a checkpoint that does not decode: \(error)")
        }
        Fuzz.check(again.maxEventTime == restored.maxEventTime, "max event time changes")
        Fuzz.check(again.anchor == restored.anchor, "the anchor changes")
        Fuzz.check(
            ViewsCheckpoint.encode(again.views, maxEventTime: again.maxEventTime, anchor: again.anchor) == encoded,
            "encode(decode(encode(decode(x)))) != encode(decode(x))"
        )
        use(restored.views, at: restored.maxEventTime)
    }

    /// What evqd and evq do with views after loading them: reports, JSON, queries, more events.
    static func use(_ restored: Views, at time: Int64) {
        var views = restored
        var out: [UInt8] = []
        ViewsJSON.health(views.health.report(at: time), to: &out)
        ViewsJSON.slots(views.slots, to: &out)
        ViewsJSON.alerts(views.alerts.alerts(), history: views.alerts, to: &out)
        query(views.timelines, at: time)
        // The log numbers events below Int64.max (BlockHeader.decode), and evqd applies a checkpoint's tail only when
        // its nextOffset is within the log: offsets past that are not events evqd could apply.
        let offset = views.nextOffset
        let events = events(at: time)
        guard offset >= 0 && offset < Int64.max - Int64(events.count) else { return }
        for (k, event) in events.enumerated() {
            var e = event
            e.offset = offset &+ Int64(k)
            views.apply(e)
        }
        _ = views.rules.tick(at: time &+ 3_600_000_000_000, health: views.health)
        query(views.timelines, at: time)
        ViewsJSON.health(views.health.report(at: time), to: &out)
    }

    static func query(_ timelines: Timelines, at time: Int64) {
        let points = timelines.tiers.map(\.points).min() ?? 1
        for series in 0..<min(timelines.seriesCount, 8) {
            for aggregation in Timelines.Aggregation.allCases {
                if let timeline = try? timelines.query(series: series, end: time, points: min(points, 64), aggregation: aggregation) {
                    var out: [UInt8] = []
                    ViewsJSON.timeline(timeline, to: &out)
                }
            }
        }
    }

    /// One event of every kind, at and around `time`.
    static func events(at time: Int64) -> [Event] {
        let t = time
        return [
            Event(time: t, measurement: "cpu", tags: [Tag("host", "h0")], fields: [Field("usage_idle", .float(5))]),
            Event(time: t &+ 1, measurement: "mem", fields: [Field("used_percent", .float(99)), Field("n", .int(1))]),
            Event(
                time: t,
                measurement: "health",
                tags: [Tag("component", "gw"), Tag("host", "h0")],
                fields: [Field("status", .string("down")), Field("latency_ms", .int(12))]
            ),
            Event(time: t &- 5_000_000_000, measurement: "heartbeat", tags: [Tag("component", "feed")], fields: [Field("seq", .int(1))]),
            Event(
                time: t,
                measurement: "slot",
                tags: [Tag("strategy", "mm"), Tag("conid", "1"), Tag("symbol", "AAPL")],
                fields: [Field("action", .string("acquire"))]
            ),
            Event(
                time: t,
                measurement: "slot",
                tags: [Tag("strategy", "mm"), Tag("conid", "2"), Tag("symbol", "MSFT")],
                fields: [Field("action", .string("release"))]
            ),
            Event(
                time: t,
                measurement: "alert",
                tags: [Tag("alert", "cpu_high"), Tag("severity", "critical")],
                fields: [Field("state", .string("resolved"))]
            ),
            Event(time: .min, measurement: "cpu", tags: [Tag("host", "h0")], fields: [Field("usage_idle", .float(50))]),
            Event(time: .max, measurement: "cpu", tags: [Tag("host", "h0")], fields: [Field("usage_idle", .float(50))]),
        ]
    }
}
