#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvCore
import EvStorage
import EvTestSupport
import Testing

/// The scripted post-mortem: a gateway disconnects and reconnects, slots come and go, a CPU spike makes the
/// built-in rule fire and resolve an alert, an operator acknowledges it; `evq replay --at T` on a copy of the data
/// directory then shows the state at several instants.
@Suite("Post-mortem replay", .serialized)
struct PostMortemTests {
    static var evq: String { Daemon.binDirectory + "evq" }
    static let minute: Int64 = 60_000_000_000

    static func json(_ arguments: [String]) throws -> String {
        let run = try Daemon.run([evq] + arguments)
        #expect(run.status == 0, "\(arguments): \(run.err)")
        return run.out
    }

    @Test("replay --at T shows the health, slots and alerts of each instant")
    func scenario() throws {
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path)
        let now = WallClock.nowNanoseconds()
        let base = (now - 30 * Self.minute) / Self.minute * Self.minute  // whole minute, 30 min ago
        func at(_ minutes: Double) -> Int64 { base + Int64(minutes * Double(Self.minute)) }
        func cpu(_ from: Double, _ to: Double, idle: (Double) -> Double) -> String {
            stride(from: from, to: to, by: 1.0 / 6).map { m in "cpu,host=db1 usage_idle=\(idle(m)) \(at(m))\n" }.joined()
        }
        var part1 = "health,component=ib_gateway,host=gw1 status=\"connected\",latency_ms=12i \(at(0))\n"
        part1 += "slot,strategy=mm1,conid=265598,symbol=AAPL action=\"acquire\" \(at(0.5))\n"
        part1 += "slot,strategy=mm1,conid=272093,symbol=MSFT action=\"acquire\" \(at(0.5))\n"
        part1 += "health,component=ib_gateway,host=gw1 status=\"disconnected\",message=\"connection reset by peer\" \(at(3))\n"
        part1 += "health,component=ib_gateway,host=gw1 status=\"connected\" \(at(5))\n"
        part1 += "slot,strategy=mm1,conid=265598,symbol=AAPL action=\"release\" \(at(6))\n"
        part1 += cpu(0, 8) { $0 >= 2 && $0 < 9 ? 5 : 50 }  // idle 5 % (usage 95 %) from minute 2
        part1 += stride(from: 0.0, to: 8, by: 1.0 / 6).map { "heartbeat,component=ib_gateway,host=gw1 seq=1i \(at($0))\n" }.joined()
        let push1 = try Daemon.run([Self.evq, "push", "--to", "127.0.0.1:\(daemon.port)", "--sync"], stdin: Array(part1.utf8))
        #expect(push1.status == 0, "\(push1.err)")

        // The rule raised cpu_critical at minute 7 (5 minutes below 10 % idle); the alert reaches the log shortly.
        var active = ""
        for _ in 0..<100 {
            active = try Self.json(["alerts", "--active", "--json", "--data-dir", dir.path])
            if active.contains("\"alert\":\"cpu_critical\"") { break }
            usleep(50_000)
        }
        #expect(active.contains("\"alert\":\"cpu_critical\""))
        #expect(active.contains("\"fired_at\":\"\(RFC3339.format(nanoseconds: at(7)))\""))
        let ack = try Daemon.run([Self.evq, "ack", "cpu_critical", "--by", "alice", "--to", "127.0.0.1:\(daemon.port)", "--data-dir", dir.path])
        #expect(ack.status == 0, "\(ack.err)")
        let ackedAt = WallClock.nowNanoseconds()

        // Minute 9: idle back to 50 %: the rule resolves the alert.
        let push2 = try Daemon.run([Self.evq, "push", "--to", "127.0.0.1:\(daemon.port)", "--sync"], stdin: Array(cpu(8, 12) { $0 >= 9 ? 50 : 5 }.utf8))
        #expect(push2.status == 0)
        // The rule resolves the alert as the daemon applies the new samples; wait until the log holds it.
        for _ in 0..<200 {
            let all = try Self.json(["alerts", "--json", "--data-dir", dir.path])
            if all.contains("\"alert\":\"cpu_critical\",\"labels\":{\"host\":\"db1\"},\"severity\":\"critical\",\"state\":\"resolved\"") { break }
            usleep(50_000)
        }
        #expect(daemon.terminate() == 0)

        // The post-mortem runs on a copy of the data directory.
        let copy = TemporaryDirectory()
        for name in try FileSystem.list(dir.path) where name != FileNames.lockFile {
            try FileSystem.writeAtomically(try FileSystem.readFile(dir.file(name)), to: copy.file(name), directory: copy.path)
        }
        func state(_ t: Int64) throws -> String { try Self.json(["replay", "--at", RFC3339.format(nanoseconds: t), "--json", "--data-dir", copy.path]) }

