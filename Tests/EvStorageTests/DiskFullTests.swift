import EvCore
import EvStorage
import EvTestSupport
import Logging
import Synchronization
import Testing

/// What a full disk does to the log: found by `tools/diskfull-harness.py` on a real, size-limited tmpfs, pinned
/// here with the fault-injecting file layer (a write that fails with ENOSPC after a few bytes, as a full disk does).
@Suite("Full disk")
struct DiskFullTests {
    static let logger = SegmentLogTests.logger

    @Test("a roll whose new segment cannot be written leaves no segment file behind, and writing goes on")
    func failedRollLeavesNoFile() throws {
        let dir = TemporaryDirectory()
        var factory = EventFactory(seed: 11)
        let events = SegmentLogTests.numbered(factory.metrics(20))
        // Append 1 is the first segment's header, append 2 a block, append 3 the sealed segment's index, append 4 the
        // next segment's header: it fails.
        let opener = FaultyFileOpener(failingAppend: 4)
        do {
            let log = try SegmentLog(directory: dir.path, options: LogOptions(fileOpener: opener), logger: Self.logger)
            try log.append([SealedBlock.seal(events[0..<10])])
            #expect(throws: StorageError.self) { try log.roll() }
            #expect(!FileSystem.exists(dir.file(FileNames.segment(baseOffset: 10))), "a half-made segment is removed")
            try log.append([SealedBlock.seal(events[10..<20])])
            try log.close()
        }
        #expect(opener.failures.load(ordering: .relaxed) == 1)
        let log = try SegmentLog(directory: dir.path, logger: Self.logger)
        #expect(log.nextOffset == 20)
        #expect(log.recovery.isClean)
        try log.close()
        let (read, report) = try SegmentLogTests.readAll(dir.path)
        #expect(report.corruptions.isEmpty)
        SegmentLogTests.assertLossless(read, events)
        #expect(try LogReader(directory: dir.path).verify().isClean)
    }

    @Test("a last segment shorter than its header (an unfinished roll) is removed at open, without a write")
    func unfinishedRollOnFullDisk() throws {
        let dir = TemporaryDirectory()
        var factory = EventFactory(seed: 12)
        let events = SegmentLogTests.numbered(factory.metrics(30))
        do {
            let log = try SegmentLog(directory: dir.path, logger: Self.logger)
            try SegmentLogTests.write(Array(events[0..<30]), blockSize: 10, to: log)
            try log.roll()
            try log.close()
        }
        // The rolled segment got no header: the disk filled between creating it and writing it (or evqd died).
        let stray = dir.file(FileNames.segment(baseOffset: 30))
        try FileSystem.writeAtomically(Array(repeating: 0x45, count: 5), to: stray, directory: dir.path)
        // Every write fails: the disk is full. evqd must still open the log (and serve what it holds).
        let full = FaultyFileOpener(failingAppend: 1, failForever: true)
        do {
            let log = try SegmentLog(directory: dir.path, options: LogOptions(fileOpener: full), logger: Self.logger)
            #expect(log.nextOffset == 30)
            #expect(log.recovery.truncatedBytes == 5)
            #expect(!FileSystem.exists(stray))
            #expect(throws: StorageError.self) { try log.append([SealedBlock.seal(factory.metrics(3))]) }
            try log.close()
        }
        #expect(full.failures.load(ordering: .relaxed) == 1)
        // Space returns: writing goes on in the segment before, with the next offsets.
        let more = SegmentLogTests.numbered(factory.metrics(10), from: 30)
        do {
            let log = try SegmentLog(directory: dir.path, logger: Self.logger)
            try log.append([SealedBlock.seal(more)])
            try log.close()
        }
        let (read, report) = try SegmentLogTests.readAll(dir.path)
        #expect(report.corruptions.isEmpty)
        SegmentLogTests.assertLossless(read, events + more)
        #expect(try LogReader(directory: dir.path).verify().isClean)
    }

    @Test("a sealed segment's missing index that cannot be written back does not stop the log from opening")
    func indexRebuildOnFullDisk() throws {
        let dir = TemporaryDirectory()
        var factory = EventFactory(seed: 13)
        let events = SegmentLogTests.numbered(factory.metrics(20))
        do {
            let log = try SegmentLog(directory: dir.path, logger: Self.logger)
            try SegmentLogTests.write(Array(events[0..<20]), blockSize: 10, to: log)
            try log.roll()
            try log.close()
        }
        let index = dir.file(FileNames.index(baseOffset: 0))
        try FileSystem.remove(index)
        let full = FaultyFileOpener(failingAppend: 1, failForever: true)
        do {
            let log = try SegmentLog(directory: dir.path, options: LogOptions(fileOpener: full), logger: Self.logger)
            #expect(log.nextOffset == 20)
            #expect(log.recovery.rebuiltIndexes == 1)
            #expect(!FileSystem.exists(index + ".tmp"), "the failed index write leaves no temporary file")
            try log.close()
        }
        #expect(full.failures.load(ordering: .relaxed) == 1)
        do {
            let log = try SegmentLog(directory: dir.path, logger: Self.logger)
            #expect(FileSystem.exists(index), "written back once there is space")
            try log.close()
        }
        SegmentLogTests.assertLossless(try SegmentLogTests.readAll(dir.path).0, events)
    }

    @Test("a failed atomic write leaves the old file as it was and no temporary file")
    func atomicWriteFailure() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("views.checkpoint")
        try FileSystem.writeAtomically([1, 2, 3], to: path, directory: dir.path)
        #expect(throws: StorageError.self) {
            try FileSystem.writeAtomically(
                Array(repeating: 9, count: 100), to: path, directory: dir.path,
                opener: FaultyFileOpener(failingAppend: 1, partialBytes: 50)
            )
        }
        #expect(try FileSystem.readFile(path) == [1, 2, 3])
        #expect(!FileSystem.exists(path + ".tmp"), "the partial temporary file would hold the space a full disk lacks")
    }

    @Test(
        "a full disk refusing every commit logs one line per interval (10 s), not one per commit, and says when writes resume",
        arguments: [false, true]
    )
    func refusalsAreLoggedOnce(everyTime: Bool) async throws {
        let dir = TemporaryDirectory()
        let store = RecordingLogHandler.Store()
        // Appends 2 to 41 fail: 40 refused commits in a row, then writes succeed again.
        let opener = FaultyFileOpener(failingAppend: 2, failingAppends: 40)
        let writer = LogWriter(
            log: try SegmentLog(directory: dir.path, options: LogOptions(fileOpener: opener), logger: Self.logger),
            policy: .always,
            logger: store.logger(),
            // An hour: however slow this machine, the 40 refusals fall in one interval. Zero: every refusal is logged.
            refusalLogInterval: everyTime ? .zero : .seconds(3600)
        )
        var factory = EventFactory(seed: 14)
        var refused = 0
        for _ in 0..<41 {
            let block = SealedBlock.seal(factory.metrics(2))
            let result: Result<Int64?, StorageError> = await withCheckedContinuation { continuation in
                writer.submit([block], sync: true) { continuation.resume(returning: $0) }
            }
            if case .failure(let error) = result {
                #expect(error.code == .noSpace)
                refused += 1
            }
        }
        writer.shutdown()
        #expect(refused == 40)
        #expect(store.count(.error, "write failed; the commit is refused and the log is unchanged") == (everyTime ? 40 : 1))
        #expect(store.count(.notice, "writes succeed again") == 1)
        #expect(try LogReader(directory: dir.path).verify().events == 2)
    }
}
