import EvCore
import EvStorage
import EvViews
import Logging
import Synchronization

/// evqd's live views: restored from the newest checkpoint plus the log's tail at start, then fed every block
/// the log writer commits, in offset order, on a thread of their own (`spec/views.md`, "Live views").
///
/// Queries run under a lock against the current views; blocks are applied in slices so a query never waits long.
/// Checkpoints are written every `checkpointInterval` (when something changed) and at shutdown.
///
/// `@unchecked Sendable`: `views`, `maxEventTime` and `lastCheckpointOffset` are guarded by `state`; the queue by
/// `queueLock`; `interner` is used by the applier thread only.
public final class ViewEngine: @unchecked Sendable {
    /// How the views were rebuilt at start.
    public struct StartReport: Sendable, CustomStringConvertible {
        public var checkpointOffset: Int64?
        public var checkpointProblem: String?
        public var replayedEvents = 0
        public var seconds = 0.0

        public var description: String {
            var parts: [String] = []
            if let checkpointOffset { parts.append("checkpoint at offset \(checkpointOffset)") }
            if let checkpointProblem { parts.append("checkpoint not used: \(checkpointProblem)") }
            parts.append("replayed \(replayedEvents) events in \(Int(seconds * 1000)) ms")
            return parts.joined(separator: ", ")
        }
    }

    struct State {
        var views: Views
        var maxEventTime: Int64
        var lastCheckpointOffset: Int64
        /// The last block applied (written into the checkpoint, binding it to this log).
        var anchor: ViewsCheckpoint.Anchor?
    }

    public let directory: String
    public let checkpointInterval: Duration
    public let startReport: StartReport
    private let state: Mutex<State>
    private let queueLock = ConditionLock()
    private var queue: [CommittedBlock] = []
    private var stopping = false
    private var stopped = false
    private let logger: Logger
    /// Events applied per lock hold: bounds how long a query can wait behind the applier.
    static let sliceEvents = 2048

    /// Loads the checkpoint of `directory` (if valid and not ahead of the log) and replays the log after it.
    public init(
        directory: String,
        makeViews: @Sendable () -> Views = { Views() },
        rules: [AlertRule] = AlertRule.defaults,
        checkpointInterval: Duration = .seconds(60),
        niceness: Int32 = 0,
        logger: Logger
    ) throws(StorageError) {
        let start = ContinuousClock.now
        self.directory = directory
        self.checkpointInterval = checkpointInterval
        self.logger = logger
        let reader = try LogReader(directory: directory)
        var report = StartReport()
        var views = makeViews()
        var maxEventTime = Int64.min
        switch try CheckpointFile.read(directory: directory) {
        case nil:
            break
        case .failure(let reason):
            report.checkpointProblem = reason.description
        case .success(let payload):
            do throws(ViewsCheckpoint.DecodeError) {
                let (restored, maxTime, anchor) = try ViewsCheckpoint.decodeAnchored(payload, rules: rules)
                if let problem = ViewBuilder.checkpointProblem(restored, anchor: anchor, configured: views, reader: reader) {
                    report.checkpointProblem = problem
                } else {
                    let configured = views.slots
                    views = restored
                    views.slots.limit = configured.limit  // limits come from the configuration, not the checkpoint
                    views.slots.warningAt = configured.warningAt
                    maxEventTime = maxTime
                    report.checkpointOffset = restored.nextOffset
                }
            } catch {
                report.checkpointProblem = error.description
            }
        }
        if let problem = report.checkpointProblem {
            logger.warning("views checkpoint ignored; replaying the whole log", metadata: ["reason": "\(problem)"])
        }
        var replayed = 0
        // Replaying: the alerts the rules raised are already in the log, so what `apply` returns is dropped.
        let readReport = try reader.forEach(from: views.nextOffset) { event in
            maxEventTime = max(maxEventTime, views.viewTime(of: event))
            _ = views.apply(event)
            replayed += 1
            return true
        }
        views.rules.reconcile(with: views.alerts)
        for corruption in readReport.corruptions {
            logger.error("replay skipped a damaged block", metadata: ["corruption": "\(corruption)"])
        }
        report.replayedEvents = replayed
        report.seconds = Self.seconds(ContinuousClock.now - start)
        startReport = report
        let anchor = ViewBuilder.anchor(nextOffset: views.nextOffset, reader: reader)
        state = Mutex(
            State(views: views, maxEventTime: maxEventTime, lastCheckpointOffset: report.checkpointOffset ?? -1, anchor: anchor)
        )
        logger.info("views ready", metadata: ["views.start": "\(report)"])
        OSThread.start { [self] in
            OSThread.lowerPriority(by: niceness)
            run()
        }
    }

    /// The offset after the last event applied.
    public var nextOffset: Int64 { state.withLock { $0.views.nextOffset } }

    /// Runs `body` against the current views (under the lock: keep it short).
    public func read<R>(_ body: (borrowing Views) -> R) -> R {
        state.withLock { body($0.views) }
    }

    /// Queues committed blocks for application (called on the log writer's thread).
    public func committed(_ blocks: [CommittedBlock]) {
        queueLock.lock()
        queue += blocks
        queueLock.signal()
        queueLock.unlock()
    }

    /// Applies what is queued, writes a final checkpoint and stops the applier. Blocks until done. Forgets the emitter and
    /// the observer.
    public func shutdown() {
        queueLock.lock()
        stopping = true
        queueLock.signal()
        while !stopped { queueLock.wait(untilMonotonic: nil) }
        queueLock.unlock()
        // The applier has stopped, so nothing is emitted or observed any more. Dropping the closures breaks the cycle
        // engine → emitter → log writer → `onCommit` → engine, which would otherwise keep both (with the log's files
        // and directory lock) alive after shutdown.
        emitter.withLock { $0 = nil }
        observer.withLock { $0 = nil }
        checkpoint()
    }

