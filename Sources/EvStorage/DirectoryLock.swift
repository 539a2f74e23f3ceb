#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage

/// An exclusive `flock` on the data directory itself, held while a writer has the log open, so two daemons never
/// share one data directory (Prometheus `tsdb/fileutil/flock.go` locks a file; a file can be unlinked from under its
/// lock, and a second daemon then locks a new one: the directory cannot be). The kernel drops it when the process
/// dies, `kill -9` included. `DIR/LOCK` records the holder's pid for operators; it is opened with `O_NOFOLLOW`, and a
/// symbolic link there is refused rather than followed (it would truncate whatever it points to).
public final class DirectoryLock: Sendable {
    private let directoryFD: Int32
    private let fd: Int32
    public let path: String

    public init(directory: String) throws(StorageError) {
        path = directory + "/" + FileNames.lockFile
        directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryFD >= 0 else {
            fd = -1
            throw StorageError.system("open", path: directory, Errno(rawValue: errno))
        }
        // No close on the throwing paths below: every stored property is set, so `deinit` runs when this initializer
        // throws and closes both. Closing here too would close whatever file another thread opened in between.
        if flock(directoryFD, LOCK_EX | LOCK_NB) != 0 {
            fd = -1
            let error = errno
            if error == EWOULDBLOCK {
                throw StorageError(.locked, "data directory is in use by another evqd", path: directory)
            }
            throw StorageError.system("flock", path: directory, Errno(rawValue: error))
        }
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o644)
        guard fd >= 0 else {
            let error = errno
            if error == ELOOP {
                throw StorageError(.corrupt, "LOCK is a symbolic link: refusing to follow it (remove it)", path: path)
            }
            throw StorageError.system("open", path: path, Errno(rawValue: error))
        }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw StorageError(.corrupt, "LOCK is not a regular file (remove it)", path: path)
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    deinit {
        if fd >= 0 { _ = Glibc.close(fd) }
        if directoryFD >= 0 { _ = Glibc.close(directoryFD) }
    }
}
