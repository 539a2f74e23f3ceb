#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage

/// Directory-level helpers: list, remove, fsync a directory, read a whole file.
public enum FileSystem {
    /// File names in `directory` (no `.`/`..`), unsorted.
    public static func list(_ directory: String) throws(StorageError) -> [String] {
        guard let dir = opendir(directory) else {
            throw StorageError.system("opendir", path: directory, Errno(rawValue: errno))
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    public static func fileSize(_ path: String) -> Int? {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : nil
    }

    /// Whether `path` is a regular file itself (not a link to one, not a FIFO, device or directory).
    public static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    /// Last modification time of a file, in nanoseconds since the epoch.
    public static func modificationTime(_ path: String) -> Int64? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
    }

    /// Sets a file's access and modification times (tests of retention).
    public static func setModificationTime(_ path: String, nanoseconds: Int64) throws(StorageError) {
        let time = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        let times = [time, time]
        if utimensat(AT_FDCWD, path, times, 0) != 0 {
            throw StorageError.system("utimensat", path: path, Errno(rawValue: errno))
        }
    }

    /// Creates `path` and its parents if missing.
    public static func createDirectory(_ path: String) throws(StorageError) {
        if isDirectory(path) { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component + "/"
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw StorageError.system("mkdir", path: prefix, Errno(rawValue: errno))
            }
        }
    }

    public static func remove(_ path: String) throws(StorageError) {
        if unlink(path) != 0 && errno != ENOENT {
            throw StorageError.system("unlink", path: path, Errno(rawValue: errno))
        }
    }

    /// fsync a directory so that created, renamed and removed entries are durable (Prometheus `fileutil`).
    public static func syncDirectory(_ path: String) throws(StorageError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw StorageError.system("open", path: path, Errno(rawValue: errno)) }
        defer { _ = Glibc.close(fd) }
        if fsync(fd) != 0 { throw StorageError.system("fsync", path: path, Errno(rawValue: errno)) }
    }

    /// Opens a file of the data directory: never through a symbolic link, never waiting on a FIFO, and only a regular
    /// file (a link, FIFO, device or directory is refused with a message naming it).
    ///
    /// - Parameter flags: `O_RDONLY` or `O_RDWR`, with `O_CREAT` to create it (mode 0644).
    /// - Returns: the descriptor, the caller's to close, and the file's size.
    public static func openRegularFile(_ path: String, flags: Int32) throws(StorageError) -> (fd: Int32, size: Int) {
        let fd = open(path, flags | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW, 0o644)
        guard fd >= 0 else {
            if errno == ELOOP {
                throw StorageError(.corrupt, "a symbolic link: refused (evq does not follow links in its data directory)", path: path)
            }
            throw StorageError.system("open", path: path, Errno(rawValue: errno))
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let error = Errno(rawValue: errno)
            _ = Glibc.close(fd)
            throw StorageError.system("stat", path: path, error)
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            _ = Glibc.close(fd)
            throw StorageError(.corrupt, "not a regular file: refused", path: path)
        }
        return (fd, Int(st.st_size))
    }

    /// The whole file, read-only.
    public static func readFile(_ path: String) throws(StorageError) -> [UInt8] {
        let (fd, size) = try openRegularFile(path, flags: O_RDONLY)
        defer { _ = Glibc.close(fd) }
        return try PosixLogFile.read(fd: fd, path: path, at: 0, count: size)
    }

    /// Writes `bytes` to `path` atomically: a temporary file, fsync, rename, fsync the directory. On failure the
    /// temporary file is removed (on a full disk its partial bytes would hold the space others need) and `path` is
    /// as it was.
    public static func writeAtomically(
        _ bytes: [UInt8],
        to path: String,
        directory: String,
        opener: any LogFileOpener = PosixFileOpener()
    ) throws(StorageError) {
        let temporary = path + ".tmp"
        try remove(temporary)
        let file = try opener.open(path: temporary, create: true)
        do throws(StorageError) {
            try file.append(bytes)
            try file.sync()
            file.close()
            if rename(temporary, path) != 0 { throw StorageError.system("rename", path: path, Errno(rawValue: errno)) }
        } catch {
            file.close()
            try? remove(temporary)
            throw error
        }
        try syncDirectory(directory)
    }
}