    /// Waits until every block queued so far is applied (tests).
    public func drain() {
        while true {
            queueLock.lock()
            let empty = queue.isEmpty && !applying
            queueLock.unlock()
            if empty { return }
            OSThread.sleep(milliseconds: 1)
        }
    }

    private var applying = false
    /// Shared shape instances across committed blocks (used only by the applier thread).
    private let interner = ShapeInterner()
    /// Where alert events raised by rules go (the log writer); set once the writer exists.
    private let emitter = Mutex<(@Sendable ([Event]) -> Void)?>(nil)
    /// How often time-driven rules (staleness) are evaluated.
    /// A constant: the applier thread reads it from the start, so a settable one would be a data race.
    public let tickInterval: Duration = .seconds(5)

    /// Who is told of the events once they are applied, in offset order, on the applier thread (evqd: the live
    /// stream's hub). It must not wait.
    private let observer = Mutex<(@Sendable (ArraySlice<Event>) -> Void)?>(nil)

    /// Sets who is told of applied events (see `observer`).
    public func setObserver(_ observe: @escaping @Sendable (ArraySlice<Event>) -> Void) {
        observer.withLock { $0 = observe }
    }

    /// Sets where alert events raised by the rules are sent (evqd: a block submitted to the log writer).
    public func setEmitter(_ emit: @escaping @Sendable ([Event]) -> Void) {
        emitter.withLock { $0 = emit }
    }

    private func emit(_ events: [Event]) {
        guard !events.isEmpty, let emit = emitter.withLock({ $0 }) else { return }
        emit(events)
    }

    private func run() {
        var nextCheckpoint = ContinuousClock.now + checkpointInterval
        var nextTick = ContinuousClock.now + tickInterval
        while true {
            queueLock.lock()
            while queue.isEmpty && !stopping {
                let wait = min(nextCheckpoint, nextTick) - ContinuousClock.now
                if wait <= .zero { break }
                queueLock.wait(untilMonotonic: ConditionLock.monotonicNow() + Self.nanoseconds(wait))
            }
            let batch = queue
            queue.removeAll(keepingCapacity: true)
            applying = !batch.isEmpty
            let exiting = stopping && batch.isEmpty
            queueLock.unlock()

            for committed in batch { apply(committed) }
            queueLock.lock()
            applying = false
            queueLock.unlock()
            if ContinuousClock.now >= nextTick {
                let now = WallClock.nowNanoseconds()
                emit(state.withLock { $0.views.rules.tick(at: now, health: $0.views.health) })
                nextTick = ContinuousClock.now + tickInterval
            }
            if ContinuousClock.now >= nextCheckpoint {
                checkpoint()
                nextCheckpoint = ContinuousClock.now + checkpointInterval
            }
            if exiting {
                queueLock.lock()
                stopped = true
                queueLock.signal()
                queueLock.unlock()
                return
            }
        }
    }

    private func apply(_ committed: CommittedBlock) {
        var header = committed.block.header
        header.firstOffset = committed.firstOffset
        let raw: [UInt8]
        switch header.codec {
        case .none: raw = committed.block.body
        case .lz4:
            guard let body = committed.block.body.withUnsafeBytes({ LZ4.decompress($0, rawBytes: header.rawBytes) }) else {
                logger.critical("a committed block does not decompress", metadata: ["offset": "\(committed.firstOffset)"])
                return
            }
            raw = body
        }
        var events: [Event] = []
        events.reserveCapacity(header.eventCount)
        do throws(BlockDecodeError) {
            try BlockDecoder.forEach(body: raw, header: header, interner: interner) { events.append($0) }
        } catch {
            logger.critical("a committed block does not decode", metadata: ["error": "\(error)"])
            return
        }
        let anchor = ViewsCheckpoint.Anchor(firstOffset: committed.firstOffset, bodyCRC: header.bodyCRC)
        var k = 0
        while k < events.count {
            let end = min(k + Self.sliceEvents, events.count)
            let derived = state.withLock { s in
                var derived: [Event] = []
                for e in events[k..<end] {
                    let time = s.views.viewTime(of: e)
                    derived += s.views.apply(e)
                    if time > s.maxEventTime { s.maxEventTime = time }
                }
                if end == events.count { s.anchor = anchor }
                return derived
            }
            emit(derived)
            if let observe = observer.withLock({ $0 }) { observe(events[k..<end]) }
            k = end
        }
    }

    /// Writes a checkpoint if the views changed since the last one.
    public func checkpoint() {
        let snapshot: (Views, Int64, ViewsCheckpoint.Anchor?)? = state.withLock { s in
            guard s.views.nextOffset != s.lastCheckpointOffset else { return nil }
            s.lastCheckpointOffset = s.views.nextOffset
            return (s.views, s.maxEventTime, s.anchor)
        }
        guard let (views, maxEventTime, anchor) = snapshot else { return }
        let start = ContinuousClock.now
        do {
            try CheckpointFile.write(ViewsCheckpoint.encode(views, maxEventTime: maxEventTime, anchor: anchor), directory: directory)
            logger.info(
                "views checkpoint written",
                metadata: [
                    "checkpoint.offset": "\(views.nextOffset)",
                    "checkpoint.ms": "\(Int(Self.seconds(ContinuousClock.now - start) * 1000))",
                ]
            )
        } catch {
            logger.error("writing the views checkpoint failed", metadata: ["error": "\(error)"])
        }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func nanoseconds(_ d: Duration) -> Int64 {
        d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
    }
}
