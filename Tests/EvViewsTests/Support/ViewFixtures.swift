import EvCore
import EvViews

/// Swift Testing also has a `Tag` type; in this target `Tag` is a line-protocol tag.
typealias Tag = EvCore.Tag

/// Event builders for the view tests. Times are nanoseconds since the epoch.
enum Fx {
    static let s: Int64 = 1_000_000_000
    /// 2025-11-20T14:46:40Z.
    static let t0: Int64 = 1_763_650_000 * s
    /// 2025-11-20T15:00:00Z: aligned to every step the timeline tests use (5 s … 1 h).
    static let hour: Int64 = 1_763_650_800 * s

    /// `t0` plus `seconds`.
    static func at(_ seconds: Int64) -> Int64 { t0 + seconds * s }

    static func health(
        _ component: String,
        _ status: String,
        at time: Int64,
        host: String? = nil,
        fields: [Field] = [],
        offset: Int64 = 0
    ) -> Event {
        var tags = [Tag("component", component)]
        if let host { tags.append(Tag("host", host)) }
        return Event(
            offset: offset,
            time: time,
            measurement: "health",
            tags: tags,
            fields: [Field("status", .string(status))] + fields
        )
    }

    static func heartbeat(
        _ component: String,
        at time: Int64,
        host: String? = nil,
        fields: [Field] = [Field("seq", .int(1))],
        offset: Int64 = 0
    ) -> Event {
        var tags = [Tag("component", component)]
        if let host { tags.append(Tag("host", host)) }
        return Event(offset: offset, time: time, measurement: "heartbeat", tags: tags, fields: fields)
    }

    static func slot(
        _ action: String,
        strategy: String = "mm",
        conid: String,
        symbol: String? = nil,
        at time: Int64 = t0,
        offset: Int64 = 0
    ) -> Event {
        Event(
            offset: offset,
            time: time,
            measurement: "slot",
            tags: [Tag("strategy", strategy), Tag("conid", conid), Tag("symbol", symbol ?? "S\(conid)")],
            fields: [Field("action", .string(action))]
        )
    }

    static func alert(
        _ name: String,
        _ state: String,
        severity: String = "warning",
        labels: [Tag] = [],
        fields: [Field] = [],
        at time: Int64,
        offset: Int64 = 0
    ) -> Event {
        Event(
            offset: offset,
            time: time,
            measurement: "alert",
            tags: [Tag("alert", name), Tag("severity", severity)] + labels,
            fields: [Field("state", .string(state))] + fields
        )
    }

    /// One float sample of series `m,id=<series> v` (plus a string field, which is not a series).
    static func sample(_ value: Double, at time: Int64, series: String = "a", offset: Int64 = 0) -> Event {
        Event(
            offset: offset,
            time: time,
            measurement: "m",
            tags: [Tag("id", series)],
            fields: [Field("v", .float(value)), Field("note", .string("x"))]
        )
    }

    /// The events as a decoded block has them: fresh `EventShape` instances, one per distinct shape in the batch.
    static func decodedAsBlock(_ events: some Sequence<Event>) -> [Event] {
        var shapes: [EventShape: EventShape] = [:]
        return events.map { e in
            let shape: EventShape
            if let known = shapes[e.shape] {
                shape = known
            } else {
                shape = EventShape(
                    measurement: e.shape.measurement,
                    tags: e.shape.tags,
                    fieldKeys: e.shape.fieldKeys,
                    fieldTypes: e.shape.fieldTypes
                )
                shapes[e.shape] = shape
            }
            return Event(offset: e.offset, time: e.time, receiveTime: e.receiveTime, shape: shape, values: e.values)
        }
    }
}

/// A small deterministic generator (SplitMix64), to turn generated seeds into events.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Timeline {
    var values: [Float32?] { points.map(\.value) }
    var times: [Int64] { points.map(\.time) }
}
