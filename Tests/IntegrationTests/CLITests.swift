#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvCore
import EvStorage
import EvTestSupport
import Testing

@Suite("evq command line", .serialized)
struct CLITests {
    static var evq: String { Daemon.binDirectory + "evq" }

    static let sample = """
        cpu,host=h0,core=0 usage_user=8.3,usage_idle=85.0 1700000000000000000
        health,host=h0,component=ib_gateway status="connected",latency_ms=13i,healthy=true,msg="ok" 1700000000000000000
        heartbeat,component=md_feed seq=1i 1700000001000000000
        slot,strategy=mm1,conid=265598,symbol=AAPL action="acquire" 1700000002000000000
        alert,alert=cpu_high,severity=critical state="firing",value=93.5 1700000003000000000
        mem,host=h\\ 0 used=5187270787i,free=24520249469u,note="say \\"hi\\"" 1700000004000000000

        """

    @Test("push with --sync stores the lines; export gives them back; pushing the export elsewhere is identical")
    func pushExportRoundTrip() throws {
        let a = TemporaryDirectory()
        let b = TemporaryDirectory()
        let daemonA = try Daemon(dataDirectory: a.path)
        let push = try Daemon.run([Self.evq, "push", "--to", "127.0.0.1:\(daemonA.port)", "--sync"], stdin: Array(Self.sample.utf8))
        #expect(push.status == 0, "\(push.err)")
        #expect(push.err.contains("pushed 6 lines"))
        #expect(push.err.contains("durable through offset 5"))
        let exportA = try Daemon.run([Self.evq, "--data-dir", a.path, "export"])
        #expect(exportA.status == 0)
        #expect(exportA.out == Self.sample)

        let daemonB = try Daemon(dataDirectory: b.path)
        _ = try Daemon.run([Self.evq, "push", "--to", "127.0.0.1:\(daemonB.port)", "--sync"], stdin: Array(exportA.out.utf8))
        let exportB = try Daemon.run([Self.evq, "export", "--data-dir", b.path])
        #expect(exportB.out == exportA.out)
        #expect(daemonA.terminate() == 0)
        #expect(daemonB.terminate() == 0)
    }

