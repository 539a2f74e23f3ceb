import SystemPackage

/// An operating error of the storage layer (shaped like NIO's `FileSystemError`): what failed, on which file, why.
public struct StorageError: Error, Sendable, CustomStringConvertible {
    /// A kind of failure, extensible like swift-system's `Errno`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public static let io = Code(name: "io")
        public static let noSpace = Code(name: "no space")
        public static let locked = Code(name: "locked")
        public static let corrupt = Code(name: "corrupt")
        public static let invalidArgument = Code(name: "invalid argument")
        public static let closed = Code(name: "closed")
        /// The data was written but its fsync failed: it may or may not be on disk.
        public static let notDurable = Code(name: "not durable")
        public var description: String { name }
    }

    public var code: Code
    public var message: String
    public var path: String?
    public var errno: Errno?

    public init(_ code: Code, _ message: String, path: String? = nil, errno: Errno? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.errno = errno
    }

    /// Maps a failed system call: ENOSPC and EDQUOT become `.noSpace`, the rest `.io`.
    public static func system(_ operation: String, path: String?, _ errno: Errno) -> StorageError {
        let code: Code = (errno == .noSpace || errno == .diskQuotaExceeded) ? .noSpace : .io
        return StorageError(code, "\(operation): \(errno)", path: path, errno: errno)
    }

    public var description: String {
        if let path { return "\(message) (\(path))" }
        return message
    }
}
