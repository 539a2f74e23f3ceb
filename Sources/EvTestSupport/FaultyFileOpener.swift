import EvStorage
import Synchronization
import SystemPackage

/// A file layer whose Nth `append` (counted across all files it opened) writes only part of its bytes and then
/// fails with ENOSPC, as a full disk does; so do the `failingAppends - 1` appends after it (a disk that stays full
/// for a while); later appends succeed again unless `failForever`.
/// The fault that cannot be produced on demand with real files (TigerBeetle `src/testing/storage.zig`).
public final class FaultyFileOpener: LogFileOpener {
    public let failingAppend: Int
    public let failingAppends: Int
    public let partialBytes: Int
    public let failForever: Bool
    /// Every fsync from this one on fails with EIO (nil: fsync never fails).
    public let failingSync: Int?
    let appends = Atomic<Int>(0)
    public let failures = Atomic<Int>(0)
    /// fsync calls made, failed ones included.
    public let syncs = Atomic<Int>(0)

    public init(
        failingAppend: Int = .max,
        failingAppends: Int = 1,
        partialBytes: Int = 7,
        failForever: Bool = false,
        failingSync: Int? = nil
    ) {
        self.failingAppend = failingAppend
        self.failingAppends = failingAppends
        self.partialBytes = partialBytes
        self.failForever = failForever
        self.failingSync = failingSync
    }

    public func open(path: String, create: Bool) throws(StorageError) -> any LogFile {
        FaultyFile(base: try PosixLogFile(path: path, create: create), opener: self)
    }

    final class FaultyFile: DelegatingLogFile {
        let opener: FaultyFileOpener

        init(base: PosixLogFile, opener: FaultyFileOpener) {
            self.opener = opener
            super.init(base: base)
        }

        override func append(_ bytes: UnsafeRawBufferPointer) throws(StorageError) {
            let n = opener.appends.add(1, ordering: .relaxed).newValue
            let failing = opener.failingAppend
            if n >= failing && (opener.failForever || n - failing < opener.failingAppends) {
                opener.failures.add(1, ordering: .relaxed)
                let partial = min(opener.partialBytes, bytes.count)
                if partial > 0 { try base.append(UnsafeRawBufferPointer(rebasing: bytes[0..<partial])) }
                throw StorageError.system("write", path: path, .noSpace)
            }
            try base.append(bytes)
        }

        override func sync() throws(StorageError) {
            let n = opener.syncs.add(1, ordering: .relaxed).newValue
            if let failing = opener.failingSync, n >= failing {
                throw StorageError.system("fsync", path: path, .ioError)
            }
            try base.sync()
        }
    }
}
