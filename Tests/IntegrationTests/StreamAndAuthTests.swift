#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvCore
import EvStorage
import EvTestSupport
import Testing

/// The live event stream (Server-Sent Events) and the shared token, on a real evqd.
@Suite("Live stream and auth", .serialized)
struct StreamAndAuthTests {
    static var evq: String { Daemon.binDirectory + "evq" }

    static func push(_ text: String, port: Int) throws -> (status: Int32, err: String) {
        let run = try Daemon.run([evq, "push", "--to", "127.0.0.1:\(port)", "--sync"], stdin: Array(text.utf8))
        return (run.status, run.err)
    }

    @Test("the stream follows ingest live, filtered; Last-Event-ID resumes from history without a gap or a repeat")
    func followAndResume() throws {
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path)
        let live = try HTTPTestClient(port: daemon.httpPort)
        let head = try live.openStream("/api/v1/stream?kind=health")
        #expect(head.status == 200 && head.headers["content-type"] == "text/event-stream")
        _ = try Self.push("cpu,host=a v=1 1\nhealth,component=db status=\"ok\" 2\nhealth,component=web status=\"down\" 3\n", port: daemon.port)
        let first = try #require(try live.nextMessage(timeout: 10))
        let second = try #require(try live.nextMessage(timeout: 10))
        #expect(first.id == "1" && first.data.contains("\"component\":\"db\""))
        #expect(second.id == "2" && second.data.contains("\"component\":\"web\""))

        // A client that saw offset 1 reconnects: it gets 2 from the log, then what comes live, each once.
        let resumed = try HTTPTestClient(port: daemon.httpPort)
        _ = try resumed.openStream("/api/v1/stream?kind=health,alert", headers: ["Last-Event-ID": "1"])
        _ = try Self.push("health,component=db status=\"degraded\" 4\n", port: daemon.port)
        var ids: [String] = []
        while ids.count < 3, let m = try resumed.nextMessage(timeout: 10) { ids.append(m.id ?? "?") }
        // 2: web down (history); 3: the component_down alert the rule raised for it; 4: db degraded (live).
        #expect(ids == ["2", "3", "4"])
        #expect(try resumed.nextMessage(timeout: 0.5) == nil, "no event twice")

        // format=text: the lines evq tail prints.
        let text = try HTTPTestClient(port: daemon.httpPort)
        _ = try text.openStream("/api/v1/stream?from_offset=0&kind=metric&format=text")
        let line = try #require(try text.nextMessage(timeout: 10))
        #expect(line.data == "0\t1970-01-01T00:00:00.000000001Z\tmetric\tcpu,host=a v=1.0")
        #expect(daemon.terminate() == 0, "evqd stops while streams are open")
    }

    @Test("a consumer that stops reading is dropped with a counter; ingest does not slow down")
    func slowConsumer() throws {
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path, arguments: ["--stream-buffer-events", "1000"])
        let slow = try HTTPTestClient(port: daemon.httpPort)
        _ = try slow.openStream("/api/v1/stream")  // and never read again
        let fast = try HTTPTestClient(port: daemon.httpPort)
        _ = try fast.openStream("/api/v1/stream?kind=slot")
        // 200,000 events: far more than the socket buffers and the 1,000-event queue hold.
        var text = ""
        for k in 0..<200_000 { text += "m,host=h\(k % 50) value=\(k)i,pad=\"\(String(repeating: "x", count: 40))\" \(k + 1)\n" }
        text += "slot,strategy=s,conid=1,symbol=X action=\"acquire\" 300000\n"
        let started = WallClock.nowNanoseconds()
        let push = try Self.push(text, port: daemon.port)
        #expect(push.status == 0, "\(push.err)")
        #expect(WallClock.nowNanoseconds() - started < 30_000_000_000)
        // The consumer that reads still gets its event.
        let slot = try #require(try fast.nextMessage(timeout: 10))
        #expect(slot.data.contains("\"measurement\":\"slot\""))
        let http = try HTTPTestClient(port: daemon.httpPort)
        var metrics = ""
        for _ in 0..<200 {
            metrics = try http.get("/metrics").text
            if metrics.contains("evq_stream_subscribers_dropped_total 1") { break }
            usleep(20_000)
        }
        #expect(metrics.contains("evq_stream_subscribers_dropped_total 1"))
        #expect(metrics.contains("evq_stream_subscribers 1"))  // the reader is still there
        #expect(daemon.terminate() == 0)
    }

    @Test("with a token, ingest refuses lines before '#evq auth TOKEN' and closes on a wrong one; HTTP answers 401")
    func auth() throws {
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path, arguments: ["--auth-token", "s3cret"])

        let anonymous = try LineClient(port: daemon.port)
        try anonymous.send("cpu v=1 1\n#evq sync a\n")
        #expect(anonymous.readLine() == "err line=1 col=1 auth required: send '#evq auth TOKEN' first")
        #expect(anonymous.readLine() == "err line=2 col=1 auth required: send '#evq auth TOKEN' first")

        let wrong = try LineClient(port: daemon.port)
        try wrong.send("#evq auth guess\ncpu v=2 2\n")
        #expect(wrong.readLine() == "err line=1 col=1 auth failed: wrong token")
        #expect(wrong.readLine() == nil)  // closed

        let good = try LineClient(port: daemon.port)
        try good.send("#evq auth s3cret\ncpu v=3 3\n#evq sync b\n")
        #expect(good.readLine() == "ok b 0")  // only the authenticated line was stored

        let http = try HTTPTestClient(port: daemon.httpPort)
        let none = try http.get("/api/v1/health")
        #expect(none.status == 401 && none.text == "{\"error\":\"a token is required: Authorization: Bearer TOKEN\"}\n")
        #expect(none.headers["www-authenticate"] == "Bearer realm=\"evq\"")
        #expect(try http.get("/api/v1/health", headers: ["Authorization": "Bearer guess"]).status == 401)
        #expect(try http.get("/metrics", headers: ["Authorization": "Basic czNjcmV0"]).status == 401)
        #expect(try http.get("/api/v1/series", headers: ["Authorization": "Bearer s3cret"]).text == "{\"series\":[\"cpu v\"]}\n")
        #expect(try http.get("/api/v1/slots?access_token=s3cret").status == 401)  // a URL token: the live stream only
        #expect(try http.get("/healthz").status == 200)  // liveness stays open
        #expect(try http.get("/").status == 200)  // the page holds no data; it asks for the token
        #expect(daemon.terminate() == 0)
    }
}
