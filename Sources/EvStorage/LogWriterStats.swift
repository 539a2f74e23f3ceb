import Synchronization

/// Counters of the log writer, readable from any thread.
public final class LogWriterStats: Sendable {
    public let events = Atomic<Int>(0)
    public let blocks = Atomic<Int>(0)
    public let bytes = Atomic<Int>(0)
    public let commits = Atomic<Int>(0)
    public let fsyncs = Atomic<Int>(0)
    public let fsyncNanoseconds = Atomic<Int>(0)
    public let failedCommits = Atomic<Int>(0)

    public init() {}
}
