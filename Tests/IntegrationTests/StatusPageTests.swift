#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvCore
import EvStorage
import EvTestSupport
import Testing

/// The status page in a real headless Chromium (`tools/page-check.py`, over the DevTools protocol).
@Suite("Status page", .serialized)
struct StatusPageTests {
    static var evq: String { Daemon.binDirectory + "evq" }

    /// The repository's root (the test bundle lives in .build/<triple>/debug/).
    static var root: String {
        var path = Daemon.binDirectory
        while !FileSystem.exists(path + "/Package.swift") && path.count > 1 {
            path.removeLast()
            while !path.hasSuffix("/") { path.removeLast() }
        }
        return path
    }

    @Test("renders the scripted scenario without console errors, takes a screenshot, and updates live")
    func rendersAndUpdates() throws {
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path)
        let now = WallClock.nowNanoseconds() / 1_000_000_000
        var lines = ""
        for k in 0..<100 {
            let t = (now - 500 + Int64(k) * 5) * 1_000_000_000
            lines += "cpu,host=gw1 usage_active=\(20 + k % 30).5 \(t)\n"
            lines += "mem,host=gw1 used_percent=\(60 + k % 30).0 \(t)\n"
            lines += "disk,host=gw1,path=/,device=sda1,fstype=ext4 used_percent=91.0 \(t)\n"
        }
        lines += """
            health,component=ib_gateway,host=gw1 status="connected",latency_ms=12i
            health,component=md_feed,host=gw1 status="down",message="feed lost"
            slot,strategy=mm1,conid=265598,symbol=AAPL action="acquire"
            alert,alert=disk_low,severity=warning,host=gw1 state="firing",message="disk 91%"
            alert,alert=disk_low,severity=warning,host=gw1 state="ack",by="alice"

            """
        let push = try Daemon.run([Self.evq, "push", "--to", "127.0.0.1:\(daemon.port)", "--sync"], stdin: Array(lines.utf8))
        #expect(push.status == 0, "\(push.err)")
        let screenshot = Daemon.binDirectory + "status-page.png"
        let later = "printf 'health,component=risk_engine status=\"ok\"\\n' | \(Self.evq) push --to 127.0.0.1:\(daemon.port) --sync"
        let check = try Daemon.run([
            "/usr/bin/env", "python3", Self.root + "tools/page-check.py", "--url", "http://127.0.0.1:\(daemon.httpPort)/",
            // Components with their badges, the slot, the acknowledged alert and the rule's alert, the gauges.
            "--expect", "ib_gateway", "--expect", "md_feed", "--expect", "feed lost", "--expect", "AAPL",
            "--expect", "alice", "--expect", "component_down", "--expect", "Disk used gw1", "--expect", "91.0%",
            "--expect", "1 / 100", "--screenshot", screenshot,
            "--then", later, "--expect-after", "risk_engine",
        ])
        print("status page screenshot: \(screenshot)")
        #expect(check.status == 0, "\(check.out)\(check.err)")
        #expect(check.out.contains("live update seen: risk_engine"))
        #expect(check.out.contains("no console errors"))
        let png = try FileSystem.readFile(screenshot)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 20_000)
        #expect(daemon.terminate() == 0)
    }
}