    @Test("push reports each rejected line as FILE:LINE:COL and exits 1")
    func pushReportsRejects() throws {
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path)
        let input = "good v=1i 1\nbad v=1x 2\ngood v=2i 3\n"
        let push = try Daemon.run([Self.evq, "push", "--to", "127.0.0.1:\(daemon.port)", "--sync"], stdin: Array(input.utf8))
        #expect(push.status == 1)
        #expect(push.err.contains("stdin:2:7: invalid float field value \"1x\""))
        #expect(push.err.contains("1 rejected"))
        #expect(daemon.terminate() == 0)
        let unreachable = try Daemon.run([Self.evq, "push", "--to", "127.0.0.1:1"], stdin: Array(input.utf8))
        #expect(unreachable.status == 2)
    }

    @Test(
        "bad flags are refused with exit 2 and a message naming the flag and the value",
        arguments: [
            (["timeline", "cpu*", "--step", "99999999999999999d"], "--step '99999999999999999d' is not a duration"),
            (["timeline", "cpu*", "--step", "7q"], "--step '7q' is not a duration"),
            (["timeline", "cpu*", "--points", "0"], "--points must be at least 1"),
            (["timeline", "cpu*", "--agg", "median"], "--agg 'median' is not one of avg, min, max, last"),
            (["replay", "--at", "yesterday-ish"], "yesterday-ish"),
        ]
    )
    func badFlags(arguments: [String], message: String) throws {
        let dir = TemporaryDirectory()
        let result = try Daemon.run([Self.evq] + arguments + ["--data-dir", dir.path])
        #expect(result.status == 64, "\(result.err)")  // EX_USAGE, as swift-argument-parser exits on a usage error
        #expect(result.err.contains(message), "\(result.err)")
    }

    @Test("tail filters by kind, component and glob; --json is one object per line")
    func tail() throws {
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path)
        _ = try Daemon.run([Self.evq, "push", "--to", "127.0.0.1:\(daemon.port)", "--sync"], stdin: Array(Self.sample.utf8))
        #expect(daemon.terminate() == 0)
        let last2 = try Daemon.run([Self.evq, "tail", "--data-dir", dir.path, "-n", "2"])
        #expect(last2.out.split(separator: "\n").map { $0.split(separator: "\t")[0] } == ["4", "5"])
        let health = try Daemon.run([Self.evq, "tail", "--data-dir", dir.path, "--kind", "health"])
        #expect(health.out == "1\t2023-11-14T22:13:20Z\thealth\thealth,host=h0,component=ib_gateway status=\"connected\",latency_ms=13i,healthy=true,msg=\"ok\"\n")
        let component = try Daemon.run([Self.evq, "tail", "--data-dir", dir.path, "--component", "md_feed", "--json"])
        #expect(component.out.hasPrefix("{\"offset\":2,\"time\":\"2023-11-14T22:13:21Z\""))
        #expect(component.out.contains("\"fields\":{\"seq\":1}"))
        let glob = try Daemon.run([Self.evq, "tail", "--data-dir", dir.path, "--match", "mem,host=h??0"])
        #expect(glob.out.split(separator: "\n").count == 1)
        let badKind = try Daemon.run([Self.evq, "tail", "--data-dir", dir.path, "--kind", "nope"])
        #expect(badKind.status == 64)
        #expect(badKind.err.contains("unknown --kind 'nope'"))
    }

    @Test("export --from/--to select by event time in RFC 3339 or unix time")
    func exportTimeRange() throws {
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path)
        _ = try Daemon.run([Self.evq, "push", "--to", "127.0.0.1:\(daemon.port)", "--sync"], stdin: Array(Self.sample.utf8))
        #expect(daemon.terminate() == 0)
        let rfc = try Daemon.run([Self.evq, "export", "--data-dir", dir.path, "--from", "2023-11-14T22:13:21Z", "--to", "2023-11-14T22:13:23Z"])
        #expect(rfc.out.split(separator: "\n").map { $0.split(separator: ",")[0] } == ["heartbeat", "slot", "alert"])
        let unix = try Daemon.run([Self.evq, "export", "--data-dir", dir.path, "--from", "1700000001", "--to", "1700000003000000000"])
        #expect(unix.out == rfc.out)
        // A relative time that starts with "-" is a value, not an option.
        let relative = try Daemon.run([Self.evq, "export", "--data-dir", dir.path, "--from", "-30000d", "--to", "now"])
        #expect(relative.out == Self.sample)
        let bad = try Daemon.run([Self.evq, "export", "--data-dir", dir.path, "--from", "yesterday-ish"])
        #expect(bad.status == 64)
    }

    @Test("verify exits 0 on a sound log and 1 naming the segment and block of a damaged one; stats counts")
    func verifyAndStats() throws {
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path)
        for k in 0..<3 {
            _ = try Daemon.run(
                [Self.evq, "push", "--to", "127.0.0.1:\(daemon.port)", "--sync"],
                stdin: Array("m v=\(k)i \(k)\nm v=\(k + 10)i \(k + 10)\n".utf8)
            )
        }
        #expect(daemon.terminate() == 0)
        let clean = try Daemon.run([Self.evq, "verify", "--data-dir", dir.path])
        #expect(clean.status == 0)
        #expect(clean.out.contains("3 sound blocks, 6 events"))
        let stats = try Daemon.run([Self.evq, "stats", "--data-dir", dir.path, "--json"])
        #expect(stats.out.hasPrefix("{\"segments\":1,\"events\":6,"))

        let path = dir.file(FileNames.segment(baseOffset: 0))
        var bytes = try FileSystem.readFile(path)
        let entries = try LogReader(directory: dir.path).segments[0].entries
        bytes[entries[1].position + BlockHeader.size + 2] ^= 0x01
        try FileSystem.writeAtomically(bytes, to: path, directory: dir.path)
        let damaged = try Daemon.run([Self.evq, "verify", "--data-dir", dir.path])
        #expect(damaged.status == 1)
        #expect(damaged.out.contains("DAMAGED 00000000000000000000.log: block 1 at byte \(entries[1].position)"))
        let export = try Daemon.run([Self.evq, "export", "--data-dir", dir.path])
        #expect(export.out.split(separator: "\n").count == 4)
        #expect(export.err.contains("skipped damaged block"))
        let missing = try Daemon.run([Self.evq, "stats", "--data-dir", dir.path + "/nope"])
        #expect(missing.status == 2)
    }
}

@Suite("Views across restarts", .serialized)
struct ViewsRestartTests {
    static var evq: String { Daemon.binDirectory + "evq" }

