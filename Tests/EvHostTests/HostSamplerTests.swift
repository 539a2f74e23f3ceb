#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvCore
import EvHost
import EvStorage
import EvTestSupport
import Testing

/// Swift Testing also has a `Tag` type; here `Tag` is a line-protocol tag.
typealias Tag = EvCore.Tag

@Suite("Host collector")
struct HostSamplerTests {
    static let fixtures: String = {
        var path = #filePath
        while !path.hasSuffix("/") { path.removeLast() }
        return path + "Fixtures/"
    }()

    static func text(_ name: String) throws -> String {
        String(decoding: try FileSystem.readFile(fixtures + name), as: UTF8.self)
    }

    static func field(_ events: [Event], _ measurement: String, _ tags: [Tag] = [], _ name: String) -> Double? {
        let event = events.first { e in e.measurement == measurement && tags.allSatisfy { e.tag($0.key) == $0.value } }
        return event?.field(name)?.numericValue
    }

    // MARK: parsers on this machine's files

    @Test("the parsers read this machine's /proc files (copied into the fixtures)")
    func realFiles() throws {
        let stat = try #require(ProcStat.parse(try Self.text("real/stat")))
        let cpuLines = try Self.text("real/stat").split(separator: "\n").filter { $0.hasPrefix("cpu") && !$0.hasPrefix("cpu ") }
        #expect(stat.cpus.count == cpuLines.count && stat.bootTime > 1_600_000_000 && stat.contextSwitches > 0)
        #expect(stat.total.user >= stat.cpus.values.map(\.user).max()!)
        let mem = try #require(MemInfo.parse(try Self.text("real/meminfo")))
        let totalLine = try #require(try Self.text("real/meminfo").split(separator: "\n").first { $0.hasPrefix("MemTotal:") })
        let kb = try #require(UInt64(totalLine.split(separator: " ")[1]))
        #expect(mem["MemTotal"] == kb * 1024)
        #expect(LoadAverage.parse(try Self.text("real/loadavg")) != nil)
        #expect(NetDevStats.parse(try Self.text("real/net-dev")).interfaces["lo"] != nil)
        #expect(!DiskStats.parse(try Self.text("real/diskstats")).devices.keys.contains { $0.hasPrefix("loop") })
        let mounts = MountTable.parse(mounts: try Self.text("real/mounts"), filesystems: try Self.text("real/filesystems"))
        #expect(!mounts.mounts.contains { ["proc", "sysfs", "tmpfs", "cgroup2", "devpts"].contains($0.type) })
        var tcp: [String: Int] = [:]
        TCPStates.count(try Self.text("real/net-tcp"), into: &tcp)
        #expect(tcp.values.reduce(0, +) == (try Self.text("real/net-tcp")).split(separator: "\n").count - 1)
        #expect(ProcessStat.parse(try Self.text("real/pid-stat"))?.name == "cat")
    }

    // MARK: odd inputs

    @Test("a process name with spaces and parentheses; malformed lines are refused, never a trap")
    func oddInputs() {
        let weird = ProcessStat.parse("200 (my (weird) app) R 1 1 1 0 -1 0 0 0 0 0 2000 5 0 0 20 0 3 0 90000 1000000 1280 0 0")
        #expect(weird?.name == "my (weird) app" && weird?.state == "R" && weird?.cpuTicks == 2005)
        #expect(weird?.threads == 3 && weird?.startTicks == 90000 && weird?.rssPages == 1280)
        for bad in ["", "12", "12 (x", "x (y) R 1", "12 (y) R 1 2 3", "12 (y) R a b c d e f g h i j k l m n o p q r s t u v"] {
            #expect(ProcessStat.parse(bad) == nil, "\(bad)")
        }
        #expect(ProcStat.parse("intr 1 2\n") == nil)
        // An old kernel's four columns; a truncated CPU line is skipped.
        let old = ProcStat.parse("cpu 10 20 30 40\ncpu0 10 20 30 40\ncpu1 1 2\n")
        #expect(old?.total.idle == 40 && old?.total.iowait == 0 && old?.cpus.count == 1)
        #expect(MemInfo.parse("MemFree: 12 kB\n") == nil)
        #expect(MemInfo.parse("MemTotal: 99999999999999999 kB\nbad line\nX: y kB\n")?["MemTotal"] == .max)
        #expect(LoadAverage.parse("0.5 x 1") == nil)
        #expect(NetDevStats.parse("eth0: 1 2 3\n").interfaces.isEmpty)
        #expect(MountTable.parse(mounts: "/dev/sdb1 /mnt/my\\040disk ext4 rw 0 0\n", filesystems: "\text4\n").mounts.first?.path == "/mnt/my disk")
    }

