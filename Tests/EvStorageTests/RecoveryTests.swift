import EvCore
import EvStorage
import EvTestSupport
import Logging
import Synchronization
import Testing

@Suite("Recovery and corruption")
struct RecoveryTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A directory with `blocks` blocks of 10 events in one segment; returns the events and block positions.
    static func makeLog(_ dir: TemporaryDirectory, blocks: Int) throws -> ([Event], [SegmentIndex.Entry]) {
        var factory = EventFactory(seed: 7)
        let events = SegmentLogTests.numbered(factory.metrics(blocks * 10))
        let log = try SegmentLog(directory: dir.path, logger: logger)
        try SegmentLogTests.write(events, blockSize: 10, to: log)
        let entries = log.active.entries
        try log.close()
        return (events, entries)
    }

    @Test("cutting the active segment at every byte of its last two blocks recovers exactly a prefix")
    func tornTailAtEveryByte() throws {
        let source = TemporaryDirectory()
        let (events, entries) = try Self.makeLog(source, blocks: 4)
        let segment = source.file(FileNames.segment(baseOffset: 0))
        let bytes = try FileSystem.readFile(segment)
        let firstCut = entries[entries.count - 2].position
        for cut in firstCut..<bytes.count {
            let dir = TemporaryDirectory()
            try FileSystem.writeAtomically(Array(bytes[0..<cut]), to: dir.file(FileNames.segment(baseOffset: 0)), directory: dir.path)
            let ends = entries.indices.map { $0 + 1 < entries.count ? entries[$0 + 1].position : bytes.count }
            let completeBlocks = ends.count { $0 <= cut }
            let onBoundary = ends.contains(cut) || cut == entries[0].position
            do {
                let log = try SegmentLog(directory: dir.path, logger: Self.logger)
                #expect(log.nextOffset == Int64(completeBlocks * 10), "cut at \(cut)")
                #expect((log.recovery.truncatedBytes > 0) == !onBoundary, "a cut at \(cut) is reported unless on a boundary")
                #expect(log.recovery.corruptions.isEmpty)
                try log.close()
            }
            let (read, report) = try SegmentLogTests.readAll(dir.path)
            #expect(report.corruptions.isEmpty)
            SegmentLogTests.assertLossless(read, Array(events[0..<completeBlocks * 10]))
            #expect(try LogReader(directory: dir.path).verify().isClean)
        }
    }

    @Test("new events after a torn tail get the offsets after the last valid block")
    func appendAfterRecovery() throws {
        let dir = TemporaryDirectory()
        let (events, entries) = try Self.makeLog(dir, blocks: 3)
        let path = dir.file(FileNames.segment(baseOffset: 0))
        let bytes = try FileSystem.readFile(path)
        try FileSystem.writeAtomically(Array(bytes[0..<(entries[2].position + 30)]), to: path, directory: dir.path)
        var factory = EventFactory(seed: 99)
        let more = factory.metrics(5)
        do {
            let log = try SegmentLog(directory: dir.path, logger: Self.logger)
            #expect(log.recovery.truncatedBytes == 30)
            try SegmentLogTests.write(more, blockSize: 5, to: log)
            try log.close()
        }
        let (read, _) = try SegmentLogTests.readAll(dir.path)
        SegmentLogTests.assertLossless(read, Array(events[0..<20]) + SegmentLogTests.numbered(more, from: 20))
    }

    @Test("a bit flip in a sealed block is named by verify and skipped by readers", arguments: [0, 1, 2])
    func bitFlipInSealedSegment(damagedBlock: Int) throws {
        let dir = TemporaryDirectory()
        var factory = EventFactory(seed: 3)
        let events = SegmentLogTests.numbered(factory.metrics(40))
        var entries: [SegmentIndex.Entry] = []
        do {
            let log = try SegmentLog(directory: dir.path, logger: Self.logger)
            try SegmentLogTests.write(events, blockSize: 10, to: log)
            entries = log.active.entries
            try log.roll()
            try log.close()
        }
        let path = dir.file(FileNames.segment(baseOffset: 0))
        var bytes = try FileSystem.readFile(path)
        // Flip a bit in the header of one block, the body of another.
        let target = entries[damagedBlock].position + (damagedBlock == 1 ? 10 : BlockHeader.size + 5)
        bytes[target] ^= 0x10
        try FileSystem.writeAtomically(bytes, to: path, directory: dir.path)

        let verify = try LogReader(directory: dir.path).verify()
        #expect(verify.corruptions.count == 1)
        #expect(verify.corruptions.first?.segment == FileNames.segment(baseOffset: 0))
        #expect(verify.corruptions.first?.blockIndex == damagedBlock)
        #expect(verify.corruptions.first?.position == entries[damagedBlock].position)

        let (read, report) = try SegmentLogTests.readAll(dir.path)
        #expect(report.corruptions.count == 1)
        let lost = damagedBlock * 10..<(damagedBlock + 1) * 10
        SegmentLogTests.assertLossless(read, events.enumerated().filter { !lost.contains($0.offset) }.map(\.element))

        // The index was written before the damage: delete it and the rebuilt one skips the block too.
        try FileSystem.remove(dir.file(FileNames.index(baseOffset: 0)))
        let (reread, _) = try SegmentLogTests.readAll(dir.path)
        #expect(reread.count == 30)
    }

    @Test("damage inside the active segment keeps the valid blocks after it")
    func damageInsideActiveSegment() throws {
        let dir = TemporaryDirectory()
        let (events, entries) = try Self.makeLog(dir, blocks: 4)
        let path = dir.file(FileNames.segment(baseOffset: 0))
        var bytes = try FileSystem.readFile(path)
        bytes[entries[1].position + BlockHeader.size + 3] ^= 0xFF
        try FileSystem.writeAtomically(bytes, to: path, directory: dir.path)
        let log = try SegmentLog(directory: dir.path, logger: Self.logger)
        #expect(log.recovery.truncatedBytes == 0)
        #expect(log.recovery.corruptions.count == 1)
        #expect(log.nextOffset == 40)
        try log.close()
        let (read, _) = try SegmentLogTests.readAll(dir.path)
        SegmentLogTests.assertLossless(read, Array(events[0..<10] + events[20..<40]))
    }

    @Test("garbage appended to the active segment is truncated and reported")
    func garbageTail() throws {
        let dir = TemporaryDirectory()
        let (events, _) = try Self.makeLog(dir, blocks: 2)
        let path = dir.file(FileNames.segment(baseOffset: 0))
        let bytes = try FileSystem.readFile(path) + Array("EVQB not really a block".utf8)
        try FileSystem.writeAtomically(bytes, to: path, directory: dir.path)
        let log = try SegmentLog(directory: dir.path, logger: Self.logger)
        #expect(log.recovery.truncatedBytes == 23)
        try log.close()
        SegmentLogTests.assertLossless(try SegmentLogTests.readAll(dir.path).0, events)
    }

    @Test("a failed write is refused, leaves acknowledged data intact, and later writes succeed")
    func failedWrite() throws {
        let dir = TemporaryDirectory()
        var factory = EventFactory(seed: 5)
        let events = factory.metrics(40)
        // Append 1 is the segment header; appends 2 and 3 are blocks; append 4 fails after 7 bytes.
        let opener = FaultyFileOpener(failingAppend: 4)
        do {
            let log = try SegmentLog(directory: dir.path, options: LogOptions(fileOpener: opener), logger: Self.logger)
            try log.append([SealedBlock.seal(events[0..<10])])
            try log.append([SealedBlock.seal(events[10..<20])])
            try log.sync()
            #expect(throws: StorageError.self) { try log.append([SealedBlock.seal(events[20..<30])]) }
            #expect(log.nextOffset == 20)
            try log.append([SealedBlock.seal(events[30..<40])])
            try log.sync()
            #expect(log.nextOffset == 30)
            try log.close()
        }
        #expect(opener.failures.load(ordering: .relaxed) == 1)
        let (read, report) = try SegmentLogTests.readAll(dir.path)
        #expect(report.corruptions.isEmpty)
        SegmentLogTests.assertLossless(read, SegmentLogTests.numbered(Array(events[0..<20] + events[30..<40])))
        #expect(try LogReader(directory: dir.path).verify().isClean)
    }
}

