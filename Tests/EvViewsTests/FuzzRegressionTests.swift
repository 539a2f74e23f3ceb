import EvCore
import EvViews
import Testing

/// Inputs the fuzz targets (`Fuzz/`, `tools/fuzz`) found to trap, rebuilt as plain tests: a decoder must reject
/// damage with an error, and what it accepts must be state the views can go on from.
@Suite("Fuzz regressions: view checkpoints")
struct FuzzRegressionTests {
    /// A views checkpoint written by hand from `spec/views.md` ("Checkpoints"), so that a test can put any value in
    /// any count: empty health, one slot history, one active alert, one timeline series (tier 5 s × 1 point), no
    /// rule state.
    struct HandCheckpoint {
        var applied: UInt64 = 1
        var slotHistoryAppended: UInt64 = 0
        var refires: UInt64 = 0
        var unmatched: UInt64 = 0
        var firedCritical: UInt64 = 1
        var seriesMax: UInt64 = 1
        var dropped: UInt64 = 0
        var headBucket: Int64 = Fx.t0 / 5_000_000_000

        func bytes() -> [UInt8] {
            var body: [UInt8] = []
            func varint(_ v: UInt64) { ByteWriter.appendVarint(v, to: &body) }
            func i64(_ v: Int64) { varint(ByteWriter.zigzag(v)) }
            func string(_ s: String) {
                varint(UInt64(s.utf8.count))
                body.append(contentsOf: s.utf8)
            }
            varint(0)  // health: no components
            varint(100)  // slots: limit
            varint(90)  // warning at
            varint(0)  // no active slots
            varint(10)  // history: capacity, appended, none kept
            varint(slotHistoryAppended)
            varint(0)
            varint(10)  // conflicts: capacity, appended, none kept
            varint(0)
            varint(0)
            varint(1)  // alerts: one active record
            string("disk_full")
            varint(0)  // no labels
            string("critical")
            string("firing")
            i64(Fx.t0)  // fired at
            body += [0, 0, 0, 0, 0]  // no ackedBy, ackedAt, resolvedAt, message, value
            varint(refires)
            i64(0)  // offset
            varint(10)  // resolved: capacity, appended, none kept
            varint(0)
            varint(0)
            varint(unmatched)
            varint(1)  // fired by severity
            string("critical")
            varint(firedCritical)
            varint(seriesMax)  // timelines
            varint(dropped)
            varint(1)  // one tier: 5 s × 1 point
            i64(5_000_000_000)
            varint(1)
            let series = seriesMax > 0
            varint(series ? 1 : 0)
            if series {
                string("cpu")
                varint(1)
                string("host")
                string("h0")
                string("usage_idle")
            }
            varint(series ? 1 : 0)  // the tier's ring: heads, counts, points
            if series {
                i64(headBucket)
                varint(1)
            }
            varint(series ? 4 : 0)
            if series {
                for value: Float32 in [50, 50, 50, 50] { ByteWriter.appendU32(value.bitPattern, to: &body) }
            }
            varint(0)  // no rule state
            varint(0)  // no event taken at its future-skew limit (version 2)
            i64(Views.defaultMaxFutureSkew)
            body.append(0)  // no anchor block

            var out: [UInt8] = []
            ByteWriter.appendU32(ViewsCheckpoint.magic, to: &out)
            ByteWriter.appendU16(ViewsCheckpoint.version, to: &out)
            ByteWriter.appendU16(0, to: &out)
            ByteWriter.appendU64(UInt64(bitPattern: 7), to: &out)  // next offset
            ByteWriter.appendU64(applied, to: &out)
            ByteWriter.appendU64(UInt64(bitPattern: Fx.t0), to: &out)  // max event time
            ByteWriter.appendU64(UInt64(body.count), to: &out)
            out += body
            ByteWriter.appendU32(CRC32C.checksum(out), to: &out)
            return out
        }
    }

    @Test("the hand-written checkpoint decodes, and the views go on from it")
    func handCheckpointDecodes() throws {
        var (views, maxEventTime) = try ViewsCheckpoint.decode(HandCheckpoint().bytes())
        #expect(maxEventTime == Fx.t0)
        #expect(views.nextOffset == 7 && views.applied == 1)
        #expect(views.alerts.activeAlerts.map(\.alert) == ["disk_full"])
        #expect(views.timelines.seriesCount == 1)
        for event in Self.counterEvents { views.apply(event) }
        #expect(views.applied == 1 + Self.counterEvents.count)
    }

