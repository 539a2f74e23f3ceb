#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvCore
import EvStorage
import EvTestSupport
import Testing

/// evqd's built-in host collector on this machine, read back through evq.
@Suite("Host collector in evqd", .serialized)
struct CollectorTests {
    static var evq: String { Daemon.binDirectory + "evq" }

    @Test("within two intervals evq lists this host's series with real values; the host is a component; a low rule fires")
    func collectsThisHost() throws {
        let dir = TemporaryDirectory()
        // A memory rule with a threshold every machine crosses, so it fires on the collected series.
        let config = dir.path + "-evq.yaml"
        let yaml = """
            rules:
              custom:
                - { name: memory_test, severity: warning, series: { measurement: mem, field: used_percent }, above: 0.01 }

            """
        try FileSystemProbe.write(config, yaml)
        defer { unlink(config) }
        let daemon = try Daemon(dataDirectory: dir.path, arguments: ["--collector-interval", "0.5", "--config", config], collector: true)
        let server = "http://127.0.0.1:\(daemon.httpPort)"
        var hostname = [CChar](repeating: 0, count: 256)
        gethostname(&hostname, 255)
        let host = String(decoding: hostname.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)

        // Two intervals: the first sample is taken at start, the second (with rates and CPU percentages) 0.5 s later.
        // Waited for, not slept: on a loaded machine the second sample can come late.
        let wanted = [
            "cpu,host=\(host) usage_active", "cpu_core,host=\(host),core=0 usage_user", "mem,host=\(host) used_percent",
            "disk,host=\(host),path=/,", "net,host=\(host),interface=lo bytes_recv_per_s", "system,host=\(host) load1",
            "processes,host=\(host) total", "netstat,host=\(host) tcp_listen", "evqd,host=\(host) rss_bytes",
        ]
        var series = ""
        for _ in 0..<200 {
            series = try Daemon.run([Self.evq, "series", "--server", server]).out
            if wanted.allSatisfy(series.contains) { break }
            usleep(100_000)
        }
        for expected in wanted {
            #expect(series.contains(expected), "\(expected) in:\n\(series)")
        }
        #expect(series.contains("process,host=\(host),name=") && series.contains(",rank=mem rss_mb"))

        let timeline = try Daemon.run([Self.evq, "timeline", "cpu,host=\(host) usage_active", "--points", "3", "--json", "--server", server])
        #expect(timeline.status == 0, "\(timeline.err)")
        let values = timeline.out.matches(of: /\[\d+,([0-9.]+|null)\]/).map { String($0.1) }
        #expect(values.contains { $0 != "null" }, "\(timeline.out)")

        // Memory total as /proc/meminfo has it.
        let mem = try Daemon.run([Self.evq, "tail", "-n", "1", "--match", "mem,host=*", "--json", "--server", server]).out
        let meminfo = FileSystemProbe.read("/proc/meminfo")
        let kb = try #require(meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal:") }.flatMap { UInt64($0.split(separator: " ")[1]) })
        #expect(mem.contains("\"total\":\(kb * 1024)"), "\(mem)")

        let health = try Daemon.run([Self.evq, "health", "--json", "--server", server]).out
        #expect(health.contains("\"component\":\"host\",\"host\":\"\(host)\""), "\(health)")
        var alerts = ""
        for _ in 0..<100 {
            alerts = try Daemon.run([Self.evq, "alerts", "--active", "--json", "--server", server]).out
            if alerts.contains("memory_test") { break }
            usleep(50_000)
        }
        #expect(alerts.contains("\"alert\":\"memory_test\",\"labels\":{\"host\":\"\(host)\"}"), "\(alerts)")
        #expect(daemon.terminate() == 0)
    }
}
