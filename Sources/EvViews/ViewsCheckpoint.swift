import EvCore

/// The binary snapshot of all views with the offset they cover (`spec/views.md`, "Checkpoints").
///
/// ```
/// u32 magic "EVQC"  u16 version  u16 reserved  i64 nextOffset  i64 applied  i64 maxEventTime
/// u64 bodyBytes  body…  u32 CRC-32C of everything before it
/// ```
/// The body (health, slots, alerts, timelines) is written with varints and length-prefixed strings; float
/// arrays as raw little-endian `Float32`. Storage compresses the whole file; this codec only encodes.
public enum ViewsCheckpoint {
    public static let magic: UInt32 = 0x4351_5645  // "EVQC"
    /// 2: per component the count of events beyond the future skew and the receive time of its status; after the rules, the views' count of them and
    /// the skew they were applied with. A version-1 checkpoint is not read (the log is replayed once).
    public static let version: UInt16 = 2
    static let headerSize = 40

    public struct DecodeError: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = "checkpoint: " + description }
    }

    /// What binds a checkpoint to its log: the first offset and body CRC-32C of the last block it covers. A checkpoint
    /// copied from another data directory names a block this log does not have, and is not used (issue 15, item 16).
    public struct Anchor: Sendable, Hashable {
        public var firstOffset: Int64
        public var bodyCRC: UInt32

        public init(firstOffset: Int64, bodyCRC: UInt32) {
            self.firstOffset = firstOffset
            self.bodyCRC = bodyCRC
        }
    }

    /// Encodes `views`; `maxEventTime` is the newest event time applied (for `--at` reuse); `anchor` the last block
    /// the views cover (`nil` for empty views).
    public static func encode(_ views: Views, maxEventTime: Int64, anchor: Anchor? = nil) -> [UInt8] {
        var body = Writer()
        body.health(views.health)
        body.slots(views.slots)
        body.alerts(views.alerts)
        body.timelines(views.timelines)
        body.rules(views.rules)
        body.varint(views.futureEvents)
        body.i64(views.maxFutureSkew)
        body.optional(anchor) { w, a in
            w.i64(a.firstOffset)
            w.varint(Int(a.bodyCRC))
        }
        var out: [UInt8] = []
        out.reserveCapacity(headerSize + body.bytes.count + 4)
        ByteWriter.appendU32(magic, to: &out)
        ByteWriter.appendU16(version, to: &out)
        ByteWriter.appendU16(0, to: &out)
        ByteWriter.appendU64(UInt64(bitPattern: views.nextOffset), to: &out)
        ByteWriter.appendU64(UInt64(views.applied), to: &out)
        ByteWriter.appendU64(UInt64(bitPattern: maxEventTime), to: &out)
        ByteWriter.appendU64(UInt64(body.bytes.count), to: &out)
        out.append(contentsOf: body.bytes)
        ByteWriter.appendU32(CRC32C.checksum(out), to: &out)
        return out
    }

    /// Decodes a checkpoint, checking magic, version, length and CRC.
    /// Decodes a checkpoint, checking magic, version, length and CRC. Rule state is kept for the rules in `rules`
    /// (matched by name); state of rules no longer configured is dropped.
    public static func decode(
        _ bytes: [UInt8],
        rules: [AlertRule] = AlertRule.defaults
    ) throws(DecodeError) -> (views: Views, maxEventTime: Int64) {
        let (views, maxEventTime, _) = try decodeAnchored(bytes, rules: rules)
        return (views, maxEventTime)
    }

    /// `decode`, with the anchor the checkpoint was written with (to check against the log before using it).
    public static func decodeAnchored(
        _ bytes: [UInt8],
        rules: [AlertRule] = AlertRule.defaults
    ) throws(DecodeError) -> (views: Views, maxEventTime: Int64, anchor: Anchor?) {
        let result: Result<(Views, Int64, Anchor?), DecodeError> = bytes.withUnsafeBytes { raw in
            do throws(DecodeError) {
                return .success(try decode(raw, rules: rules))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    static func decode(_ raw: UnsafeRawBufferPointer, rules: [AlertRule]) throws(DecodeError) -> (Views, Int64, Anchor?) {
        guard raw.count >= headerSize + 4 else { throw DecodeError("truncated (\(raw.count) bytes)") }
        let crcPosition = raw.count - 4
        guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<crcPosition]))
            == raw.loadUnaligned(fromByteOffset: crcPosition, as: UInt32.self).littleEndian
        else { throw DecodeError("checksum mismatch") }
        var header = ByteReader(UnsafeRawBufferPointer(rebasing: raw[0..<headerSize]))
        guard header.readU32() == magic else { throw DecodeError("bad magic") }
        let version = header.readU16()!
        guard version == Self.version else { throw DecodeError("unsupported version \(version)") }
        _ = header.readU16()
        let nextOffset = Int64(bitPattern: header.readU64()!)
        // A larger count is damage (a CRC collision or a bug): reject it rather than trap on it (see counterMax).
        let applied = header.readU64()!
        guard applied <= UInt64(counterMax) else { throw DecodeError("bad event count") }
        let maxEventTime = Int64(bitPattern: header.readU64()!)
        let bodyBytes = header.readU64()!
        guard bodyBytes == UInt64(crcPosition - headerSize) else { throw DecodeError("body length mismatch") }
        var reader = Reader(ByteReader(UnsafeRawBufferPointer(rebasing: raw[headerSize..<crcPosition])))
        let health = try reader.health()
        var slots = SlotRegistry(limit: try reader.varint(), warningAt: try reader.varint())
        try reader.slotsState(into: &slots)
        var views = Views(slots: slots, timelines: Timelines(), rules: RuleEvaluator(rules: rules))
        views.health = health
        views.alerts = try reader.alerts()
        views.timelines = try reader.timelines()
        try reader.rules(into: &views.rules)
        views.futureEvents = try reader.varint(counterMax)
        views.maxFutureSkew = try reader.i64()
        guard views.maxFutureSkew >= 0 else { throw DecodeError("bad future skew") }
        var anchor: Anchor?
        if try reader.flag() {
            let first = try reader.i64()
            let crc = try reader.varint(Int(UInt32.max))
            anchor = Anchor(firstOffset: first, bodyCRC: UInt32(crc))
        }
        guard reader.isAtEnd else { throw DecodeError("trailing bytes") }
        views.nextOffset = nextOffset
        views.applied = Int(applied)
        return (views, maxEventTime, anchor)
    }

    // MARK: - Writing

    struct Writer {
        var bytes: [UInt8] = []

        mutating func varint(_ v: Int) { ByteWriter.appendVarint(UInt64(v), to: &bytes) }
        mutating func i64(_ v: Int64) { ByteWriter.appendVarint(ByteWriter.zigzag(v), to: &bytes) }
        mutating func f64(_ v: Double) { ByteWriter.appendU64(v.bitPattern, to: &bytes) }
        mutating func string(_ s: String) {
            varint(s.utf8.count)
            bytes.append(contentsOf: s.utf8)
        }
        mutating func optional<T>(_ v: T?, _ write: (inout Writer, T) -> Void) {
            guard let v else {
                bytes.append(0)
                return
            }
            bytes.append(1)
            write(&self, v)
        }
        mutating func floats(_ values: [Float32]) {
            varint(values.count)
            values.withUnsafeBytes { bytes.append(contentsOf: $0) }  // little-endian on every supported platform
        }

        mutating func health(_ view: HealthView) {
            let components = view.components.values.sorted { $0.key < $1.key }
            varint(components.count)
            for c in components {
                string(c.key.component)
                optional(c.key.host) { $0.string($1) }
                optional(c.status) { $0.string($1) }
                bytes.append(c.color?.rawValue ?? 0xFF)
                optional(c.since) { $0.i64($1) }
                i64(c.lastSeen)
                optional(c.latencyMs) { $0.f64($1) }
                optional(c.message) { $0.string($1) }
                optional(c.port) { $0.string($1) }
                optional(c.clientID) { $0.string($1) }
                optional(c.statusTime) { $0.i64($1) }
                i64(c.offset)
                varint(c.futureEvents)
                optional(c.statusReceiveTime) { $0.i64($1) }
            }
        }

        mutating func change(_ c: SlotRegistry.Change) {
            string(c.kind.rawValue)
            string(c.strategy)
            string(c.conid)
            string(c.symbol)
            i64(c.time)
            i64(c.offset)
        }

        mutating func changes(_ log: BoundedLog<SlotRegistry.Change>) {
            varint(log.capacity)
            varint(log.appended)
            let elements = log.elements
            varint(elements.count)
            for c in elements { change(c) }
        }

        mutating func slots(_ s: SlotRegistry) {
            varint(s.limit)
            varint(s.warningAt)
            let active = s.activeSlots
            varint(active.count)
            for slot in active {
                string(slot.strategy)
                string(slot.conid)
                string(slot.symbol)
                i64(slot.since)
                i64(slot.offset)
            }
            changes(s.history)
            changes(s.conflicts)
        }

        mutating func record(_ r: AlertRecord) {
            string(r.alert)
            varint(r.labels.count)
            for key in r.labels.keys.sorted() {
                string(key)
                string(r.labels[key]!)
            }
            string(r.severity)
            string(r.state.rawValue)
            i64(r.firedAt)
            optional(r.ackedBy) { $0.string($1) }
            optional(r.ackedAt) { $0.i64($1) }
            optional(r.resolvedAt) { $0.i64($1) }
            optional(r.message) { $0.string($1) }
            optional(r.value) { $0.f64($1) }
            varint(r.refires)
            i64(r.offset)
        }

        mutating func alerts(_ a: AlertHistory) {
            let active = a.activeAlerts
            varint(active.count)
            for r in active { record(r) }
            varint(a.resolved.capacity)
            varint(a.resolved.appended)
            let resolved = a.resolved.elements
            varint(resolved.count)
            for r in resolved { record(r) }
            varint(a.unmatched)
            varint(a.firedBySeverity.count)
            for key in a.firedBySeverity.keys.sorted() {
                string(key)
                varint(a.firedBySeverity[key]!)
            }
        }

        mutating func rules(_ e: RuleEvaluator) {
            func order(_ key: RuleEvaluator.Key) -> String {
                String(key.rule) + "\u{0}" + key.labels.map { $0.key + "=" + $0.value }.joined(separator: "\u{0}")
            }
            let pendingSince = e.pendingSince
            let firing = e.firing
            let lastFired = e.lastFired
            var all = Set(pendingSince.keys)
            all.formUnion(firing.keys)
            all.formUnion(lastFired.keys)
            let keys = all.sorted { order($0) < order($1) }
            varint(keys.count)
            for key in keys {
                string(e.rules[key.rule].name)
                varint(key.labels.count)
                for tag in key.labels {
                    string(tag.key)
                    string(tag.value)
                }
                optional(pendingSince[key]) { $0.i64($1) }
                optional(firing[key]) { $0.i64($1) }
                optional(lastFired[key]) { $0.i64($1) }
            }
        }

        mutating func timelines(_ t: Timelines) {
            varint(t.seriesMax)
            varint(t.droppedSeriesSamples)
            varint(t.tiers.count)
            for tier in t.tiers {
                i64(tier.stepNanoseconds)
                varint(tier.points)
            }
            varint(t.seriesNames.count)
            for name in t.seriesNames {
                string(name.measurement)
                varint(name.tags.count)
                for tag in name.tags {
                    string(tag.key)
                    string(tag.value)
                }
                string(name.field)
            }
            for ring in t.rings {
                varint(ring.headBucket.count)
                for b in ring.headBucket { i64(b) }
                for c in ring.headCount { varint(Int(c)) }
                floats(ring.exportPoints())
            }
        }
    }

    // MARK: - Rule state (appended to the writer and reader below)

    // MARK: - Reading

    /// Largest count (events applied, alerts fired, samples dropped …) a checkpoint may hold. Counts grow by one per
    /// event and the log numbers fewer than 2^63 events, so a real count is far below; a larger one is damage, and
    /// accepting it would make the next `+= 1` of its reducer trap.
    static let counterMax = 1 << 62

    struct Reader {
        var r: ByteReader

        init(_ r: ByteReader) { self.r = r }

        var isAtEnd: Bool { r.isAtEnd }

        mutating func varint(_ max: Int = Int(Int32.max)) throws(DecodeError) -> Int {
            guard let v = r.readVarint(), v <= UInt64(max) else { throw DecodeError("bad count") }
            return Int(v)
        }
        mutating func i64() throws(DecodeError) -> Int64 {
            guard let v = r.readVarint() else { throw DecodeError("truncated") }
            return ByteWriter.unzigzag(v)
        }
        mutating func f64() throws(DecodeError) -> Double {
            guard let v = r.readU64() else { throw DecodeError("truncated") }
            return Double(bitPattern: v)
        }
        mutating func string() throws(DecodeError) -> String {
            let n = try varint(r.remaining)
            guard let raw = r.readBytes(n), let s = String(validating: raw, as: UTF8.self) else {
                throw DecodeError("bad string")
            }
            return s
        }
        mutating func flag() throws(DecodeError) -> Bool {
            guard let b = r.readU8(), b <= 1 else { throw DecodeError("bad flag") }
            return b == 1
        }
        mutating func optionalString() throws(DecodeError) -> String? { try flag() ? try string() : nil }
        mutating func optionalI64() throws(DecodeError) -> Int64? { try flag() ? try i64() : nil }
        mutating func optionalF64() throws(DecodeError) -> Double? { try flag() ? try f64() : nil }
        mutating func floats(_ expected: Int) throws(DecodeError) -> [Float32] {
            let n = try varint(r.remaining / 4)
            guard n == expected, let raw = r.readBytes(n * 4) else { throw DecodeError("bad float array") }
            return [Float32](unsafeUninitializedCapacity: n) { buffer, count in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw)
                count = n
            }
        }

        mutating func health() throws(DecodeError) -> HealthView {
            var view = HealthView()
            for _ in 0..<(try varint(r.remaining)) {
                let key = ComponentKey(component: try string(), host: try optionalString())
                let status = try optionalString()
                guard let colorByte = r.readU8() else { throw DecodeError("truncated") }
                let color = HealthColor(rawValue: colorByte)
                guard color != nil || colorByte == 0xFF else { throw DecodeError("bad colour") }
                let since = try optionalI64()
                var c = ComponentHealth(key: key, lastSeen: try i64(), offset: 0)
                c.status = status
                c.color = color
                c.since = since
                c.latencyMs = try optionalF64()
                c.message = try optionalString()
                c.port = try optionalString()
                c.clientID = try optionalString()
                c.statusTime = try optionalI64()
                c.offset = try i64()
                c.futureEvents = try varint(counterMax)
                c.statusReceiveTime = try optionalI64()
                view.components[key] = c
            }
            return view
        }

        mutating func change() throws(DecodeError) -> SlotRegistry.Change {
            guard let kind = SlotRegistry.Change.Kind(rawValue: try string()) else { throw DecodeError("bad slot change") }
            return SlotRegistry.Change(
                kind: kind,
                strategy: try string(),
                conid: try string(),
                symbol: try string(),
                time: try i64(),
                offset: try i64()
            )
        }

        mutating func changes() throws(DecodeError) -> BoundedLog<SlotRegistry.Change> {
            var log = BoundedLog<SlotRegistry.Change>(capacity: max(1, try varint()))
            let appended = try varint(counterMax)
            let count = try varint(log.capacity)
            for _ in 0..<count { log.append(try change()) }
            log.appended = appended
            return log
        }

        mutating func slotsState(into slots: inout SlotRegistry) throws(DecodeError) {
            for _ in 0..<(try varint(r.remaining)) {
                let slot = SlotRegistry.Slot(
                    strategy: try string(),
                    conid: try string(),
                    symbol: try string(),
                    since: try i64(),
                    offset: try i64()
                )
                slots.active[SlotRegistry.Key(strategy: slot.strategy, conid: slot.conid)] = slot
            }
            slots.history = try changes()
            slots.conflicts = try changes()
        }

        mutating func record() throws(DecodeError) -> AlertRecord {
            let alert = try string()
            var labels: [String: String] = [:]
            for _ in 0..<(try varint(r.remaining)) { labels[try string()] = try string() }
            let severity = try string()
            guard let state = AlertRecord.State(rawValue: try string()) else { throw DecodeError("bad alert state") }
            return AlertRecord(
                alert: alert,
                labels: labels,
                severity: severity,
                state: state,
                firedAt: try i64(),
                ackedBy: try optionalString(),
                ackedAt: try optionalI64(),
                resolvedAt: try optionalI64(),
                message: try optionalString(),
                value: try optionalF64(),
                refires: try varint(counterMax),
                offset: try i64()
            )
        }

        mutating func alerts() throws(DecodeError) -> AlertHistory {
            var active: [AlertRecord] = []
            for _ in 0..<(try varint(r.remaining)) { active.append(try record()) }
            var history = AlertHistory(resolvedCapacity: max(1, try varint()))
            let appended = try varint(counterMax)
            for _ in 0..<(try varint(history.resolved.capacity)) { history.resolved.append(try record()) }
            history.resolved.appended = appended
            for record in active { history.active[AlertHistory.Key(alert: record.alert, labels: record.labels)] = record }
            history.unmatched = try varint(counterMax)
            for _ in 0..<(try varint(r.remaining)) { history.firedBySeverity[try string()] = try varint(counterMax) }
            return history
        }

        mutating func rules(into e: inout RuleEvaluator) throws(DecodeError) {
            for _ in 0..<(try varint(r.remaining)) {
                let name = try string()
                var labels: [Tag] = []
                for _ in 0..<(try varint(r.remaining)) { labels.append(Tag(try string(), try string())) }
                let pending = try optionalI64()
                let firing = try optionalI64()
                let last = try optionalI64()
                guard let rule = e.index(ofRule: name) else { continue }
                e.restore(RuleEvaluator.Key(rule: rule, labels: labels), pendingSince: pending, firing: firing, lastFired: last)
            }
        }

        mutating func timelines() throws(DecodeError) -> Timelines {
            let seriesMax = try varint()
            let dropped = try varint(counterMax)
            var tiers: [Timelines.Tier] = []
            for _ in 0..<(try varint(16)) {
                let step = try i64()
                let points = try varint(1 << 20)
                guard step > 0, step % 1_000_000_000 == 0, points > 0 else { throw DecodeError("bad tier") }
                tiers.append(Timelines.Tier(stepSeconds: step / 1_000_000_000, points: points))
            }
            guard !tiers.isEmpty else { throw DecodeError("no tiers") }
            var timelines = Timelines(tiers: tiers, seriesMax: seriesMax)
            timelines.droppedSeriesSamples = dropped
            let count = try varint(seriesMax)
            for _ in 0..<count {
                let measurement = try string()
                var tags: [Tag] = []
                for _ in 0..<(try varint(r.remaining)) { tags.append(Tag(try string(), try string())) }
                let name = SeriesName(measurement: measurement, tags: tags, field: try string())
                guard timelines.index(of: name) == nil else { throw DecodeError("series \(name) twice") }
                _ = timelines.addSeries(name)
            }
            for t in timelines.rings.indices {
                let points = timelines.rings[t].tier.points
                guard try varint() == count else { throw DecodeError("ring size mismatch") }
                // A head is the bucket of an event time, floor(time / step), or Int64.min for a series without
                // samples; any other value would overflow the rings' bucket arithmetic on the next event or query.
                let step = timelines.rings[t].tier.stepNanoseconds
                let headRange = Timelines.floorDivide(.min, step)...Timelines.floorDivide(.max, step)
                var heads: [Int64] = []
                for _ in 0..<count {
                    let head = try i64()
                    guard head == .min || headRange.contains(head) else { throw DecodeError("bad head bucket") }
                    heads.append(head)
                }
                var counts: [UInt32] = []
                for _ in 0..<count { counts.append(UInt32(try varint(Int(UInt32.max)))) }
                let values = try floats(count * points * 4)
                timelines.rings[t].headBucket = heads
                timelines.rings[t].headCount = counts
                timelines.rings[t].importPoints(values)
            }
            return timelines
        }
    }
}
