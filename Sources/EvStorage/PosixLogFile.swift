#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage

/// A `LogFile` on a POSIX file descriptor (swift-system), with real `fsync`.
public final class PosixLogFile: LogFile {
    public let path: String
    public private(set) var size: Int
    private let fd: FileDescriptor
    private var isClosed = false

    public init(path: String, create: Bool) throws(StorageError) {
        self.path = path
        let (raw, size) = try FileSystem.openRegularFile(path, flags: O_RDWR | (create ? O_CREAT : 0))
        fd = FileDescriptor(rawValue: raw)
        self.size = size
    }

    deinit { close() }

    public func append(_ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        var written = 0
        while written < bytes.count {
            let n = pwrite(fd.rawValue, bytes.baseAddress! + written, bytes.count - written, off_t(size))
            if n < 0 {
                if errno == EINTR { continue }
                throw StorageError.system("write", path: path, Errno(rawValue: errno))
            }
            written += n
            size += n
        }
    }

    public func sync() throws(StorageError) {
        while fsync(fd.rawValue) != 0 {
            if errno == EINTR { continue }
            throw StorageError.system("fsync", path: path, Errno(rawValue: errno))
        }
    }

    public func truncate(to newSize: Int) throws(StorageError) {
        while ftruncate(fd.rawValue, off_t(newSize)) != 0 {
            if errno == EINTR { continue }
            throw StorageError.system("truncate", path: path, Errno(rawValue: errno))
        }
        size = newSize
    }

    public func read(at position: Int, count: Int) throws(StorageError) -> [UInt8] {
        try Self.read(fd: fd.rawValue, path: path, at: position, count: count)
    }

    public func close() {
        guard !isClosed else { return }
        isClosed = true
        try? fd.close()
    }

    static func read(fd: Int32, path: String, at position: Int, count: Int) throws(StorageError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var total = 0
        var failure: Errno?
        out.withUnsafeMutableBytes { buffer in
            while total < count {
                let n = pread(fd, buffer.baseAddress! + total, count - total, off_t(position + total))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = Errno(rawValue: errno)
                    return
                }
                if n == 0 { return }
                total += n
            }
        }
        if let failure { throw StorageError.system("read", path: path, failure) }
        if total < count { out.removeLast(count - total) }
        return out
    }
}
