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

    @Test("LOCK as a symbolic link is refused and its target left untouched (issue 15, item 12)")
    func symlinkRefused() throws {
        let dir = TemporaryDirectory()
        let outside = TemporaryDirectory()
        let target = outside.file("precious")
        try FileSystem.writeAtomically(Array("keep me".utf8), to: target, directory: outside.path)
        #expect(symlink(target, dir.file("LOCK")) == 0)
        let error = #expect(throws: StorageError.self) { try DirectoryLock(directory: dir.path) }
        #expect(error?.message.contains("symbolic link") == true, "\(String(describing: error))")
        #expect(FileSystemProbe.read(target) == "keep me")
    }

    @Test("with LOCK deleted while held, a second lock of the directory still fails (issue 15, item 13)")
    func deletedLockStillLocks() throws {
        let dir = TemporaryDirectory()
        let held = try DirectoryLock(directory: dir.path)
        #expect(unlink(dir.file("LOCK")) == 0)
        let error = #expect(throws: StorageError.self) { try DirectoryLock(directory: dir.path) }
        #expect(error?.code == .locked)
        _ = held
    }

    @Test("LOCK that is a directory or a FIFO is refused without waiting")
    func notARegularFile() throws {
        let dir = TemporaryDirectory()
        #expect(mkfifo(dir.file("LOCK"), 0o644) == 0)
        let error = #expect(throws: StorageError.self) { try DirectoryLock(directory: dir.path) }
        #expect(error?.message.contains("not a regular file") == true, "\(String(describing: error))")
    }
}