    @Test("counter rates: increases, 32-bit wraps, resets (no rate), no time (no rate)")
    func rates() {
        #expect(CounterRate.perSecond(from: 100, to: 600, seconds: 5) == 100)
        #expect(CounterRate.perSecond(from: 4_294_967_000, to: 704, seconds: 5) == 200)  // wrapped at 2^32: +1000
        #expect(CounterRate.perSecond(from: 500, to: 400, seconds: 5) == nil)  // a reset, not a wrap
        #expect(CounterRate.perSecond(from: 10_000_000_000, to: 5, seconds: 5) == nil)  // a 64-bit counter reset
        #expect(CounterRate.perSecond(from: 1, to: 2, seconds: 0) == nil)
        let a = CPUTimes()
        var b = CPUTimes()
        b.idle = 10
        #expect(b.percentages(since: a)?.idle == 100)
        #expect(a.percentages(since: b) == nil)  // went backwards: the CPU went offline and came back
        #expect(a.percentages(since: a) == nil)
    }

    // MARK: the sampler over two fixture trees

    @Test("two samples 5 s apart: exact CPU percentages, rates across a wrap, a reset, a new interface, an offline CPU")
    func sampler() throws {
        let t0: Int64 = 1_763_650_000_000_000_000
        let s = HostSampler(procRoot: Self.fixtures + "proc-a", host: "h1", statFilesystems: false, selfPID: 100)
        let first = s.sample(at: t0 - 5_000_000_000)
        #expect(!first.contains { $0.measurement == "cpu" || $0.measurement == "net" })  // no interval yet
        #expect(Self.field(first, "mem", [], "used_percent") == 50)
        s.procRoot = Self.fixtures + "proc-b"  // as /proc reads 5 s later
        let events = s.sample(at: t0)
        #expect(events.allSatisfy { $0.tag("host") == "h1" })
        #expect(Self.field(events, "cpu", [], "usage_user") == 30)
        #expect(Self.field(events, "cpu", [], "usage_system") == 10)
        #expect(Self.field(events, "cpu", [], "usage_idle") == 50)
        #expect(Self.field(events, "cpu", [], "usage_iowait") == 10)
        #expect(Self.field(events, "cpu", [], "usage_active") == 40)
        #expect(Self.field(events, "cpu_core", [Tag("core", "0")], "usage_user") == 50)
        #expect(!events.contains { $0.measurement == "cpu_core" && $0.tag("core") == "1" })  // cpu1 went offline
        #expect(Self.field(events, "system", [], "context_switches_per_s") == 1000)
        #expect(Self.field(events, "system", [], "n_cpus") == 1)
        #expect(Self.field(events, "system", [], "cpu_mhz") == 2500)
        #expect(Self.field(events, "system", [], "load1") == 0.5)
        #expect(Self.field(events, "mem", [], "total") == 16_384_000_000)
        #expect(Self.field(events, "mem", [], "available") == 8_192_000_000)
        #expect(Self.field(events, "swap", [], "used_percent") == 25)
        #expect(Self.field(events, "net", [Tag("interface", "eth0")], "bytes_recv_per_s") == 100_000)
        #expect(Self.field(events, "net", [Tag("interface", "eth0")], "bytes_sent_per_s") == 20_000)
        #expect(Self.field(events, "net", [Tag("interface", "eth0")], "drop_in_per_s") == 0.4)
        #expect(Self.field(events, "net", [Tag("interface", "wan0")], "bytes_recv_per_s") == 200)  // across the wrap
        #expect(Self.field(events, "net", [Tag("interface", "wan0")], "bytes_sent_per_s") == nil)  // reset: no rate
        #expect(!events.contains { $0.measurement == "net" && $0.tag("interface") == "vpn0" })  // new: rates next time
        #expect(Self.field(events, "diskio", [Tag("device", "sda")], "read_bytes_per_s") == 1_048_576)
        #expect(Self.field(events, "diskio", [Tag("device", "sda")], "writes_per_s") == 20)
        #expect(!events.contains { $0.tag("device") == "loop0" })
        #expect(Self.field(events, "netstat", [], "tcp_listen") == 1)
        #expect(Self.field(events, "netstat", [], "tcp_established") == 1)
        #expect(Self.field(events, "netstat", [], "tcp_time_wait") == 1)
        #expect(Self.field(events, "processes", [], "total") == 3)
        #expect(Self.field(events, "processes", [], "zombies") == 1)
        #expect(Self.field(events, "processes", [], "running") == 1)
        let topCPU = events.filter { $0.measurement == "process" && $0.tag("rank") == "cpu" }
        #expect(topCPU.map { $0.tag("name") } == ["my (weird) app", "postgres"])  // not the zombie: it used no CPU
        #expect(topCPU.map { $0.field("cpu_percent")?.numericValue } == [50, 10])
        #expect(Self.field(events, "process", [Tag("name", "postgres"), Tag("rank", "mem")], "uptime_s") == 955)
        #expect(Self.field(events, "evqd", [], "threads") == 4)
        let health = try #require(events.first { $0.measurement == "health" })
        #expect(health.tag("component") == "host" && health.field("status")?.stringValue == "ok")
        // Every event is valid line protocol (what ingest accepts).
        var parser = LineProtocolParser()
        for e in events {
            let line = LineProtocolSerializer.line(e)
            let outcome = try line.utf8.dropLast().withContiguousStorageIfAvailable { try parser.parse(UnsafeRawBufferPointer($0), receiveTime: 0) }
            if case .event? = outcome {} else { Issue.record("not an event: \(line)") }
        }
    }

