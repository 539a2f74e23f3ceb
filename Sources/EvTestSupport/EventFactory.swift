import EvCore

/// Deterministic test events: a small PRNG and builders for metric and typed events.
public struct EventFactory {
    public var state: UInt64

    public init(seed: UInt64 = 0x9E37_79B9_7F4A_7C15) {
        state = seed == 0 ? 1 : seed
    }

    public mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    public mutating func int(_ range: Range<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }

    /// A metric event in the style of the reference workload: `cpu,host=hN,core=C usage_user=…,…`.
    public mutating func metric(time: Int64, hosts: Int = 20) -> Event {
        let host = int(0..<hosts)
        let fields: [Field] = [
            Field("usage_user", .float(Double(int(0..<1000)) / 10)),
            Field("usage_system", .float(Double(int(0..<300)) / 10)),
            Field("count", .int(Int64(int(0..<1_000_000)))),
            Field("ok", .bool(int(0..<2) == 1)),
            Field("note", .string(["ok", "slow", "reset by peer"][int(0..<3)])),
        ]
        return Event(
            time: time,
            receiveTime: time + Int64(int(0..<1000)),
            measurement: "cpu",
            tags: [Tag("host", "h\(host)"), Tag("core", "\(int(0..<4))")],
            fields: fields
        )
    }

    /// `count` metric events starting at `start`, 5 s apart per 20 events.
    public mutating func metrics(_ count: Int, start: Int64 = 1_700_000_000_000_000_000) -> [Event] {
        (0..<count).map { metric(time: start + Int64($0 / 20) * 5_000_000_000) }
    }
}