@Suite("Recovery and format versions")
struct RecoveryVersionTests {
    @Test("a block of a newer format version at the end of the active segment is refused, never truncated")
    func newerVersionNotTruncated() throws {
        let dir = TemporaryDirectory()
        let (events, entries) = try RecoveryTests.makeLog(dir, blocks: 2)
        let path = dir.file(FileNames.segment(baseOffset: 0))
        var bytes = try FileSystem.readFile(path)
        // Rewrite the last block's header as version 2, with a correct header CRC: a block from a newer evq.
        let p = entries[1].position
        bytes[p + 4] = 2
        let crc = CRC32C.checksum(bytes[p..<p + 48])
        for k in 0..<4 { bytes[p + 48 + k] = UInt8(truncatingIfNeeded: crc >> (8 * k)) }
        try FileSystem.writeAtomically(bytes, to: path, directory: dir.path)
        do {
            _ = try SegmentLog(directory: dir.path, logger: RecoveryTests.logger)
            Issue.record("opened a log with a newer block version")
        } catch {
            #expect(error.description.contains("format version 2"))
        }
        #expect(try FileSystem.readFile(path) == bytes, "nothing was truncated")
        // Readers skip what they cannot read and keep the rest.
        let (read, _) = try SegmentLogTests.readAll(dir.path)
        SegmentLogTests.assertLossless(read, Array(events[0..<10]))
    }
}

@Suite("Recovery and format versions: segment header")
struct RecoverySegmentVersionTests {
    @Test("an active segment whose intact header has a newer version is refused")
    func newerSegmentVersion() throws {
        let dir = TemporaryDirectory()
        _ = try RecoveryTests.makeLog(dir, blocks: 1)
        let path = dir.file(FileNames.segment(baseOffset: 0))
        var bytes = try FileSystem.readFile(path)
        bytes[4] = 2
        let crc = CRC32C.checksum(bytes[0..<20])
        for k in 0..<4 { bytes[20 + k] = UInt8(truncatingIfNeeded: crc >> (8 * k)) }
        try FileSystem.writeAtomically(bytes, to: path, directory: dir.path)
        do {
            _ = try SegmentLog(directory: dir.path, logger: RecoveryTests.logger)
            Issue.record("opened a segment of a newer version")
        } catch {
            #expect(error.description.contains("format version 2"))
        }
        #expect(try FileSystem.readFile(path) == bytes)
    }
}
