#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvCore
import EvStorage
import EvTestSupport
import Testing

/// The 1-based byte column where `needle` starts in `line`.
func column(of needle: String, in line: String) -> Int {
    let hay = Array(line.utf8)
    let n = Array(needle.utf8)
    for i in 0...(hay.count - n.count) where Array(hay[i..<i + n.count]) == n { return i + 1 }
    return 0
}

/// The real evqd on loopback: sync acks, error replies, framing, shutdown.
@Suite("evqd ingest over TCP", .serialized)
struct IngestTests {
    static func events(_ directory: String) throws -> [Event] {
        var events: [Event] = []
        try LogReader(directory: directory).forEach { events.append($0); return true }
        return events
    }

    @Test("a sync is acknowledged with the offset of the connection's last stored event")
    func syncAck() throws {
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path)
        let client = try LineClient(port: daemon.port)
        try client.send("#evq sync first\n")
        #expect(client.readLine() == "ok first -1")
        try client.send("cpu,host=a usage=1.5 1700000000000000000\ncpu,host=b usage=2 1700000000000000001\n#evq sync t1\n")
        #expect(client.readLine() == "ok t1 1")
        try client.send("mem,host=a used=3i 1700000000000000002\n#evq sync t2\n")
        #expect(client.readLine() == "ok t2 2")
        // Durable: visible to a reader of the directory right away.
        let stored = try Self.events(dir.path)
        #expect(stored.map(LineProtocolSerializer.line) == [
            "cpu,host=a usage=1.5 1700000000000000000", "cpu,host=b usage=2.0 1700000000000000001",
            "mem,host=a used=3i 1700000000000000002",
        ])
        #expect(daemon.terminate() == 0)
    }

    @Test("each malformed line gets its own err reply with line and column; valid lines around it are stored")
    func errorReplies() throws {
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path)
        let client = try LineClient(port: daemon.port)
        let input = [
            "# a comment",  // 1
            "ok1 v=1i 1",  // 2
            "",  // 3
            "bad v=12x 2",  // 4
            "ok2 v=2i 3",  // 5
            "health,component=gw status=\"sideways\" 4",  // 6
            "slot,strategy=s,conid=1 action=\"acquire\" 5",  // 7
            "ok3 v=3i 6\r",  // 8  (CRLF)
            "#evq frobnicate",  // 9
            "#evq precision ms",  // 10
            "ok4 v=4i 7",  // 11  (7 ms)
            "#evq sync done",  // 12
        ]
        try client.send(input.joined(separator: "\n") + "\n")
        let (errors, ok) = client.readUntil(prefix: "ok done")
        #expect(ok == "ok done 3")
        #expect(errors == [
            "err line=4 col=7 invalid float field value \"12x\"",
            "err line=6 col=\(column(of: "\"sideways\"", in: input[5])) unknown status \"sideways\" (expected one of ok, healthy, up, connected, warning, "
                + "degraded, connecting, critical, down, disconnected, error, stale)",
            "err line=7 col=1 slot line needs tag \"symbol\"",
            "err line=9 col=6 unknown control line \"frobnicate\"",
        ])
        let stored = try Self.events(dir.path)
        #expect(stored.map(\.measurement) == ["ok1", "ok2", "ok3", "ok4"])
        #expect(stored.map(\.time) == [1, 3, 6, 7_000_000])
        // The connection is still open and usable.
        try client.send("ok5 v=5i 8\n#evq sync again\n")
        #expect(client.readLine() == "ok again 4")
        #expect(daemon.terminate() == 0)
    }

    @Test("a line over the length limit is skipped to its newline, and the next line is stored")
    func overlongLine() throws {
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path)
        let client = try LineClient(port: daemon.port)
        let long = "big s=\"" + String(repeating: "x", count: 300 * 1024) + "\" 1\n"
        try client.send(long + "after v=1i 2\n#evq sync s\n")
        let (errors, ok) = client.readUntil(prefix: "ok s")
        #expect(errors == ["err line=1 col=262145 line too long (307210 bytes > 262144)"])
        #expect(ok == "ok s 0")
        #expect(try Self.events(dir.path).map(\.measurement) == ["after"])
        #expect(daemon.terminate() == 0)
    }

    @Test("lines drip-fed one byte at a time are framed exactly as when sent whole")
    func dripFeed() throws {
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path)
        let client = try LineClient(port: daemon.port)
        let text = "m,t=a\\ b f=\"x,y z\" 1\nm f=2i 2\r\nbad\nm f=t 3\n#evq sync d\n"
        for byte in text.utf8 {
            try client.send(bytes: [byte])
            usleep(200)
        }
        let (errors, ok) = client.readUntil(prefix: "ok d")
        #expect(errors == ["err line=3 col=4 missing fields"])
        #expect(ok == "ok d 2")
        let stored = try Self.events(dir.path)
        #expect(stored.map(LineProtocolSerializer.line) == ["m,t=a\\ b f=\"x,y z\" 1", "m f=2i 2", "m f=true 3"])
        #expect(daemon.terminate() == 0)
    }

    @Test("a client that half-closes gets its replies, and a last line without newline is stored")
    func halfClose() throws {
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path)
        let client = try LineClient(port: daemon.port)
        try client.send("a v=1i 1\nnot valid\nlast v=2i 2")
        client.finishSending()
        #expect(client.readLine() == "err line=2 col=10 missing \"=\" after \"valid\"")
        #expect(client.readLine() == nil)  // evqd closes after the replies
        #expect(try Self.events(dir.path).map(\.measurement) == ["a", "last"])
        #expect(daemon.terminate() == 0)
    }

    @Test("SIGTERM with idle clients connected exits 0 promptly and keeps every line sent")
    func gracefulShutdownWithIdleClients() throws {
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path)
        let idle = try (0..<5).map { _ in try LineClient(port: daemon.port) }
        let busy = try LineClient(port: daemon.port)
        // The err reply to the third line proves the server has read the two lines before it (not synced).
        try busy.send("unsynced v=1i 1\nunsynced v=2i 2\nnot-a-line\n")
        #expect(busy.readLine()?.hasPrefix("err line=3 ") == true)
        let start = Daemon.now()
        #expect(daemon.terminate(timeout: 10) == 0)
        #expect(Daemon.now() - start < 5)
        // Lines sent before the signal were drained and fsynced, although nobody asked for a sync.
        #expect(try Self.events(dir.path).count == 2)
        #expect(try LogReader(directory: dir.path).verify().isClean)
        _ = idle
    }

    @Test("a client that never reads its replies loses replies, not data")
    func nonReadingClient() throws {
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path)
        let client = try LineClient(port: daemon.port)
        // 150,000 bad lines produce ~11 MB of replies that nobody reads, more than the socket buffers hold;
        // valid lines are interleaved.
        var text = ""
        for k in 0..<150_000 {
            text += "bad line number \(k)\n"
            if k % 100 == 0 { text += "good v=\(k)i \(k)\n" }
        }
        try client.send(text)
        // Another connection asks for durability of its own line and gets its ack promptly.
        let other = try LineClient(port: daemon.port)
        try other.send("other v=1i 1\n#evq sync o\n")
        let ack = other.readLine()
        #expect(ack?.hasPrefix("ok o ") == true, "a sync on another connection is not held up by the stuck client")
        // Wait for all good lines to be stored (the daemon keeps reading the stuck client).
        let deadline = Daemon.now() + 20
        var good = 0
        while Daemon.now() < deadline {
            good = try Self.events(dir.path).filter { $0.measurement == "good" }.count
            if good == 1500 { break }
            usleep(100_000)
        }
        #expect(good == 1500)
        // Now read what reached the client: fewer replies than bad lines, because the rest were dropped.
        var replies = 0
        while client.readLine(timeout: 1) != nil { replies += 1 }
        #expect(replies > 0 && replies < 150_000)
        #expect(daemon.terminate() == 0)
    }
}