    /// One event per count below: each adds one to it.
    static let counterEvents: [Event] = [
        Event(
            offset: 7,
            time: Fx.t0,
            measurement: "slot",
            tags: [Tag("strategy", "s"), Tag("conid", "1"), Tag("symbol", "X")],
            fields: [Field("action", .string("acquire"))]
        ),
        Fx.alert("disk_full", "firing", severity: "critical", at: Fx.t0, offset: 8),  // refires
        Fx.alert("cpu_high", "ack", severity: "critical", at: Fx.t0, offset: 9),  // unmatched
        Fx.alert("mem_high", "firing", severity: "critical", at: Fx.t0, offset: 10),  // fired by severity
        Event(offset: 11, time: Fx.t0, measurement: "mem", tags: [Tag("host", "h0")], fields: [Field("used", .float(1))]),
    ]

    /// Each count a checkpoint holds, set to `value`.
    static func counts(_ value: UInt64) -> [(String, HandCheckpoint)] {
        var applied = HandCheckpoint()
        applied.applied = value
        var history = HandCheckpoint()
        history.slotHistoryAppended = value
        var refires = HandCheckpoint()
        refires.refires = value
        var unmatched = HandCheckpoint()
        unmatched.unmatched = value
        var fired = HandCheckpoint()
        fired.firedCritical = value
        var dropped = HandCheckpoint()
        dropped.dropped = value
        return [
            ("events applied", applied), ("slot history appended", history), ("alert refires", refires),
            ("unmatched alert events", unmatched), ("alerts fired by severity", fired),
            ("dropped series samples", dropped),
        ]
    }

    @Test(
        "a count of Int.max (or more) in a checkpoint is damage: rejected, not left to overflow on the next event",
        arguments: counts(UInt64(Int.max)) + counts(.max)
    )
    func hugeCountRejected(name: String, checkpoint: HandCheckpoint) {
        do {
            var (views, _) = try ViewsCheckpoint.decode(checkpoint.bytes())
            // Before the fix the count decoded (or trapped converting to Int), and this overflowed it.
            for event in Self.counterEvents { views.apply(event) }
            Issue.record("\(name): a checkpoint holding \(checkpoint) decoded")
        } catch {
            #expect(error.description.hasPrefix("checkpoint: bad"), "\(name): \(error)")
        }
    }

    @Test("counts just below 2^62 decode, and the views count on from them", arguments: counts((1 << 62) - 16))
    func largeCountAccepted(name: String, checkpoint: HandCheckpoint) throws {
        var (views, _) = try ViewsCheckpoint.decode(checkpoint.bytes())
        for event in Self.counterEvents { views.apply(event) }
        let again = ViewsCheckpoint.encode(views, maxEventTime: Fx.t0)
        #expect(throws: Never.self, "\(name)") { try ViewsCheckpoint.decode(again) }
    }

    static func cpu(at time: Int64, offset: Int64) -> Event {
        Event(offset: offset, time: time, measurement: "cpu", tags: [Tag("host", "h0")], fields: [Field("usage_idle", .float(5))])
    }

    /// A head bucket is `floor(time / step)` of an event time, or Int64.min for a series without samples.
    static let step: Int64 = 5_000_000_000
    static let possibleHeads: [Int64] = [.min, Int64.min / step - 1, -1, 0, Fx.t0 / step, Int64.max / step]
    static let impossibleHeads: [Int64] = [.min + 1, Int64.min / step - 2, Int64.max / step + 1, .max / 2, .max]

    @Test("a timeline head bucket that no event time gives is damage: rejected, not left to overflow", arguments: impossibleHeads)
    func impossibleHeadRejected(head: Int64) {
        var checkpoint = HandCheckpoint()
        checkpoint.headBucket = head
        do {
            var (views, _) = try ViewsCheckpoint.decode(checkpoint.bytes())
            // Before the fix the head decoded, and an event or a query overflowed on it.
            for (k, time) in [Fx.t0, .min, .max].enumerated() {
                views.apply(Self.cpu(at: time, offset: 7 + Int64(k)))
                _ = try? views.timelines.query(series: 0, end: time, points: 1)
            }
            Issue.record("a checkpoint with head bucket \(head) decoded")
        } catch {
            #expect(error.description == "checkpoint: bad head bucket", "\(head): \(error)")
        }
    }

    @Test("every head bucket an event time gives decodes, and the timeline takes events at any time", arguments: possibleHeads)
    func possibleHeadAccepted(head: Int64) throws {
        var checkpoint = HandCheckpoint()
        checkpoint.headBucket = head
        var (views, _) = try ViewsCheckpoint.decode(checkpoint.bytes())
        for (k, time) in [Fx.t0, .min, .max, Fx.t0].enumerated() {
            _ = try views.timelines.query(series: 0, end: time, points: 1)
            views.apply(Self.cpu(at: time, offset: 7 + Int64(k)))
        }
        _ = try ViewsCheckpoint.decode(ViewsCheckpoint.encode(views, maxEventTime: .max))
    }
}
