import EvCore
import EvEngine
import EvStorage
import EvTestSupport
import EvViews
import Logging
import PropertyBased
import Testing

@Suite("Live views", .serialized)
struct ViewEngineTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A random event of any kind, at a time within a few minutes of `t0`.
    static func randomEvent(_ f: inout EventFactory, t0: Int64) -> Event {
        let time = t0 + Int64(f.int(0..<600)) * 1_000_000_000
        let c = "c\(f.int(0..<4))"
        switch f.int(0..<10) {
        case 0:
            let status = ["ok", "degraded", "down", "connected", "error"][f.int(0..<5)]
            return Event(time: time, measurement: "health", tags: [Tag("component", c)], fields: [Field("status", .string(status)), Field("latency_ms", .int(Int64(f.int(0..<50))))])
        case 1:
            return Event(time: time, measurement: "heartbeat", tags: [Tag("component", c)], fields: [Field("seq", .int(1))])
        case 2:
            let action = f.int(0..<2) == 0 ? "acquire" : "release"
            return Event(time: time, measurement: "slot", tags: [Tag("strategy", "s\(f.int(0..<3))"), Tag("conid", "\(f.int(0..<5))"), Tag("symbol", "X")], fields: [Field("action", .string(action))])
        case 3:
            let state = ["firing", "ack", "resolved"][f.int(0..<3)]
            return Event(time: time, measurement: "alert", tags: [Tag("alert", "a\(f.int(0..<3))"), Tag("severity", "warning")], fields: [Field("state", .string(state)), Field("by", .string("bob"))])
        default:
            return Event(time: time, measurement: "cpu", tags: [Tag("host", "h\(f.int(0..<3))")], fields: [Field("usage_idle", .float(Double(f.int(0..<1000)) / 10)), Field("n", .int(Int64(f.int(0..<100))))])
        }
    }

    static func render(_ views: borrowing Views, at: Int64) -> String {
        var out: [UInt8] = []
        ViewsJSON.health(views.health.report(at: at), to: &out)
        ViewsJSON.slots(views.slots, to: &out)
        ViewsJSON.alerts(views.alerts.alerts(), history: views.alerts, to: &out)
        for index in 0..<views.timelines.seriesCount {
            ViewsJSON.timeline(try! views.timelines.query(series: index, end: at, points: 720), to: &out)
        }
        return String(decoding: out, as: UTF8.self) + " next \(views.nextOffset)"
    }

    @Test("for random event streams, the live views equal a rebuild from the log, and a restart from the checkpoint")
    func liveEqualsRebuild() async throws {
        await propertyCheck(count: 12, input: Gen.int(in: 1...1_000_000)) { seed in
            let dir = TemporaryDirectory()
            var f = EventFactory(seed: UInt64(seed))
            let t0: Int64 = 1_763_650_000_000_000_000
            let log = try! SegmentLog(directory: dir.path, logger: Self.logger)
            let engine = try! ViewEngine(directory: dir.path, checkpointInterval: .seconds(3600), logger: Self.logger)
            let writer = LogWriter(log: log, policy: .never, logger: Self.logger, onCommit: { engine.committed($0) })
            engine.setEmitter { events in writer.submit([SealedBlock.seal(events)], sync: false) { _ in } }
            // Random events in random block sizes, as connections would seal them.
            for _ in 0..<f.int(5..<40) {
                let block = SealedBlock.seal((0..<f.int(1..<60)).map { _ in Self.randomEvent(&f, t0: t0) })
                writer.submit([block], sync: false) { _ in }
            }
            // Rule alerts raised live go through the writer too: alternate "writer has committed everything
            // submitted so far" and "engine has applied everything committed" until nothing new appears.
            func writerIdle() {
                let done = Locked(false)
                writer.submit([], sync: true) { _ in done.withLock { $0 = true } }
                while !done.value { OSThread.sleep(milliseconds: 1) }
            }
            while true {
                writerIdle()
                engine.drain()
                let before = engine.nextOffset
                writerIdle()
                engine.drain()
                if engine.nextOffset == before { break }
            }
            let at = t0 + 700_000_000_000
            let live = engine.read { Self.render($0, at: at) }

            var rebuilt = Views()
            try! LogReader(directory: dir.path).forEach { event in
                _ = rebuilt.apply(event)
                return true
            }
            #expect(Self.render(rebuilt, at: at) == live)

            writer.shutdown()
            engine.shutdown()  // writes the checkpoint
            let restarted = try! ViewEngine(directory: dir.path, logger: Self.logger)
            #expect(restarted.startReport.checkpointOffset == rebuilt.nextOffset)
            #expect(restarted.read { Self.render($0, at: at) } == live)
            restarted.shutdown()
        }
    }

    /// evqd's wiring (the writer's `onCommit` feeds the engine, the engine's emitter submits to the writer) is a cycle
    /// of closures; LeakSanitizer found both objects, their threads' state and the log's files alive after shutdown.
    @Test("after shutdown, an engine and a log writer wired to each other are freed")
    func shutdownBreaksTheWriterCycle() throws {
        let dir = TemporaryDirectory()
        weak var weakEngine: ViewEngine?
        weak var weakWriter: LogWriter?
        do {
            let log = try SegmentLog(directory: dir.path, logger: Self.logger)
            let engine = try ViewEngine(directory: dir.path, logger: Self.logger)
            let writer = LogWriter(log: log, policy: .never, logger: Self.logger, onCommit: { engine.committed($0) })
            engine.setEmitter { events in writer.submit([SealedBlock.seal(events)], sync: false) { _ in } }
            engine.setObserver { _ in }
            let event = Event(time: 1, measurement: "cpu", tags: [Tag("host", "h")], fields: [Field("n", .int(1))])
            let done = Locked(false)
            writer.submit([SealedBlock.seal([event])], sync: true) { _ in done.withLock { $0 = true } }
            while !done.value { OSThread.sleep(milliseconds: 1) }
            engine.drain()
            writer.shutdown()
            engine.shutdown()
            weakEngine = engine
            weakWriter = writer
        }
        // The threads drop their references just after they report that they stopped.
        let deadline = ContinuousClock.now + .seconds(10)
        while (weakEngine != nil || weakWriter != nil) && ContinuousClock.now < deadline { OSThread.sleep(milliseconds: 1) }
        #expect(weakEngine == nil)
        #expect(weakWriter == nil)
    }
}
