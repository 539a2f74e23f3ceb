import EvCore
import EvStorage
import EvTestSupport
import Logging
import Testing

@Suite("Segment log")
struct SegmentLogTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Writes `events` as blocks of `blockSize` and syncs.
    static func write(_ events: [Event], blockSize: Int, to log: SegmentLog) throws {
        var k = 0
        while k < events.count {
            let block = SealedBlock.seal(events[k..<min(k + blockSize, events.count)])
            try log.append([block])
            k += blockSize
        }
        try log.sync()
    }

    /// Appends `events` in blocks of 100, rolling the segment whenever it is over its size.
    static func appendRolling(_ events: [Event], to log: SegmentLog) throws {
        var k = 0
        while k < events.count {
            try log.append([SealedBlock.seal(events[k..<min(k + 100, events.count)])])
            try log.rollIfNeeded()
            k += 100
        }
    }

    static func readAll(_ directory: String) throws -> ([Event], LogReader.Report) {
        let reader = try LogReader(directory: directory)
        var events: [Event] = []
        let report = try reader.forEach { events.append($0); return true }
        return (events, report)
    }

    static func numbered(_ events: [Event], from first: Int64 = 0) -> [Event] {
        events.enumerated().map { k, e in
            var e = e
            e.offset = first + Int64(k)
            return e
        }
    }

    static func assertLossless(_ got: [Event], _ want: [Event], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(got.count == want.count, sourceLocation: sourceLocation)
        for (g, w) in zip(got, want) where !g.isLosslessEqual(to: w) {
            Issue.record("event \(w.offset) differs: \(g) vs \(w)", sourceLocation: sourceLocation)
            return
        }
    }

    @Test("appended events read back identically, with dense offsets from 0")
    func appendAndRead() throws {
        let dir = TemporaryDirectory()
        var factory = EventFactory()
        let events = factory.metrics(1000)
        do {
            let log = try SegmentLog(directory: dir.path, logger: Self.logger)
            try Self.write(events, blockSize: 128, to: log)
            #expect(log.nextOffset == 1000)
            try log.close()
        }
        let (read, report) = try Self.readAll(dir.path)
        #expect(report.corruptions.isEmpty)
        Self.assertLossless(read, Self.numbered(events))
    }

    @Test("a second writer on the same directory is refused by the lock")
    func directoryLock() throws {
        let dir = TemporaryDirectory()
        let first = try SegmentLog(directory: dir.path, logger: Self.logger)
        #expect(throws: StorageError.self) { try SegmentLog(directory: dir.path, logger: Self.logger) }
        do {
            _ = try SegmentLog(directory: dir.path, logger: Self.logger)
        } catch {
            #expect(error.code == .locked)
        }
        _ = first
    }

    @Test("reopening continues the offsets and keeps what was written")
    func reopen() throws {
        let dir = TemporaryDirectory()
        var factory = EventFactory()
        let a = factory.metrics(300)
        let b = factory.metrics(200)
        do {
            let log = try SegmentLog(directory: dir.path, logger: Self.logger)
            try Self.write(a, blockSize: 100, to: log)
            try log.close()
        }
        do {
            let log = try SegmentLog(directory: dir.path, logger: Self.logger)
            #expect(log.nextOffset == 300)
            #expect(log.recovery.isClean)
            try Self.write(b, blockSize: 100, to: log)
            try log.close()
        }
        Self.assertLossless(try Self.readAll(dir.path).0, Self.numbered(a + b))
    }

    @Test("segments roll at their size limit and every segment reads back through its index")
    func rolling() throws {
        let dir = TemporaryDirectory()
        var factory = EventFactory()
        let events = factory.metrics(3000)
        do {
            let log = try SegmentLog(
                directory: dir.path,
                options: LogOptions(segmentBytesMax: 8 * 1024),
                logger: Self.logger
            )
            try Self.appendRolling(events, to: log)
            #expect(log.sealed.count >= 3)
            try log.close()
        }
        let names = try FileSystem.list(dir.path)
        #expect(names.contains(FileNames.index(baseOffset: 0)))
        Self.assertLossless(try Self.readAll(dir.path).0, Self.numbered(events))
        // A missing or stale index is rebuilt from the segment.
        try FileSystem.remove(dir.file(FileNames.index(baseOffset: 0)))
        Self.assertLossless(try Self.readAll(dir.path).0, Self.numbered(events))
        let log = try SegmentLog(directory: dir.path, logger: Self.logger)
        #expect(log.recovery.rebuiltIndexes == 1)
        #expect(FileSystem.exists(dir.file(FileNames.index(baseOffset: 0))))
    }

    @Test("retention deletes whole sealed segments by size and by age, never the active one")
    func retention() throws {
        let dir = TemporaryDirectory()
        var factory = EventFactory()
        let events = factory.metrics(2000, start: 1_000_000_000_000_000_000)
        let log = try SegmentLog(
            directory: dir.path,
            options: LogOptions(segmentBytesMax: 4 * 1024, retentionAge: nil, retentionBytes: 12 * 1024),
            logger: Self.logger
        )
        try Self.appendRolling(events, to: log)
        let before = log.sealed.count
        let removed = try log.applyRetention(nowNanoseconds: 1_000_000_000_000_000_000)
        #expect(!removed.isEmpty)
        #expect(log.totalBytes <= 12 * 1024 + 4 * 1024)
        #expect(log.sealed.count == before - removed.count)
        let (read, _) = try Self.readAll(dir.path)
        // What remains is a suffix of the log, ending at the last event.
        #expect(read.last?.offset == 1999)
        #expect(read.first!.offset == log.sealed.first!.baseOffset)

        // Age is how long ago evq wrote a segment, not how old its events are: a backfill of year-old events
        // is kept for the retention age after it arrived.
        let agedDirectory = TemporaryDirectory()
        let aged = try SegmentLog(
            directory: agedDirectory.path,
            options: LogOptions(segmentBytesMax: 4 * 1024, retentionAge: .seconds(3600)),
            logger: Self.logger
        )
        try Self.appendRolling(events, to: aged)  // event times: 2001
        let now = WallClock.nowNanoseconds()
        #expect(try aged.applyRetention(nowNanoseconds: now).isEmpty, "fresh segments of old events are kept")
        let sealedCount = aged.sealed.count
        // Two of the sealed segments were last written two hours ago.
        for index in aged.sealed.prefix(2) {
            try FileSystem.setModificationTime(
                agedDirectory.file(FileNames.segment(baseOffset: index.baseOffset)),
                nanoseconds: now - 7_200_000_000_000
            )
        }
        let removedByAge = try aged.applyRetention(nowNanoseconds: now)
        #expect(removedByAge.count == 2)
        #expect(aged.sealed.count == sealedCount - 2)
    }
}

