import EvStorage

/// A `LogFile` that forwards everything to a real file; fault-injecting files override `append`.
public class DelegatingLogFile: LogFile {
    public let base: PosixLogFile

    public init(base: PosixLogFile) {
        self.base = base
    }

    public var path: String { base.path }
    public var size: Int { base.size }
    public func append(_ bytes: UnsafeRawBufferPointer) throws(StorageError) { try base.append(bytes) }
    public func sync() throws(StorageError) { try base.sync() }
    public func truncate(to size: Int) throws(StorageError) { try base.truncate(to: size) }
    public func read(at position: Int, count: Int) throws(StorageError) -> [UInt8] {
        try base.read(at: position, count: count)
    }
    public func close() { base.close() }
}
