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

/// Issue 15, item 15: a FIFO named like a segment made evqd and `evq verify/export/replay` wait forever. What is not a
/// regular file where a segment is expected is refused at once, with a message naming it.
@Suite("Segment files that are not regular files")
struct SegmentFileTypeTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test("a FIFO or a symbolic link named like a segment is refused by the log and by readers, without waiting")
    func refused() throws {
        for kind in ["fifo", "symlink"] {
            let dir = TemporaryDirectory()
            let outside = TemporaryDirectory()
            do {
                var factory = EventFactory(seed: 3)
                let log = try SegmentLog(directory: dir.path, logger: Self.logger)
                try SegmentLogTests.write(SegmentLogTests.numbered(factory.metrics(20)), blockSize: 10, to: log)
                try log.close()
            }
            let name = dir.file(FileNames.segment(baseOffset: 1_000))
            if kind == "fifo" {
                #expect(mkfifo(name, 0o644) == 0)
            } else {
                try FileSystemProbe.write(outside.file("x"), "garbage")
                #expect(symlink(outside.file("x"), name) == 0)
            }
            let opened = #expect(throws: StorageError.self, "\(kind)") { try SegmentLog(directory: dir.path, logger: Self.logger) }
            #expect(opened?.description.contains(FileNames.segment(baseOffset: 1_000)) == true, "\(String(describing: opened))")
            let read = #expect(throws: StorageError.self, "\(kind)") { try LogReader(directory: dir.path) }
            #expect(read?.path?.hasSuffix(FileNames.segment(baseOffset: 1_000)) == true, "\(String(describing: read))")
        }
    }
}
