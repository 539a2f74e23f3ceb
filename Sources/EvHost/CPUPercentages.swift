/// How an interval of CPU time was spent, in percent (summing to 100).
public struct CPUPercentages: Sendable, Hashable {
    public var user, nice, system, idle, iowait, irq, softirq, steal: Double

    /// Busy: everything but idle and waiting for I/O (what `top` calls used).
    public var active: Double { max(0, 100 - idle - iowait) }
}
