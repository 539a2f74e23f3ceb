import Logging

/// A swift-log handler that keeps every message (level and text), for tests of what is logged and how often.
public struct RecordingLogHandler: LogHandler {
    public typealias Entry = (level: Logger.Level, message: String)

    /// The messages logged through every handler made from this store, in order.
    public final class Store: Sendable {
        let entries = Locked<[Entry]>([])

        public init() {}

        public var all: [Entry] { entries.value }

        /// The messages at `level` whose text is `message`.
        public func count(_ level: Logger.Level, _ message: String) -> Int {
            entries.value.count { $0.level == level && $0.message == message }
        }

        /// A logger writing into this store.
        public func logger(label: String = "test") -> Logger {
            Logger(label: label) { _ in RecordingLogHandler(store: self) }
        }
    }

    public var logLevel: Logger.Level = .trace
    public var metadata: Logger.Metadata = [:]
    let store: Store

    public init(store: Store) {
        self.store = store
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        store.entries.withLock { $0.append((event.level, "\(event.message)")) }
    }
}