        let t1 = try state(at(1))
        #expect(t1.contains("\"overall\":\"green\""))
        #expect(t1.contains("\"status\":\"connected\""))
        #expect(t1.contains("\"used\":2,"))
        #expect(t1.contains("\"alerts\":{\"alerts\":[]"))

        let t2 = try state(at(4))
        #expect(t2.contains("\"status\":\"disconnected\",\"color\":\"red\""))
        #expect(t2.contains("\"message\":\"connection reset by peer\""))
        #expect(t2.contains("\"alert\":\"component_down\",\"labels\":{\"component\":\"ib_gateway\",\"host\":\"gw1\"},\"severity\":\"critical\",\"state\":\"firing\""))
        #expect(t2.contains("\"used\":2,"))

        let t3 = try state(at(8))
        #expect(t3.contains("\"status\":\"connected\",\"color\":\"green\""))
        #expect(t3.contains("\"message\":null"), "the reconnect cleared the disconnect's message")
        #expect(t3.contains("\"since\":\"\(RFC3339.format(nanoseconds: at(5)))\""))
        #expect(t3.contains("\"used\":1,"))
        #expect(t3.contains("\"symbol\":\"MSFT\""))
        #expect(!t3.contains("\"symbol\":\"AAPL\",\"since\""))
        #expect(t3.contains("\"state\":\"resolved\",\"fired_at\":\"\(RFC3339.format(nanoseconds: at(3)))\""))  // component_down
        #expect(t3.contains("\"alert\":\"cpu_critical\",\"labels\":{\"host\":\"db1\"},\"severity\":\"critical\",\"state\":\"firing\""))
        #expect(t3.contains("\"acked_by\":null"))  // the acknowledgement came later

        let t4 = try state(ackedAt + 1_000_000_000)
        #expect(t4.contains("\"alert\":\"cpu_critical\",\"labels\":{\"host\":\"db1\"},\"severity\":\"critical\",\"state\":\"resolved\""))
        #expect(t4.contains("\"acked_by\":\"alice\""))
        #expect(t4.contains("\"resolved_at\":\"\(RFC3339.format(nanoseconds: at(9)))\""))
    }

    @Test("replay --at T on a copy gives exactly the state the live daemon showed at T, at every instant checked")
    func liveEqualsReplay() throws {
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path)
        let http = try HTTPTestClient(port: daemon.httpPort)
        func push(_ text: String) throws {
            let run = try Daemon.run([Self.evq, "push", "--to", "127.0.0.1:\(daemon.port)", "--sync"], stdin: Array(text.utf8))
            #expect(run.status == 0, "\(run.err)")
        }
        /// The live state, once the views have applied everything written (rule alerts included) and it stays so.
        func live() throws -> String {
            var stable = 0
            for _ in 0..<400 where stable < 3 {
                stable = try http.get("/healthz").text.contains("\"views_lag_events\":0}") ? stable + 1 : 0
                usleep(20_000)
            }
            #expect(stable == 3, "the views did not settle")
            return try http.get("/api/v1/state").text
        }
        // Events without timestamps: their time is when evqd received them, as in production.
        var seen: [String] = []
        try push("health,component=ib_gateway,host=gw1 status=\"connected\",latency_ms=12i\nslot,strategy=mm1,conid=1,symbol=AAPL action=\"acquire\"\nslot,strategy=mm1,conid=2,symbol=MSFT action=\"acquire\"\n")
        seen.append(try live())
        usleep(300_000)
        try push("health,component=ib_gateway,host=gw1 status=\"disconnected\",message=\"connection reset\"\nslot,strategy=mm1,conid=2,symbol=MSFT action=\"acquire\"\n")
        seen.append(try live())
        usleep(300_000)
        let ack = try Daemon.run([Self.evq, "ack", "component_down", "--by", "bob", "--to", "127.0.0.1:\(daemon.port)", "--data-dir", dir.path])
        #expect(ack.status == 0, "\(ack.err)")
        try push("health,component=ib_gateway,host=gw1 status=\"connected\"\nslot,strategy=mm1,conid=1,symbol=AAPL action=\"release\"\nheartbeat,component=md_feed seq=1i\n")
        seen.append(try live())
        #expect(daemon.terminate() == 0)

        let copy = TemporaryDirectory()
        for name in try FileSystem.list(dir.path) where name != FileNames.lockFile {
            try FileSystem.writeAtomically(try FileSystem.readFile(dir.file(name)), to: copy.file(name), directory: copy.path)
        }
        #expect(seen[1].contains("\"state\":\"firing\"") && seen[2].contains("\"acked_by\":\"bob\""))
        #expect(seen[1].contains("\"kind\":\"double_acquire\""))
        for state in seen {
            let at = try #require(state.firstMatch(of: /^\{"at":"([^"]+)"/)).1
            #expect(try Self.json(["replay", "--at", String(at), "--json", "--data-dir", copy.path]) == state)
        }
    }
}
