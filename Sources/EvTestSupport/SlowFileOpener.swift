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

    final class SlowFile: DelegatingLogFile {
        let bytesPerSecond: Int

        init(base: PosixLogFile, bytesPerSecond: Int) {
            self.bytesPerSecond = bytesPerSecond
            super.init(base: base)
        }

        override func append(_ bytes: UnsafeRawBufferPointer) throws(StorageError) {
            usleep(useconds_t(Double(bytes.count) / Double(bytesPerSecond) * 1_000_000))
            try base.append(bytes)
        }
    }
}
