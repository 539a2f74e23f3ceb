#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvCore

/// Samples this host from Linux's `/proc` and `statfs` (no shelling out), as psutil does, and returns the samples as
/// line-protocol events tagged `host=<name>` (`spec/host-metrics.md`). Rates and CPU percentages are over the
/// interval since the previous sample; the first sample has none of them.
///
/// Not thread-safe: one collector calls it.
public final class HostSampler {
    /// Where `/proc` is (tests point it at fixture trees).
    public var procRoot: String
    public let host: String
    /// How many processes to report by CPU and by memory.
    public let topProcesses: Int
    /// When set, only processes whose name matches one of these globs are reported in the top lists.
    public let processFilter: [Glob]
    /// Measure mounted filesystems with `statfs` (off in fixture tests: the paths are the real machine's).
    public let statFilesystems: Bool
    /// The process whose own figures are reported as measurement `evqd` (this process by default).
    public let selfPID: Int

    private var previous: Previous?
    private let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
    private let pageBytes = UInt64(sysconf(Int32(_SC_PAGESIZE)))

    struct Previous {
        var time: Int64
        var stat: ProcStat
        var net: NetDevStats
        var disks: DiskStats
        var processTicks: [Int: UInt64]
    }

    public init(
        procRoot: String = "/proc",
        host: String? = nil,
        topProcesses: Int = 10,
        processFilter: [String] = [],
        statFilesystems: Bool = true,
        selfPID: Int = Int(getpid())
    ) {
        self.procRoot = procRoot
        self.host = host ?? Self.hostName()
        self.topProcesses = topProcesses
        self.processFilter = processFilter.map(Glob.init)
        self.statFilesystems = statFilesystems
        self.selfPID = selfPID
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func read(_ path: String) -> String? {
        let fd = open(procRoot + "/" + path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            out += chunk[..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// One sample at `time` (nanoseconds since the epoch): the events to store.
    public func sample(at time: Int64) -> [Event] {
        var events: [Event] = []
        let hostTag = Tag("host", host)
        func add(_ measurement: String, _ tags: [Tag] = [], _ fields: [Field]) {
            guard !fields.isEmpty else { return }
            events.append(Event(time: time, measurement: measurement, tags: [hostTag] + tags, fields: fields))
        }
        let stat = read("stat").flatMap(ProcStat.parse)
        let net = NetDevStats.parse(read("net/dev") ?? "")
        let disks = DiskStats.parse(read("diskstats") ?? "")
        let uptime = read("uptime").flatMap { Double($0.split(separator: " ").first ?? "") }
        let seconds = previous.map { Double(time - $0.time) / 1e9 }

        // CPU: percentages over the interval, total and per core.
        var cpuActive: Double?
        if let stat, let before = previous?.stat {
            if let p = stat.total.percentages(since: before.total) {
                add("cpu", [], Self.cpuFields(p))
                cpuActive = p.active
            }
            for (n, times) in stat.cpus.sorted(by: { $0.key < $1.key }) {
                guard let earlier = before.cpus[n], let p = times.percentages(since: earlier) else { continue }
                add("cpu_core", [Tag("core", "\(n)")], Self.cpuFields(p))
            }
        }
        // System: load, CPU count, uptime, boot time, context switches per second, frequency.
        var system: [Field] = []
        if let load = read("loadavg").flatMap(LoadAverage.parse) {
            system += [Field("load1", .float(load.one)), Field("load5", .float(load.five)), Field("load15", .float(load.fifteen))]
        }
        if let stat {
            system.append(Field("n_cpus", .int(Int64(stat.cpus.count))))
            system.append(Field("boot_time", .int(stat.bootTime)))
            if let before = previous?.stat, let seconds,
                let rate = CounterRate.perSecond(from: before.contextSwitches, to: stat.contextSwitches, seconds: seconds)
            {
                system.append(Field("context_switches_per_s", .float(rate)))
            }
        }
        if let uptime { system.append(Field("uptime_s", .float(uptime))) }
        if let mhz = Self.cpuMHz(read("cpuinfo") ?? "") { system.append(Field("cpu_mhz", .float(mhz))) }
        add("system", [], system)

        // Memory and swap.
        var memUsed: Double?
        if let mem = read("meminfo").flatMap(MemInfo.parse) {
            let total = mem["MemTotal"]
            let available = mem.bytes["MemAvailable"] ?? (mem["MemFree"] + mem["Buffers"] + mem["Cached"])
            let used = total > available ? total - available : 0
            let percent = total > 0 ? Double(used) / Double(total) * 100 : 0
            memUsed = percent
            add("mem", [], [
                Field("total", .int(Int64(clamping: total))), Field("available", .int(Int64(clamping: available))),
                Field("used", .int(Int64(clamping: used))), Field("free", .int(Int64(clamping: mem["MemFree"]))),
                Field("cached", .int(Int64(clamping: mem["Cached"]))), Field("buffered", .int(Int64(clamping: mem["Buffers"]))),
                Field("used_percent", .float(percent)),
                Field("available_percent", .float(total > 0 ? Double(available) / Double(total) * 100 : 0)),
            ])
            let swapTotal = mem["SwapTotal"]
            let swapFree = mem["SwapFree"]
            let swapUsed = swapTotal > swapFree ? swapTotal - swapFree : 0
            add("swap", [], [
                Field("total", .int(Int64(clamping: swapTotal))), Field("used", .int(Int64(clamping: swapUsed))),
                Field("free", .int(Int64(clamping: swapFree))),
                Field("used_percent", .float(swapTotal > 0 ? Double(swapUsed) / Double(swapTotal) * 100 : 0)),
            ])
        }

        // Filesystems: usage as psutil computes it (used / (used + available to users)).
        var diskUsed: [(String, Double)] = []
        if statFilesystems {
            let table = MountTable.parse(mounts: read("self/mounts") ?? "", filesystems: read("filesystems") ?? "")
            for mount in table.mounts {
                var s = statvfs()
                guard statvfs(mount.path, &s) == 0, s.f_blocks > 0 else { continue }
                let block = UInt64(s.f_frsize > 0 ? s.f_frsize : s.f_bsize)
                let total = UInt64(s.f_blocks) * block
                let free = UInt64(s.f_bfree) * block
                let available = UInt64(s.f_bavail) * block
                let used = total - free
                let percent = used + available > 0 ? Double(used) / Double(used + available) * 100 : 0
                diskUsed.append((mount.path, percent))
                add("disk", [Tag("path", mount.path), Tag("device", mount.device), Tag("fstype", mount.type)], [
                    Field("total", .int(Int64(clamping: total))), Field("used", .int(Int64(clamping: used))),
                    Field("free", .int(Int64(clamping: available))), Field("used_percent", .float(percent)),
                ])
            }
        }

        // Disk and network I/O rates.
        if let before = previous, let seconds {
            for (name, now) in disks.devices.sorted(by: { $0.key < $1.key }) {
                guard let then = before.disks.devices[name] else { continue }
                var fields: [Field] = []
                func rate(_ field: String, _ a: UInt64, _ b: UInt64, scale: Double = 1) {
                    if let r = CounterRate.perSecond(from: a, to: b, seconds: seconds) { fields.append(Field(field, .float(r * scale))) }
                }
                rate("read_bytes_per_s", then.sectorsRead, now.sectorsRead, scale: 512)
                rate("write_bytes_per_s", then.sectorsWritten, now.sectorsWritten, scale: 512)
                rate("reads_per_s", then.reads, now.reads)
                rate("writes_per_s", then.writes, now.writes)
                add("diskio", [Tag("device", name)], fields)
            }
            for (name, now) in net.interfaces.sorted(by: { $0.key < $1.key }) {
                guard let then = before.net.interfaces[name] else { continue }  // appeared since: rates next time
                var fields: [Field] = []
                func rate(_ field: String, _ a: UInt64, _ b: UInt64) {
                    if let r = CounterRate.perSecond(from: a, to: b, seconds: seconds) { fields.append(Field(field, .float(r))) }
                }
                rate("bytes_recv_per_s", then.bytesRecv, now.bytesRecv)
                rate("bytes_sent_per_s", then.bytesSent, now.bytesSent)
                rate("packets_recv_per_s", then.packetsRecv, now.packetsRecv)
                rate("packets_sent_per_s", then.packetsSent, now.packetsSent)
                rate("err_in_per_s", then.errIn, now.errIn)
                rate("err_out_per_s", then.errOut, now.errOut)
                rate("drop_in_per_s", then.dropIn, now.dropIn)
                rate("drop_out_per_s", then.dropOut, now.dropOut)
                add("net", [Tag("interface", name)], fields)
            }
        }

        // TCP connections by state.
        var tcp: [String: Int] = [:]
        TCPStates.count(read("net/tcp") ?? "", into: &tcp)
        TCPStates.count(read("net/tcp6") ?? "", into: &tcp)
        add("netstat", [], TCPStates.names.values.sorted().map { Field("tcp_" + $0, .int(Int64(tcp[$0] ?? 0))) })

        // Processes: counts by state, the top N by CPU and by memory, and evqd itself.
        let processes = readProcesses()
        var states: [Character: Int] = [:]
        var threads = 0
        for p in processes {
            states[p.state, default: 0] += 1
            threads += p.threads
        }
        add("processes", [], [
            Field("total", .int(Int64(processes.count))), Field("running", .int(Int64(states["R"] ?? 0))),
            Field("sleeping", .int(Int64((states["S"] ?? 0) + (states["I"] ?? 0)))),
            Field("blocked", .int(Int64(states["D"] ?? 0))), Field("zombies", .int(Int64(states["Z"] ?? 0))),
            Field("stopped", .int(Int64((states["T"] ?? 0) + (states["t"] ?? 0)))), Field("threads", .int(Int64(threads))),
        ])
        var cpuPercent: [Int: Double] = [:]
        if let before = previous, let seconds, seconds > 0 {
            for p in processes {
                guard let then = before.processTicks[p.pid], p.cpuTicks >= then else { continue }
                cpuPercent[p.pid] = Double(p.cpuTicks - then) / ticksPerSecond / seconds * 100
            }
        }
        let candidates = processFilter.isEmpty ? processes : processes.filter { p in processFilter.contains { $0.matches(p.name) } }
        func report(_ p: ProcessStat, rank: String) {
            var fields = [
                Field("pid", .int(Int64(p.pid))), Field("rss_mb", .float(Double(p.rssPages * pageBytes) / 1_048_576)),
                Field("state", .string(String(p.state))), Field("threads", .int(Int64(p.threads))),
            ]
            if let c = cpuPercent[p.pid] { fields.append(Field("cpu_percent", .float(c))) }
            if let uptime { fields.append(Field("uptime_s", .float(max(0, uptime - Double(p.startTicks) / ticksPerSecond)))) }
            add("process", [Tag("name", p.name), Tag("rank", rank)], fields)
        }
        if previous != nil {
            // Only processes that used CPU: idle ones (kernel threads, mostly) would fill the list with arbitrary names.
            let busy = candidates.filter { (cpuPercent[$0.pid] ?? 0) > 0 }
            for p in busy.sorted(by: { (cpuPercent[$0.pid] ?? 0, $1.pid) > (cpuPercent[$1.pid] ?? 0, $0.pid) }).prefix(topProcesses) {
                report(p, rank: "cpu")
            }
        }
        for p in candidates.sorted(by: { ($0.rssPages, $1.pid) > ($1.rssPages, $0.pid) }).prefix(topProcesses) { report(p, rank: "mem") }
        if let me = processes.first(where: { $0.pid == selfPID }) {
            var fields = [
                Field("rss_bytes", .int(Int64(clamping: me.rssPages * pageBytes))), Field("threads", .int(Int64(me.threads))),
            ]
            if let c = cpuPercent[me.pid] { fields.append(Field("cpu_percent", .float(c))) }
            if let fds = try? countEntries("\(selfPID)/fd") { fields.append(Field("open_fds", .int(Int64(fds)))) }
            add("evqd", [], fields)
        }

        // The host as a component of the health view, from its resources (the brief's thresholds).
        var worst = 0  // 0 ok, 1 warning, 2 critical
        var reasons: [String] = []
        func check(_ what: String, _ value: Double?, warning: Double, critical: Double) {
            guard let value else { return }
            let level = value >= critical ? 2 : value >= warning ? 1 : 0
            if level > 0 { reasons.append("\(what) \(Int(value.rounded()))%") }
            worst = max(worst, level)
        }
        check("cpu", cpuActive, warning: 80, critical: 90)
        check("memory", memUsed, warning: 85, critical: 95)
        for (path, percent) in diskUsed { check("disk \(path)", percent, warning: 80, critical: 90) }
        let status = ["ok", "warning", "critical"][worst]
        events.append(Event(
            time: time, measurement: "health", tags: [Tag("component", "host"), hostTag],
            fields: [Field("status", .string(status)), Field("message", .string(reasons.isEmpty ? "resources normal" : reasons.joined(separator: ", ")))]
        ))

        if let stat {
            previous = Previous(
                time: time, stat: stat, net: net, disks: disks,
                processTicks: Dictionary(processes.map { ($0.pid, $0.cpuTicks) }, uniquingKeysWith: { a, _ in a })
            )
        }
        return events
    }

    static func cpuFields(_ p: CPUPercentages) -> [Field] {
        [
            Field("usage_user", .float(p.user)), Field("usage_system", .float(p.system)), Field("usage_idle", .float(p.idle)),
            Field("usage_iowait", .float(p.iowait)), Field("usage_irq", .float(p.irq)), Field("usage_softirq", .float(p.softirq)),
            Field("usage_steal", .float(p.steal)), Field("usage_nice", .float(p.nice)), Field("usage_active", .float(p.active)),
        ]
    }

    /// The mean of `cpu MHz` over the CPUs of `/proc/cpuinfo`, when it has them (some VMs and ARM machines do not).
    static func cpuMHz(_ text: String) -> Double? {
        let values = text.split(separator: "\n").compactMap { line -> Double? in
            guard line.hasPrefix("cpu MHz"), let colon = line.firstIndex(of: ":") else { return nil }
            return Double(line[line.index(after: colon)...].trimmingCharacters(in: " "))
        }
        return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    func readProcesses() -> [ProcessStat] {
        guard let dir = opendir(procRoot) else { return [] }
        defer { closedir(dir) }
        var out: [ProcessStat] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let first = name.utf8.first, first >= UInt8(ascii: "1"), first <= UInt8(ascii: "9"), Int(name) != nil,
                let stat = read(name + "/stat").flatMap(ProcessStat.parse)
            else { continue }
            out.append(stat)
        }
        return out
    }

    func countEntries(_ path: String) throws -> Int {
        guard let dir = opendir(procRoot + "/" + path) else { return 0 }
        defer { closedir(dir) }
        var n = 0
        while let entry = readdir(dir) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { $0.first == UInt8(ascii: ".") }
            if !isDot { n += 1 }
        }
        return n
    }
}
