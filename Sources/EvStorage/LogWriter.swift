import EvCore
import Logging
import Metrics
import Synchronization

/// The single writer of a data directory: group commit on a dedicated thread.
///
/// Connections `submit` sealed blocks from any thread. The writer thread takes everything queued, gives it
/// offsets, writes it with one `write`, fsyncs once (per `FsyncPolicy`, and always when a submission asked for
/// `sync`), then calls each submission's completion. Many connections' lines share one write and one fsync.
///
/// `@unchecked Sendable`: the queue and flags are guarded by `lock`; `log` is touched only by the writer thread
/// while it runs, and by `shutdown` after it has stopped.
public final class LogWriter: @unchecked Sendable {
    /// Called once per submission: the offset of its last event (`nil` if it had no blocks), or the error.
    public typealias Completion = @Sendable (Result<Int64?, StorageError>) -> Void

    struct Submission {
        var blocks: [SealedBlock]
        var sync: Bool
        var completion: Completion
    }

    public let policy: FsyncPolicy
    public let stats = LogWriterStats()
    private let log: SegmentLog
    private let logger: Logger
    private let lock = ConditionLock()
    private var queue: [Submission] = []
    private var stopping = false
    private var stopped = false
    private var failure: StorageError?
    private static let retentionPeriodNanoseconds: Int64 = 60_000_000_000
    /// Refused commits in a row (a full disk refuses every one), those since the last log line, and its time: one
    /// line per `refusalLogInterval`, not one per commit, and a line when writes succeed again. Writer thread only.
    private var refusedInRow = 0
    private var refusedSinceLogged = 0
    private var refusalLoggedAt: Int64 = 0
    private let refusalLogIntervalNanoseconds: Int64

    /// Called on the writer thread after every successful write, with the blocks and their offsets, in order.
    private let onCommit: (@Sendable ([CommittedBlock]) -> Void)?

    public init(
        log: SegmentLog,
        policy: FsyncPolicy,
        logger: Logger,
        onCommit: (@Sendable ([CommittedBlock]) -> Void)? = nil,
        niceness: Int32 = 0,
        refusalLogInterval: Duration = .seconds(10)
    ) {
        self.refusalLogIntervalNanoseconds = Self.nanoseconds(refusalLogInterval)
        self.log = log
        self.policy = policy
        self.logger = logger
        self.onCommit = onCommit
        written = Atomic(log.nextOffset)
        OSThread.start { [self] in
            OSThread.lowerPriority(by: niceness)
            run()
        }
    }

    public var directory: String { log.directory }

    /// The offset after the last event written (not necessarily fsynced yet).
    public var nextOffset: Int64 { written.load(ordering: .acquiring) }
    private let written: Atomic<Int64>

    /// Queues blocks for the next group commit. Never blocks on I/O.
    public func submit(_ blocks: [SealedBlock], sync: Bool, completion: @escaping Completion) {
        lock.lock()
        if stopping {
            lock.unlock()
            completion(.failure(StorageError(.closed, "the log is shutting down")))
            return
        }
        queue.append(Submission(blocks: blocks, sync: sync, completion: completion))
        lock.signal()
        lock.unlock()
    }

    /// Drains the queue, fsyncs and closes the log. Blocks the calling thread until done.
    public func shutdown() {
        lock.lock()
        stopping = true
        lock.signal()
        while !stopped { lock.wait(untilMonotonic: nil) }
        lock.unlock()
        do {
            try log.close()
        } catch {
            logger.error("closing the log failed", metadata: ["error": "\(error)"])
        }
    }

    // MARK: - Writer thread

    private func run() {
        var dirtySince: Int64?  // monotonic time of the first unsynced write
        var nextRetention = ConditionLock.monotonicNow()
        while true {
            lock.lock()
            while queue.isEmpty && !stopping {
                var deadline = nextRetention
                if let dirtySince, case .interval(let d) = policy {
                    deadline = min(deadline, dirtySince + Self.nanoseconds(d))
                }
                if deadline <= ConditionLock.monotonicNow() { break }
                lock.wait(untilMonotonic: deadline)
            }
            let batch = queue
            queue.removeAll(keepingCapacity: true)
            let exiting = stopping && batch.isEmpty
            lock.unlock()

            if !batch.isEmpty {
                commit(batch, dirtySince: &dirtySince)
            }
            let now = ConditionLock.monotonicNow()
            if let since = dirtySince, case .interval(let d) = policy, now - since >= Self.nanoseconds(d) {
                // Success or not, this write is done with: a failed fsync fails the log for good (no retry loop).
                _ = fsync()
                dirtySince = nil
            }
            if now >= nextRetention {
                nextRetention = now + Self.retentionPeriodNanoseconds
                // An idle segment rolls by age too, not only after a commit.
                do {
                    try log.rollIfNeeded()
                } catch {
                    logger.error("segment roll failed", metadata: ["error": "\(error)"])
                }
                retain()
            }
            if exiting {
                if dirtySince != nil { _ = fsync() }
                lock.lock()
                stopped = true
                lock.signal()
                lock.unlock()
                return
            }
        }
    }

