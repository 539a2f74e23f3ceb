#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvCore
import EvStorage
import EvTestSupport
import Logging
import Testing

/// Issue 15, item 14: a segment deleted from the middle made `evq verify` say `0 damaged` and evqd log nothing,
/// though its offsets were gone; an overlapping copy would repeat offsets in `export`.
@Suite("Gaps and overlaps between segments")
struct SegmentContinuityTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Three segments of 30 events each: bases 0, 30, 60.
    static func threeSegments(_ dir: TemporaryDirectory) throws {
        var factory = EventFactory(seed: 11)
        let events = SegmentLogTests.numbered(factory.metrics(90))
        let log = try SegmentLog(directory: dir.path, logger: logger)
        for k in 0..<3 {
            try SegmentLogTests.write(Array(events[(k * 30)..<(k * 30 + 30)]), blockSize: 10, to: log)
            if k < 2 { try log.roll() }
        }
        try log.close()
    }

    @Test("a deleted middle segment is damage: verify names the missing offsets, the log reports them at open")
    func gap() throws {
        let dir = TemporaryDirectory()
        try Self.threeSegments(dir)
        #expect(try LogReader(directory: dir.path).verify().isClean)
        #expect(unlink(dir.file(FileNames.segment(baseOffset: 30))) == 0)
        unlink(dir.file(FileNames.index(baseOffset: 30)))
        let verify = try LogReader(directory: dir.path).verify()
        #expect(verify.corruptions.map(\.reason) == ["offsets 30..<60 are missing before this segment (a segment removed?)"])
        #expect(verify.corruptions.first?.segment == FileNames.segment(baseOffset: 60))
        let read = try LogReader(directory: dir.path).forEach { _ in true }
        #expect(read.corruptions.count == 1 && read.events == 60)
        let log = try SegmentLog(directory: dir.path, logger: Self.logger)
        #expect(log.recovery.corruptions.count == 1)
        try log.close()
    }

    @Test("an overlapping copy of a segment is damage, and readers return each offset once")
    func overlap() throws {
        let dir = TemporaryDirectory()
        try Self.threeSegments(dir)
        // A copy of the middle segment's content under a base inside it (a restore gone wrong).
        let bytes = try FileSystem.readFile(dir.file(FileNames.segment(baseOffset: 30)))
        try FileSystemProbe.write(dir.file(FileNames.segment(baseOffset: 45)), bytes)
        let verify = try LogReader(directory: dir.path).verify()
        #expect(verify.corruptions.contains { $0.reason.contains("also in the segment before") }, "\(verify.corruptions)")
        var offsets: [Int64] = []
        _ = try LogReader(directory: dir.path).forEach { event in
            offsets.append(event.offset)
            return true
        }
        #expect(offsets == Array(0..<90))
    }
}
