/// `/proc/stat`: CPU time per CPU and in total, context switches, boot time, process counts.
public struct ProcStat: Sendable, Hashable {
    public var total = CPUTimes()
    /// Per CPU, by number (`cpu3` → 3); CPUs that are offline are absent.
    public var cpus: [Int: CPUTimes] = [:]
    public var contextSwitches: UInt64 = 0
    /// Boot time, unix seconds.
    public var bootTime: Int64 = 0
    public var processesRunning = 0
    public var processesBlocked = 0

    public init() {}

    /// Parses the file's text; `nil` when it has no `cpu` line (not a `/proc/stat`). Lines it does not know are
    /// skipped; a CPU line with fewer columns (old kernels) leaves the missing states at zero.
    public static func parse(_ text: String) -> ProcStat? {
        var stat = ProcStat()
        var sawTotal = false
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let key = words.first else { continue }
            if key.hasPrefix("cpu") {
                var times = CPUTimes()
                let values = words.dropFirst().map { UInt64($0) }
                guard values.count >= 4, values.allSatisfy({ $0 != nil }) else { continue }
                let v = values.map { $0! }
                times.user = v[0]
                times.nice = v[1]
                times.system = v[2]
                times.idle = v[3]
                if v.count > 4 { times.iowait = v[4] }
                if v.count > 5 { times.irq = v[5] }
                if v.count > 6 { times.softirq = v[6] }
                if v.count > 7 { times.steal = v[7] }
                if key == "cpu" {
                    stat.total = times
                    sawTotal = true
                } else if let n = Int(key.dropFirst(3)) {
                    stat.cpus[n] = times
                }
                continue
            }
            guard words.count >= 2 else { continue }
            switch key {
            case "ctxt": stat.contextSwitches = UInt64(words[1]) ?? 0
            case "btime": stat.bootTime = Int64(words[1]) ?? 0
            case "procs_running": stat.processesRunning = Int(words[1]) ?? 0
            case "procs_blocked": stat.processesBlocked = Int(words[1]) ?? 0
            default: continue
            }
        }
        return sawTotal ? stat : nil
    }
}
