#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage

/// An exclusive `flock` on `DIR/LOCK`, held while a writer has the log open, so two daemons never share one data
/// directory (Prometheus `tsdb/fileutil/flock.go`). The kernel drops it when the process dies, `kill -9` included.
public final class DirectoryLock: Sendable {
    private let fd: Int32
    public let path: String

    public init(directory: String) throws(StorageError) {
        path = directory + "/" + FileNames.lockFile
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StorageError.system("open", path: path, Errno(rawValue: errno)) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            // No close here: every stored property is set, so `deinit` runs when this initializer throws and
            // closes `fd`. Closing it here too would close whatever file another thread opened in between.
            let error = errno
            if error == EWOULDBLOCK {
                throw StorageError(.locked, "data directory is in use by another evqd", path: directory)
            }
            throw StorageError.system("flock", path: path, Errno(rawValue: error))
        }
        // Record the holder's pid for operators; the lock itself is the flock.
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    deinit {
        if fd >= 0 { _ = Glibc.close(fd) }
    }
}
