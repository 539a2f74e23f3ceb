#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvStorage
import EvTestSupport
import Testing

@Suite("Directory lock")
struct DirectoryLockTests {
    @Test("a refused lock closes its file descriptor exactly once (no double close hitting other threads' files)")
    func refusedLockClosesOnce() async throws {
        let dir = TemporaryDirectory()
        let held = try DirectoryLock(directory: dir.path)
        let probe = dir.file("probe")
        try FileSystem.writeAtomically(Array("0123456789".utf8), to: probe, directory: dir.path)
        let failures = Locked(0)
        let done = Locked(false)
        // One thread keeps opening and reading a file; a double close elsewhere would close its descriptor
        // between open and read now and then.
        OSThread.start {
            while !done.value {
                let fd = open(probe, O_RDONLY)
                var buffer = [UInt8](repeating: 0, count: 10)
                for _ in 0..<20 {
                    if pread(fd, &buffer, 10, 0) != 10 { failures.withLock { $0 += 1 } }
                }
                close(fd)
            }
        }
        for _ in 0..<20_000 {
            #expect(throws: StorageError.self) { try DirectoryLock(directory: dir.path) }
        }
        done.withLock { $0 = true }
        usleep(10_000)
        #expect(failures.value == 0)
        _ = held
    }
}