@Suite("Segment roll by age")
struct SegmentAgeTests {
    static func events(receivedAt: Int64) -> [Event] {
        (0..<5).map {
            Event(time: 1_700_000_000_000_000_000 + Int64($0), receiveTime: receivedAt, measurement: "m", fields: [Field("v", .int(Int64($0)))])
        }
    }

    @Test("the age of the active segment survives a restart (it counts from its first event's arrival), and an idle segment rolls")
    func ageAcrossRestart() throws {
        let now = WallClock.nowNanoseconds()
        for (received, shouldRoll) in [(now - 7_200_000_000_000, true), (now - 60_000_000_000, false)] {
            let dir = TemporaryDirectory()
            do {
                let log = try SegmentLog(directory: dir.path, logger: SegmentLogTests.logger)
                try SegmentLogTests.write(Self.events(receivedAt: received), blockSize: 5, to: log)
                try log.close()
            }
            let reopened = try SegmentLog(
                directory: dir.path,
                options: LogOptions(segmentAgeMax: .seconds(3600)),
                logger: SegmentLogTests.logger
            )
            // No append after the restart: the check alone must roll an old segment.
            #expect(try reopened.rollIfNeeded() == shouldRoll)
            #expect(reopened.sealed.count == (shouldRoll ? 1 : 0))
        }
    }
}
