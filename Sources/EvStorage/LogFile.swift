/// The file operations the log needs: the seam where tests inject faults (a file that fails its Nth write,
/// TigerBeetle `src/testing/storage.zig` style). `PosixLogFile` is the real one.
///
/// Not thread-safe: a file is used by one owner at a time.
public protocol LogFile: AnyObject {
    var path: String { get }
    /// Current size in bytes.
    var size: Int { get }
    /// Appends all of `bytes` at the end of the file. On failure some prefix may have been written.
    func append(_ bytes: UnsafeRawBufferPointer) throws(StorageError)
    /// fsync: data and metadata durable.
    func sync() throws(StorageError)
    /// Cuts the file to `size` bytes.
    func truncate(to size: Int) throws(StorageError)
    /// Reads `count` bytes at `position` (fewer at the end of the file).
    func read(at position: Int, count: Int) throws(StorageError) -> [UInt8]
    func close()
}

/// Opens log files; tests substitute a fault-injecting one.
public protocol LogFileOpener: Sendable {
    /// Opens `path` for appending and reading, creating it if `create`.
    func open(path: String, create: Bool) throws(StorageError) -> any LogFile
}

/// The real file layer.
public struct PosixFileOpener: LogFileOpener {
    public init() {}

    public func open(path: String, create: Bool) throws(StorageError) -> any LogFile {
        try PosixLogFile(path: path, create: create)
    }
}
