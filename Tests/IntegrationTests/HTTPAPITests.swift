#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvCore
import EvStorage
import EvTestSupport
import Testing

/// The HTTP read API of a real evqd on loopback, read with a real HTTP client (`spec/http-api.md`).
@Suite("HTTP API", .serialized)
struct HTTPAPITests {
    static var evq: String { Daemon.binDirectory + "evq" }
    static let second: Int64 = 1_000_000_000
    /// A fixed past hour, so answers `?at=T` are exact.
    static let t0: Int64 = 1_763_650_800 * second

    /// A scenario with every kind of event, timestamped from `t0`, pushed and synced.
    static let scenario: String = {
        var lines: [String] = []
        for k in 0..<24 {
            let t = t0 + Int64(k) * 5 * second
            lines.append("cpu,host=db1,cpu=total usage=\(Double(10 + k)),idle=\(Double(90 - k)) \(t)")
            lines.append("cpu,host=db2,cpu=total usage=\(Double(50 + k)) \(t)")
        }
        lines.append("health,component=ib_gateway,host=gw1 status=\"connected\",latency_ms=12i \(t0)")
        lines.append("health,component=md_feed,host=gw1 status=\"degraded\",message=\"slow\" \(t0 + 10 * second)")
        lines.append("heartbeat,component=ib_gateway,host=gw1 seq=7i \(t0 + 60 * second)")
        lines.append("slot,strategy=mm1,conid=265598,symbol=AAPL action=\"acquire\" \(t0 + 20 * second)")
        lines.append("slot,strategy=mm1,conid=272093,symbol=MSFT action=\"acquire\" \(t0 + 21 * second)")
        lines.append("alert,alert=disk_low,severity=warning,host=db1 state=\"firing\",message=\"disk 85%\" \(t0 + 30 * second)")
        lines.append("alert,alert=disk_low,severity=warning,host=db1 state=\"ack\",by=\"alice\" \(t0 + 40 * second)")
        return lines.joined(separator: "\n") + "\n"
    }()