    private func commit(_ batch: [Submission], dirtySince: inout Int64?) {
        if let failure {
            for submission in batch { submission.completion(.failure(failure)) }
            return
        }
        var blocks: [SealedBlock] = []
        var lastOffsets: [Int64?] = []
        var offset = log.nextOffset
        for submission in batch {
            blocks += submission.blocks
            let count = submission.blocks.reduce(0) { $0 + $1.header.eventCount }
            offset += Int64(count)
            lastOffsets.append(count > 0 ? offset - 1 : nil)
        }
        if !blocks.isEmpty {
            do {
                let range = try log.append(blocks)
                precondition(range.upperBound == offset, "log assigned the offsets the writer computed")
                if refusedInRow > 0 {
                    logger.notice("writes succeed again", metadata: ["refused_commits": "\(refusedInRow)"])
                    refusedInRow = 0
                    refusedSinceLogged = 0
                }
                stats.events.add(Int(range.count), ordering: .relaxed)
                stats.blocks.add(blocks.count, ordering: .relaxed)
                stats.bytes.add(blocks.reduce(0) { $0 + $1.header.totalBytes }, ordering: .relaxed)
                stats.commits.add(1, ordering: .relaxed)
                written.store(range.upperBound, ordering: .releasing)
                if dirtySince == nil { dirtySince = ConditionLock.monotonicNow() }
                if let onCommit {
                    var first = range.lowerBound
                    onCommit(
                        blocks.map { block in
                            defer { first += Int64(block.header.eventCount) }
                            return CommittedBlock(block: block, firstOffset: first)
                        }
                    )
                }
            } catch {
                stats.failedCommits.add(1, ordering: .relaxed)
                refusedInRow += 1
                refusedSinceLogged += 1
                let now = ConditionLock.monotonicNow()
                if refusedInRow == 1 || now - refusalLoggedAt >= refusalLogIntervalNanoseconds {
                    logger.error(
                        "write failed; the commit is refused and the log is unchanged",
                        metadata: ["error": "\(error)", "refused_commits": "\(refusedSinceLogged)"]
                    )
                    refusalLoggedAt = now
                    refusedSinceLogged = 0
                }
                for submission in batch { submission.completion(.failure(error)) }
                return
            }
        }
        // With `always`, every submission waits for the fsync; otherwise only those that asked for `sync`.
        let waitsForSync: (Submission) -> Bool = { [policy] in $0.sync || policy == .always }
        for (k, submission) in batch.enumerated() where !waitsForSync(submission) {
            submission.completion(.success(lastOffsets[k]))
        }
        if batch.contains(where: waitsForSync) {
            if let error = fsync() {
                for submission in batch where waitsForSync(submission) { submission.completion(.failure(error)) }
                return
            }
            dirtySince = nil
            for (k, submission) in batch.enumerated() where waitsForSync(submission) {
                submission.completion(.success(lastOffsets[k]))
            }
        }
        do {
            if try log.rollIfNeeded() { retain() }
        } catch {
            logger.error("segment roll failed", metadata: ["error": "\(error)"])
        }
    }

    /// fsync; on failure the log is failed for good (the page cache can no longer be trusted, see PostgreSQL's
    /// fsync errors), and every later submission is refused until evqd restarts and recovers.
    /// Every fsync's duration, for swift-metrics (evqd exports it as the histogram `evq_fsync_seconds`).
    private let fsyncTimer = Metrics.Timer(label: "evq_fsync_seconds")

    private func fsync() -> StorageError? {
        let start = ConditionLock.monotonicNow()
        do {
            try log.sync()
            let elapsed = ConditionLock.monotonicNow() - start
            stats.fsyncs.add(1, ordering: .relaxed)
            stats.fsyncNanoseconds.add(Int(elapsed), ordering: .relaxed)
            fsyncTimer.recordNanoseconds(Int64(elapsed))
            return nil
        } catch {
            logger.critical("fsync failed; refusing further writes until restart", metadata: ["error": "\(error)"])
            let failed = StorageError(.io, "fsync failed earlier (\(error.message)); restart evqd", path: error.path)
            lock.lock()
            failure = failed
            lock.unlock()
            // What waited for this fsync was written: it may or may not survive, unlike a refused write.
            return StorageError(.notDurable, error.message, path: error.path, errno: error.errno)
        }
    }

    private func retain() {
        do {
            try log.applyRetention(nowNanoseconds: WallClock.nowNanoseconds())
        } catch {
            logger.error("retention failed", metadata: ["error": "\(error)"])
        }
    }

    private static func nanoseconds(_ d: Duration) -> Int64 {
        d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
    }
}