    static func lines(_ range: Range<Int>, base: Int64 = 1_763_650_000) -> String {
        range.map { k in
            let t = (base + Int64(k)) * 1_000_000_000
            var out = "cpu,host=h\(k % 3) usage=\(Double(k % 97) / 2) \(t)\n"
            out += "health,component=gw,host=h\(k % 3) status=\"\(k % 10 == 0 ? "degraded" : "connected")\",latency_ms=\(k % 13)i \(t)\n"
            if k % 25 == 0 { out += "slot,strategy=s\(k % 4),conid=\(k),symbol=X\(k) action=\"acquire\" \(t)\n" }
            if k % 50 == 0 { out += "alert,alert=a\(k % 7),severity=warning state=\"firing\" \(t)\n" }
            return out
        }.joined()
    }

    @Test("views from checkpoint + tail equal a full replay, after a clean stop and after kill -9")
    func checkpointPlusTail() throws {
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path)
        _ = try Daemon.run([Self.evq, "push", "--to", "127.0.0.1:\(daemon.port)", "--sync"], stdin: Array(Self.lines(0..<300).utf8))
        #expect(daemon.terminate() == 0)
        #expect(FileSystem.exists(dir.file("views.checkpoint")), "a clean stop writes a checkpoint")
        try daemon.start()
        _ = try Daemon.run([Self.evq, "push", "--to", "127.0.0.1:\(daemon.port)", "--sync"], stdin: Array(Self.lines(300..<500).utf8))
        daemon.kill9()
        try daemon.start()
        #expect(daemon.terminate() == 0)
        let at = "2025-11-20T14:50:00Z"  // inside the pushed range (14:46:40 + 0..<500 s)
        let end = "2025-11-20T15:00:00Z"
        var withCheckpoint: [String] = []
        for arguments in [["replay", "--at", at, "--json"], ["replay", "--at", end, "--json"], ["health", "--at", end, "--json"],
                          ["timeline", "cpu,host=h1 usage", "--at", end, "--json", "--points", "100"]] {
            let run = try Daemon.run([Self.evq] + arguments + ["--data-dir", dir.path])
            #expect(run.status == 0, "\(arguments): \(run.err)")
            withCheckpoint.append(run.out)
        }
        try FileSystem.remove(dir.file("views.checkpoint"))
        var fullReplay: [String] = []
        for arguments in [["replay", "--at", at, "--json"], ["replay", "--at", end, "--json"], ["health", "--at", end, "--json"],
                          ["timeline", "cpu,host=h1 usage", "--at", end, "--json", "--points", "100"]] {
            fullReplay.append(try Daemon.run([Self.evq] + arguments + ["--data-dir", dir.path]).out)
        }
        #expect(withCheckpoint == fullReplay)
        #expect(withCheckpoint[1].contains("\"events\":"))
        // And a daemon started without the checkpoint rebuilds it from the whole log.
        try daemon.start()
        #expect(daemon.terminate() == 0)
        #expect(FileSystem.exists(dir.file("views.checkpoint")))
        let rebuilt = try Daemon.run([Self.evq, "replay", "--at", end, "--json", "--data-dir", dir.path])
        #expect(rebuilt.out == fullReplay[1])
    }
}

@Suite("evq tail -f", .serialized)
struct TailFollowTests {
    @Test("tail -f prints events pushed after it started, with its filters")
    func follow() throws {
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path)
        let evq = Daemon.binDirectory + "evq"
        _ = try Daemon.run([evq, "push", "--to", "127.0.0.1:\(daemon.port)", "--sync"], stdin: Array("new0 v=0i 0\nold v=1i 1\n".utf8))
        let output = dir.path + "/tail.out"
        let tail = try Daemon.start([evq, "tail", "-f", "-n", "1", "--match", "new*", "--data-dir", dir.path], outputPath: output)
        defer { Daemon.stop(tail) }
        // The last matching event is printed first: then tail is following.
        for _ in 0..<200 where !Daemon.readText(output).contains("new0") { usleep(25_000) }
        _ = try Daemon.run(
            [evq, "push", "--to", "127.0.0.1:\(daemon.port)", "--sync"],
            stdin: Array("new v=2i 2\nother v=3i 3\nnewer v=4i 4\n".utf8)
        )
        var text = ""
        for _ in 0..<100 {
            text = Daemon.readText(output)
            if text.contains("newer") { break }
            usleep(50_000)
        }
        let lines = text.split(separator: "\n").map { $0.split(separator: "\t").last.map(String.init) ?? "" }
        #expect(lines == ["new0 v=0i", "new v=2i", "newer v=4i"])
        #expect(daemon.terminate() == 0)
    }
}
