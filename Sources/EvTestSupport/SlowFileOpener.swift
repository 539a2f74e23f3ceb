#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvStorage

/// A file layer with a slow disk: each append sleeps as if the disk wrote `bytesPerSecond`. For backpressure
/// tests: a client can then write much faster than the log.
public struct SlowFileOpener: LogFileOpener {
    public let bytesPerSecond: Int

    public init(bytesPerSecond: Int) {
        self.bytesPerSecond = bytesPerSecond
    }

    public func open(path: String, create: Bool) throws(StorageError) -> any LogFile {
        SlowFile(base: try PosixLogFile(path: path, create: create), bytesPerSecond: bytesPerSecond)
    }

    final class SlowFile: LogFile {
        let base: PosixLogFile
        let bytesPerSecond: Int

        init(base: PosixLogFile, bytesPerSecond: Int) {
            self.base = base
            self.bytesPerSecond = bytesPerSecond
        }

        var path: String { base.path }
        var size: Int { base.size }

        func append(_ bytes: UnsafeRawBufferPointer) throws(StorageError) {
            usleep(useconds_t(Double(bytes.count) / Double(bytesPerSecond) * 1_000_000))
            try base.append(bytes)
        }

        func sync() throws(StorageError) { try base.sync() }
        func truncate(to size: Int) throws(StorageError) { try base.truncate(to: size) }
        func read(at position: Int, count: Int) throws(StorageError) -> [UInt8] {
            try base.read(at: position, count: count)
        }
        func close() { base.close() }
    }
}
