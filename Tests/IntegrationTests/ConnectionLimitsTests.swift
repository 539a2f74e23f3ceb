#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvTestSupport
import Testing

/// What evqd does at its connection limits and with connections that hold a slot without using it (`tools/soak.py`
/// runs the same at scale): ingest's limit under the usual open-file limit, HTTP's connection limit and idle timeout.
@Suite("evqd connection limits", .serialized)
struct ConnectionLimitsTests {
    /// The value of an unlabelled metric in `/metrics`' text.
    static func metric(_ name: String, _ http: HTTPTestClient) throws -> Double? {
        let text = try http.get("/metrics").text
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }

    @Test("under the usual soft open-file limit of 1024, evqd holds its 1024 ingest connections and refuses the next")
    func ingestLimitUnderDefaultFileLimit() throws {
        #expect(Daemon.raiseOpenFilesLimit(to: 4096) >= 1100, "this test holds 1,025 sockets itself")
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path, openFilesSoftLimit: 1024)
        var clients: [LineClient] = []
        for _ in 0..<1024 { clients.append(try LineClient(port: daemon.port)) }
        let over = try LineClient(port: daemon.port)
        #expect(over.readLine(timeout: 5) == "err line=0 col=0 too many connections (limit 1024)")
        for (i, client) in clients.enumerated() { try client.send("fd,conn=c\(i) v=1i\n#evq sync s\(i)\n") }
        let deadline = Daemon.now() + 15
        var acknowledged = 0
        for (i, client) in clients.enumerated() {
            let reply = client.readLine(timeout: max(0.01, deadline - Daemon.now()))
            if reply?.hasPrefix("ok s\(i) ") == true { acknowledged += 1 }
        }
        #expect(acknowledged == 1024)
        clients.removeAll()
        #expect(daemon.terminate() == 0)
        #expect(try IngestTests.events(dir.path).count == 1024)
    }

    @Test("HTTP connections are bounded (--max-http-connections, default 512): one more waits until another closes")
    func httpConnectionLimit() throws {
        Daemon.raiseOpenFilesLimit(to: 4096)
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path)
        let http = try HTTPTestClient(port: daemon.httpPort)
        #expect(try http.get("/healthz").status == 200)
        var idle: [LineClient] = []
        for _ in 0..<511 { idle.append(try LineClient(port: daemon.httpPort)) }
        var open: Double?
        for _ in 0..<200 {
            open = try Self.metric("evq_http_connections", http)
            if open == 512 { break }
            usleep(10_000)
        }
        #expect(open == 512)
        #expect(try Self.metric("evq_http_connections_max", http) == 512)
        // The kernel completes the connection (listen backlog), but evqd does not take it while 512 are open.
        let waiting = try LineClient(port: daemon.httpPort)
        try waiting.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        #expect(waiting.readLine(timeout: 1) == nil)
        // Ingest does not share that limit.
        let ingest = try LineClient(port: daemon.port)
        try ingest.send("limits v=1i\n#evq sync full\n")
        #expect(ingest.readLine(timeout: 5) == "ok full 0")
        idle.removeLast()  // closes one
        #expect(waiting.readLine(timeout: 5)?.hasPrefix("HTTP/1.1 200") == true)
        _ = idle
    }

    @Test("a connection that does not finish its request head is closed after --http-idle-timeout; answered requests and live streams are not cut")
    func idleTimeout() throws {
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path, arguments: ["--http-idle-timeout", "1"])
        // Slowloris: a request head a byte every 100 ms, never finished.
        let slow = try LineClient(port: daemon.httpPort)
        let opened = Daemon.now()
        var closedAfter: Double?
        for byte in Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: \(String(repeating: "a", count: 60))".utf8) {
            if (try? slow.send(bytes: [byte])) == nil || slow.isClosed(timeout: 0.1) {
                closedAfter = Daemon.now() - opened
                break
            }
        }
        #expect(closedAfter != nil && closedAfter! >= 0.9 && closedAfter! < 3, "closed after \(String(describing: closedAfter)) s")
        // Requests more often than the timeout keep one connection; once idle it is closed.
        let http = try HTTPTestClient(port: daemon.httpPort)
        for _ in 0..<6 {
            #expect(try http.get("/healthz").status == 200)
            usleep(400_000)
        }
        #expect(http.isClosed(timeout: 3))
        // A live stream is a request in progress: quiet for longer than the timeout, it still delivers.
        let stream = try HTTPTestClient(port: daemon.httpPort)
        #expect(try stream.openStream("/api/v1/stream?kind=alert").status == 200)
        usleep(2_500_000)
        let client = try LineClient(port: daemon.port)
        try client.send("alert,alert=quiet,severity=info state=\"firing\"\n#evq sync s\n")
        #expect(client.readLine() == "ok s 0")
        let message = try stream.nextMessage(timeout: 5)
        #expect(message?.data.contains("\"alert\":\"quiet\"") == true, "\(String(describing: message))")
    }

    @Test("a request that announces a body is answered and its connection closed: a trickled body cannot hold a slot")
    func requestBodyClosesConnection() throws {
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path, arguments: ["--http-idle-timeout", "1"])
        let slow = try LineClient(port: daemon.httpPort)
        try slow.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n")
        #expect(slow.readLine(timeout: 5) == "HTTP/1.1 200 OK\r")
        // A body byte every 100 ms is activity for the idle timer: only closing after the answer ends this.
        var closed = false
        for _ in 0..<30 where !closed {
            if (try? slow.send("a")) == nil || slow.isClosed(timeout: 0.1) { closed = true }
        }
        #expect(closed)
    }
}