@Suite("evqd start-up", .serialized)
struct StartupTests {
    @Test("a second evqd on the same data directory exits 2 with a clear message; the first keeps running")
    func directoryLock() throws {
        let dir = TemporaryDirectory()
        let first = try Daemon(dataDirectory: dir.path)
        let second = try Daemon.run([
            Daemon.binDirectory + "evqd", "--data-dir", dir.path, "--ingest-addr", "127.0.0.1:0",
        ])
        #expect(second.status == 2)
        #expect(second.err.contains("data directory is in use by another evqd"))
        let client = try LineClient(port: first.port)
        try client.send("still v=1i 1\n#evq sync s\n")
        #expect(client.readLine() == "ok s 0")
        #expect(first.terminate() == 0)
    }

    @Test("bad flags exit 64 naming the flag")
    func badFlags() throws {
        let bad = try Daemon.run([Daemon.binDirectory + "evqd", "--fsync", "sometimes"])
        #expect(bad.status == 64)
        #expect(bad.err.contains("expected always, never or interval:MS, got 'sometimes'"))
        let address = try Daemon.run([Daemon.binDirectory + "evqd", "--ingest-addr", "localhost"])
        #expect(address.status == 64)
        #expect(address.err.contains("expected HOST:PORT"))
    }
}

@Suite("evqd ingest: broken connections", .serialized)
struct BrokenConnectionTests {
    @Test("a connection reset in the middle of a line does not store the half line; complete lines before it are kept")
    func resetDropsPartialLine() throws {
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path)
        let client = try LineClient(port: daemon.port)
        try client.send("whole v=1i 1\n#evq sync w\n")
        #expect(client.readLine() == "ok w 0")
        try client.send("rst v=12")  // the intended line was "rst v=123 2"
        usleep(200_000)
        client.reset()
        usleep(300_000)
        #expect(daemon.terminate() == 0)
        #expect(try IngestTests.events(dir.path).map(\.measurement) == ["whole"])
    }

    @Test("shutdown with a client in the middle of a line does not store the half line")
    func shutdownDropsPartialLine() throws {
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path)
        let client = try LineClient(port: daemon.port)
        try client.send("whole v=1i 1\n#evq sync w\n")
        #expect(client.readLine() == "ok w 0")
        try client.send("half v=12")
        usleep(200_000)
        #expect(daemon.terminate() == 0)
        #expect(try IngestTests.events(dir.path).map(\.measurement) == ["whole"])
        _ = client
    }
}