    static func start(_ arguments: [String] = []) throws -> (TemporaryDirectory, Daemon, HTTPTestClient) {
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path, arguments: arguments)
        return (dir, daemon, try HTTPTestClient(port: daemon.httpPort))
    }

    static func push(_ text: String, to daemon: Daemon, rejected: Int = 0) throws {
        let push = try Daemon.run([evq, "push", "--to", "127.0.0.1:\(daemon.port)", "--sync"], stdin: Array(text.utf8))
        #expect(push.status == (rejected == 0 ? 0 : 1), "\(push.err)")
        #expect(push.err.contains(": \(rejected) rejected"), "\(push.err)")
    }

    /// Waits until the live views have applied everything written (rule alerts included).
    static func settle(_ http: HTTPTestClient) throws {
        for _ in 0..<200 {
            let h = try http.get("/healthz").text
            if h.contains("\"views_lag_events\":0}") { return }
            usleep(10_000)
        }
        Issue.record("the views did not catch up")
    }

    static func cli(_ arguments: [String]) throws -> String {
        let run = try Daemon.run([evq] + arguments)
        #expect(run.status == 0, "\(arguments): \(run.err)")
        return run.out
    }

    @Test("every view answers its documented JSON; format=text is exactly what evq prints offline")
    func views() throws {
        let (dir, daemon, http) = try Self.start()
        try Self.push(Self.scenario, to: daemon)
        try Self.settle(http)
        let at = RFC3339.format(nanoseconds: Self.t0 + 200 * Self.second)

        let health = try http.get("/api/v1/health?at=\(at)")
        #expect(health.status == 200 && health.headers["content-type"] == "application/json")
        #expect(health.text.hasPrefix("{\"at\":\"\(at)\",\"overall\":\"red\""))  // both components stale at T
        #expect(health.text.contains("\"component\":\"md_feed\",\"host\":\"gw1\",\"status\":\"degraded\",\"color\":\"red\",\"status_color\":\"yellow\""))
        #expect(health.text.contains("\"last_seen\":\"\(RFC3339.format(nanoseconds: Self.t0 + 60 * Self.second))\""))
        let slots = try http.get("/api/v1/slots").text
        #expect(slots.hasPrefix("{\"used\":2,\"limit\":100,\"warning_at\":90,\"warning\":false,\"active\":[{\"strategy\":\"mm1\""))
        let alerts = try http.get("/api/v1/alerts?active=true").text
        #expect(alerts.contains("\"alert\":\"disk_low\""))
        #expect(alerts.contains("\"acked_by\":\"alice\""))
        let series = try http.get("/api/v1/series?match=cpu,host=db1*").text
        #expect(series == "{\"series\":[\"cpu,host=db1,cpu=total idle\",\"cpu,host=db1,cpu=total usage\"]}\n")
        let timeline = try http.get("/api/v1/timeline?series=cpu,host%3Ddb1,cpu%3Dtotal%20usage&points=3&at=\(at)&agg=max").text
        let end = (Self.t0 + 200 * Self.second) / Self.second
        #expect(timeline == "{\"series\":\"cpu,host=db1,cpu=total usage\",\"step_s\":5,\"agg\":\"max\",\"points\":[[\(end - 10),null],[\(end - 5),null],[\(end),null]]}\n")
        let recent = try http.get("/api/v1/timeline?series=cpu,host%3Ddb2*usage&points=2&step=5s&at=\(RFC3339.format(nanoseconds: Self.t0 + 115 * Self.second))").text
        #expect(recent.hasSuffix("\"points\":[[\(Self.t0 / Self.second + 110),72],[\(Self.t0 / Self.second + 115),73]]}\n"))

        // format=text: byte for byte what evq prints offline for the same question.
        for (path, command) in [
            ("/api/v1/health?at=\(at)&format=text", ["health", "--at", at]),
            ("/api/v1/slots?at=\(at)&format=text", ["slots", "--at", at]),
            ("/api/v1/alerts?at=\(at)&format=text", ["alerts", "--at", at]),
            ("/api/v1/series?format=text", ["series"]),
            ("/api/v1/state?at=\(at)&format=text", ["replay", "--at", at]),
            ("/api/v1/state?at=\(at)", ["replay", "--at", at, "--json"]),
            ("/api/v1/health?at=\(at)", ["health", "--at", at, "--json"]),
        ] {
            let answer = try http.get(path)
            #expect(answer.status == 200)
            #expect(answer.text == (try Self.cli(command + ["--data-dir", dir.path])), "\(path)")
        }
        #expect(daemon.terminate() == 0)
    }

    @Test("events page through the log by offset and by time, filtered, bounded by limit")
    func eventPages() throws {
        let (dir, daemon, http) = try Self.start()
        defer { withExtendedLifetime(dir) {} }
        try Self.push(Self.scenario, to: daemon)
        try Self.settle(http)
        var offsets: [Int] = []
        var next = "0"
        var pages = 0
        while next != "null" {
            let page = try http.get("/api/v1/events?from_offset=\(next)&limit=10&kind=metric").text
            pages += 1
            offsets += page.matches(of: /"offset":(\d+)/).compactMap { Int($0.1) }
            next = String(try #require(page.firstMatch(of: /"next_offset":(null|\d+)/)).1)
            if pages > 20 { break }
        }
        #expect(offsets == Array(0..<48))  // the 48 cpu lines come first, then the other kinds
        #expect(pages == 5)  // 4 full pages, then 8 events and the rest of the log scanned: next_offset null
        let window = try http.get("/api/v1/events?from=\(Self.t0 + 20 * Self.second)&to=\(Self.t0 + 21 * Self.second)&kind=slot").text
        #expect(window.matches(of: /"kind":"slot"/).count == 2)
        let text = try http.get("/api/v1/events?from_offset=48&limit=1&format=text")
        #expect(text.text.hasPrefix("48\t2025-11-20T15:00:00Z\thealth\thealth,component=ib_gateway,host=gw1 status=\"connected\""))
        #expect(text.headers["evq-next-offset"] == "49")
        #expect(daemon.terminate() == 0)
    }

    /// Bytes evqd has read with read(2) and friends so far (`/proc/PID/io`, `rchar`).
    static func bytesRead(_ daemon: Daemon) -> Int {
        let io = FileSystemProbe.read("/proc/\(daemon.pid)/io")
        return io.split(separator: "\n").first { $0.hasPrefix("rchar:") }.flatMap { Int($0.dropFirst(6).trimmingPrefix(" ")) } ?? -1
    }

    @Test("an event page reads what the log appended since the previous page, not the whole active segment each time")
    func eventPagesReadIncrementally() throws {
        let (dir, daemon, http) = try Self.start(["--segment-mib", "12"])
        defer { withExtendedLifetime(dir) {} }
        // 20 MB that LZ4 cannot shrink: 400 lines of 50,000 pseudo-random printable bytes; the first 200 in the first
        // segment, which rolls during the next 200 (12 MB sealed, 8 MB active).
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func line(_ k: Int) -> String {
            var bytes = [UInt8](repeating: 0, count: 50_000)
            for i in bytes.indices {
                seed ^= seed << 13
                seed ^= seed >> 7
                seed ^= seed << 17
                let byte = UInt8(truncatingIfNeeded: 0x23 + seed % 89)  // '#' … '{'
                bytes[i] = byte == UInt8(ascii: "\\") ? UInt8(ascii: "|") : byte  // no '"', no '\\'
            }
            return "blob,k=\(k) s=\"\(String(decoding: bytes, as: UTF8.self))\"\n"
        }
        let client = try LineClient(port: daemon.port)
        try client.send((0..<200).map(line).joined() + "#evq sync a\n")
        #expect(client.readLine() == "ok a 199")
        #expect(try http.get("/api/v1/events?last=1").text.contains("\"offset\":199,"))
        try client.send((200..<400).map(line).joined() + "#evq sync b\n")
        #expect(client.readLine() == "ok b 399")
        let all = try http.get("/api/v1/events?from_offset=0&limit=10000&format=text").text
        #expect(all.split(separator: "\n").map { $0.prefix { $0 != "\t" } } == (0..<400).map { Substring(String($0)) })
        #expect(try http.get("/api/v1/events?last=1").text.contains("\"offset\":399,"))
        // A page at the end of an 8 MB active segment reads its last block (about 1 MB), not the whole segment.
        let before = Self.bytesRead(daemon)
        #expect(try http.get("/api/v1/events?last=1").text.contains("\"offset\":399,"))
        let read = Self.bytesRead(daemon) - before
        #expect(before > 0 && read < 3_000_000, "one page read \(read) bytes")
        #expect(daemon.terminate() == 0)
    }

    @Test(
        "a bad parameter is a 400 naming it; an unknown endpoint or series a 404; always JSON {\"error\": …}",
        arguments: [
            ("/api/v1/timeline?series=cpu*usage&points=0", 400, "parameter 'points': '0' is not a whole number from 1 to 1000000"),
            ("/api/v1/timeline?series=cpu,host%3Ddb1,cpu%3Dtotal%20usage&step=7s", 400, "parameter 'step': step 7s is not a multiple"),
            ("/api/v1/timeline?series=cpu,host%3Ddb1,cpu%3Dtotal%20usage&step=9999999999999999d", 400, "parameter 'step': '9999999999999999d' is not a duration"),
            ("/api/v1/timeline?series=cpu,host%3Ddb1,cpu%3Dtotal%20usage&agg=median", 400, "parameter 'agg': 'median' is not one of avg, min, max, last"),
            ("/api/v1/timeline?series=cpu*", 400, "parameter 'series': 'cpu*' matches 3 series"),
            ("/api/v1/timeline?series=nothing*", 404, "no series matches 'nothing*'"),
            ("/api/v1/timeline", 400, "parameter 'series': required"),
            ("/api/v1/health?at=yesterday-ish", 400, "parameter 'at': 'yesterday-ish' is not a time"),
            ("/api/v1/health?format=xml", 400, "parameter 'format': 'xml' is not json or text"),
            ("/api/v1/alerts?active=maybe", 400, "parameter 'active': 'maybe' is not true or false"),
            ("/api/v1/events?limit=100000", 400, "parameter 'limit': '100000' is not a whole number from 1 to 10000"),
            ("/api/v1/events?from_offset=-1", 400, "parameter 'from_offset': '-1' is not an offset"),
            ("/api/v1/events?kind=metrics", 400, "parameter 'kind': 'metrics' is not metric, health, heartbeat, slot or alert"),
            ("/api/v1/nothing", 404, "no such endpoint: /api/v1/nothing"),
        ]
    )
    func errors(path: String, status: Int, message: String) throws {
        let (dir, daemon, http) = try Self.start()
        defer { withExtendedLifetime(dir) {} }
        try Self.push("cpu,host=db1,cpu=total usage=1,idle=2\ncpu,host=db2,cpu=total usage=3\n", to: daemon)
        try Self.settle(http)
        let answer = try http.get(path)
        #expect(answer.status == status, "\(path): \(answer.text)")
        #expect(answer.headers["content-type"] == "application/json")
        #expect(answer.text.hasPrefix("{\"error\":\"" + message), "\(path): \(answer.text)")
        #expect(daemon.terminate() == 0)
    }

    @Test("/healthz reports the log and views offsets; /metrics is valid Prometheus text with evqd's counters")
    func healthAndMetrics() throws {
        let (dir, daemon, http) = try Self.start()
        defer { withExtendedLifetime(dir) {} }
        try Self.push(Self.scenario + "bad line\n", to: daemon, rejected: 1)
        try Self.settle(http)
        let healthz = try http.get("/healthz").text
        #expect(healthz.contains("\"views_lag_events\":0}"))
        // The push's connection closes on evqd's side a moment after the client's: wait for the gauge to say so.
        var metrics = try http.get("/metrics")
        for _ in 0..<200 where !metrics.text.contains("\nevq_connections 0") {
            usleep(10_000)
            metrics = try http.get("/metrics")
        }
        #expect(metrics.status == 200 && metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        let text = metrics.text
        for expected in [
            "evq_events_total 55", "evq_lines_rejected_total 1", "evq_lines_rejected_by_reason_total{reason=\"missing_equals\"} 1",
            "evq_replies_dropped_total 0", "evq_connections 0", "evq_views_lag_events 0", "# TYPE evq_fsync_seconds histogram",
            "evq_fsync_seconds_count ", "evq_stream_subscribers_dropped_total 0", "evq_checkpoint_age_seconds",
            "evq_timeline_series 3", "evq_timeline_series_max 25000", "evq_timeline_dropped_samples_total 0",
        ] {
            #expect(text.contains(expected), "\(expected)")
        }
        // The reference checker: Prometheus' own promtool.
        let file = "/tmp/evq-metrics-\(getpid()).txt"
        try FileSystemProbe.write(file, metrics.body)
        defer { unlink(file) }
        let check = try Daemon.run(["/bin/sh", "-c", "promtool check metrics < \(file)"])
        #expect(check.status == 0, "promtool: \(check.out) \(check.err)")
        #expect(daemon.terminate() == 0)
    }

    @Test("series over the timelines' limit are not kept, and /metrics counts their samples")
    func seriesLimit() throws {
        let dir = TemporaryDirectory()
        let config = dir.path + "-limit.yaml"
        let yaml = "timelines: { series_max: 2 }\n"
        try FileSystemProbe.write(config, yaml)
        defer { unlink(config) }
        let daemon = try Daemon(dataDirectory: dir.path, arguments: ["--config", config])
        let http = try HTTPTestClient(port: daemon.httpPort)
        try Self.push("m,id=a v=1 1\nm,id=b v=1 1\nm,id=c v=1 1\nm,id=c v=2 2\n", to: daemon)
        try Self.settle(http)
        #expect(try http.get("/api/v1/series").text == "{\"series\":[\"m,id=a v\",\"m,id=b v\"]}\n")
        let metrics = try http.get("/metrics").text
        #expect(metrics.contains("evq_timeline_series 2") && metrics.contains("evq_timeline_series_max 2"))
        #expect(metrics.contains("evq_timeline_dropped_samples_total 2"))
        #expect(daemon.terminate() == 0)
    }
}