/// Issue 15, item 11: with a low open-file limit, accept errors (EMFILE) made evqd's ingest event loop spin a core at
/// 100 % and starve the daemon (NIO retries the accept at once). The connection limits now fit the descriptors.
@Suite("Accept with no descriptors left")
struct AcceptBackoffTests {
    /// User + system CPU seconds of `pid` so far (`/proc/PID/stat`, fields 14 and 15, in clock ticks).
    static func cpuSeconds(_ pid: pid_t) -> Double {
        let stat = FileSystemProbe.read("/proc/\(pid)/stat")
        guard let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        let ticks = (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    @Test("under a low open-file limit the connection limits are lowered to fit: no EMFILE spin, every connection answered")
    func limitsFitTheDescriptors() throws {
        Daemon.raiseOpenFilesLimit(to: 4096)
        let dir = TemporaryDirectory()
        // 400 descriptors: 144 beyond the reserve, so ingest takes 96 connections and HTTP 48.
        let daemon = try Daemon(dataDirectory: dir.path, openFilesHardLimit: 400)
        var clients: [LineClient] = []
        for _ in 0..<150 { clients.append(try LineClient(port: daemon.port)) }
        let before = Self.cpuSeconds(daemon.pid)
        usleep(2_000_000)
        let used = Self.cpuSeconds(daemon.pid) - before
        #expect(used < 0.5, "evqd used \(used) s of CPU in 2 s with connections over its limit")
        var refused = 0
        for client in clients {
            try? client.send("#evq sync x\n")
        }
        for client in clients where client.readLine(timeout: 5) == "err line=0 col=0 too many connections (limit 96)" {
            refused += 1
        }
        #expect(refused == 150 - 96)
        clients.removeAll()
        // evqd sees the closes a little later: a new connection is served once it has (within 10 s).
        var reply: String?
        let deadline = Daemon.now() + 10
        repeat {
            let client = try LineClient(port: daemon.port)
            try client.send("cpu v=1 1\n#evq sync s\n")
            reply = client.readLine(timeout: 10)
            if reply?.hasPrefix("ok s ") == true { break }
            usleep(50_000)
        } while Daemon.now() < deadline
        #expect(reply?.hasPrefix("ok s ") == true, "\(String(describing: reply))")
        #expect(daemon.terminate() == 0)
    }

    @Test("an open-file limit too low to run on is refused at start with a clear message")
    func tooFewDescriptors() throws {
        let dir = TemporaryDirectory()
        let evqd = Daemon.binDirectory + "evqd"
        let (status, _, err) = try Daemon.run([
            "/bin/sh", "-c", "ulimit -Sn 96 && ulimit -Hn 96 && exec \"$0\" \"$@\"", evqd, "--data-dir", dir.path,
            "--ingest-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--no-collector",
        ])
        #expect(status == 2)
        #expect(err.contains("the open-file limit is too low to run"), "\(err)")
    }
}