    @Test("a name filter keeps the top lists to matching processes")
    func processFilter() {
        let s = HostSampler(procRoot: Self.fixtures + "proc-b", host: "h1", processFilter: ["post*"], statFilesystems: false)
        let names = Set(s.sample(at: 1).filter { $0.measurement == "process" }.compactMap { $0.tag("name") })
        #expect(names == ["postgres"])
    }

    // MARK: this machine

    @Test("on this machine: memory total is /proc/meminfo's, one cpu_core per CPU, the root filesystem is measured")
    func realMachine() throws {
        let s = HostSampler()
        _ = s.sample(at: 1_000_000_000)
        usleep(200_000)
        let events = s.sample(at: 1_200_000_000)
        let meminfo = FileSystemProbe.read("/proc/meminfo")
        let totalLine = try #require(meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal:") })
        let kb = try #require(UInt64(totalLine.split(separator: " ")[1]))
        #expect(Self.field(events, "mem", [], "total") == Double(kb * 1024))
        let cpus = FileSystemProbe.read("/proc/stat").split(separator: "\n")
            .filter { $0.hasPrefix("cpu") && !$0.hasPrefix("cpu ") }.count
        #expect(events.filter { $0.measurement == "cpu_core" }.count == cpus)
        #expect(Self.field(events, "system", [], "n_cpus") == Double(cpus))
        let active = try #require(Self.field(events, "cpu", [], "usage_active"))
        #expect(active >= 0 && active <= 100)
        #expect(events.contains { $0.measurement == "disk" && $0.tag("path") == "/" })
        #expect(events.contains { $0.measurement == "evqd" })  // this test process plays evqd
        #expect(events.contains { $0.measurement == "process" && $0.tag("rank") == "mem" })
    }
}
