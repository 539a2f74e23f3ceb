/// One CPU's (or all CPUs') time counters from `/proc/stat`, in clock ticks since boot.
public struct CPUTimes: Sendable, Hashable {
    public var user: UInt64 = 0
    public var nice: UInt64 = 0
    public var system: UInt64 = 0
    public var idle: UInt64 = 0
    public var iowait: UInt64 = 0
    public var irq: UInt64 = 0
    public var softirq: UInt64 = 0
    public var steal: UInt64 = 0

    public init() {}

    /// Every counted state (guest time is already inside user and nice).
    public var total: UInt64 { user &+ nice &+ system &+ idle &+ iowait &+ irq &+ softirq &+ steal }

    /// Percent of the interval since `earlier` spent in each state; `nil` when no time passed or a counter went
    /// backwards (the CPU went offline and came back, a reboot).
    public func percentages(since earlier: CPUTimes) -> CPUPercentages? {
        let pairs = [
            (user, earlier.user), (nice, earlier.nice), (system, earlier.system), (idle, earlier.idle),
            (iowait, earlier.iowait), (irq, earlier.irq), (softirq, earlier.softirq), (steal, earlier.steal),
        ]
        guard pairs.allSatisfy({ $0.0 >= $0.1 }) else { return nil }
        let deltas = pairs.map { Double($0.0 - $0.1) }
        let sum = deltas.reduce(0, +)
        guard sum > 0 else { return nil }
        let p = deltas.map { $0 / sum * 100 }
        return CPUPercentages(
            user: p[0], nice: p[1], system: p[2], idle: p[3], iowait: p[4], irq: p[5], softirq: p[6], steal: p[7]
        )
    }
}
