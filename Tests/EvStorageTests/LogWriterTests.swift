import EvCore
import EvStorage
import EvTestSupport
import Logging
import Synchronization
import Testing

@Suite("Log writer (group commit)")
struct LogWriterTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test("concurrent submitters get dense, disjoint offsets and every sync completes after its writes", arguments: [
        FsyncPolicy.always, .never, .interval(.milliseconds(5)),
    ])
    func concurrentSubmitters(policy: FsyncPolicy) async throws {
        let dir = TemporaryDirectory()
        let log = try SegmentLog(directory: dir.path, logger: Self.logger)
        let writer = LogWriter(log: log, policy: policy, logger: Self.logger)
        let submitters = 8
        let blocksEach = 20
        let results = Locked<[Int: [Int64]]>([:])
        await withTaskGroup(of: Void.self) { group in
            for s in 0..<submitters {
                group.addTask {
                    var factory = EventFactory(seed: UInt64(s + 1))
                    for b in 0..<blocksEach {
                        let block = SealedBlock.seal(factory.metrics(5))
                        let last: Int64? = await withCheckedContinuation { continuation in
                            writer.submit([block], sync: b == blocksEach - 1) { result in
                                continuation.resume(returning: try? result.get() ?? nil)
                            }
                        }
                        results.withLock { $0[s, default: []].append(last ?? -1) }
                    }
                }
            }
        }
        writer.shutdown()
        let all = results.value
        #expect(all.values.allSatisfy { $0.count == blocksEach })
        // Each submission of 5 events ends at a distinct offset ≡ 4 (mod 5); together they cover 0 ..< 800.
        let lasts = all.values.flatMap { $0 }.sorted()
        #expect(lasts == (0..<(submitters * blocksEach)).map { Int64($0 * 5 + 4) })
        // Per submitter, offsets increase (FIFO per connection).
        for offsets in all.values { #expect(offsets == offsets.sorted()) }
        #expect(writer.stats.events.load(ordering: .relaxed) == submitters * blocksEach * 5)
        let reader = try LogReader(directory: dir.path)
        #expect(reader.nextOffset == Int64(submitters * blocksEach * 5))
        #expect(try reader.verify().isClean)
    }

    @Test("a sync with no blocks still fsyncs and reports no offset")
    func emptySync() async throws {
        let dir = TemporaryDirectory()
        let writer = LogWriter(
            log: try SegmentLog(directory: dir.path, logger: Self.logger),
            policy: .never,
            logger: Self.logger
        )
        let result: Result<Int64?, StorageError> = await withCheckedContinuation { continuation in
            writer.submit([], sync: true) { continuation.resume(returning: $0) }
        }
        #expect(try result.get() == nil)
        #expect(writer.stats.fsyncs.load(ordering: .relaxed) == 1)
        writer.shutdown()
    }

    @Test("a failed write is reported to its submitters and the writer keeps going")
    func failedWriteKeepsGoing() async throws {
        let dir = TemporaryDirectory()
        let opener = FaultyFileOpener(failingAppend: 3)
        let writer = LogWriter(
            log: try SegmentLog(directory: dir.path, options: LogOptions(fileOpener: opener), logger: Self.logger),
            policy: .always,
            logger: Self.logger
        )
        var factory = EventFactory()
        var outcomes: [Result<Int64?, StorageError>] = []
        for _ in 0..<3 {
            let block = SealedBlock.seal(factory.metrics(4))
            outcomes.append(
                await withCheckedContinuation { continuation in
                    writer.submit([block], sync: true) { continuation.resume(returning: $0) }
                }
            )
        }
        writer.shutdown()
        #expect((try? outcomes[0].get()) == 3)
        #expect((try? outcomes[1].get()) == nil)
        if case .failure(let error) = outcomes[1] { #expect(error.code == .noSpace) } else { Issue.record("expected failure") }
        #expect((try? outcomes[2].get()) == 7)
        #expect(try LogReader(directory: dir.path).verify().events == 8)
    }
}

@Suite("Log writer: fsync failure")
struct LogWriterFsyncFailureTests {
    @Test("after an fsync failure the writer refuses writes and does not spin retrying fsync")
    func fsyncFailure() async throws {
        let dir = TemporaryDirectory()
        // Sync 1 is the new segment's header; sync 2, the first commit's, fails.
        let opener = FaultyFileOpener(failingSync: 2)
        let writer = LogWriter(
            log: try SegmentLog(directory: dir.path, options: LogOptions(fileOpener: opener), logger: LogWriterTests.logger),
            policy: .interval(.milliseconds(5)),
            logger: LogWriterTests.logger
        )
        var factory = EventFactory()
        let first = SealedBlock.seal(factory.metrics(3))
        let written: Result<Int64?, StorageError> = await withCheckedContinuation { c in
            writer.submit([first], sync: false) { c.resume(returning: $0) }
        }
        #expect((try? written.get()) == 2)  // written; not yet fsynced
        try await Task.sleep(for: .milliseconds(300))
        #expect(opener.syncs.load(ordering: .relaxed) <= 3, "fsync retried \(opener.syncs.load(ordering: .relaxed)) times")
        let later = SealedBlock.seal(factory.metrics(3))
        let refused: Result<Int64?, StorageError> = await withCheckedContinuation { c in
            writer.submit([later], sync: true) { c.resume(returning: $0) }
        }
        guard case .failure(let error) = refused else {
            Issue.record("a write after a failed fsync must be refused")
            return
        }
        #expect(error.message.contains("fsync failed earlier"))
        writer.shutdown()
    }
}
