import Synchronization

/// Counters of the ingest server, readable from any thread.
public final class IngestStats: Sendable {
    public let connections = Atomic<Int>(0)
    public let connectionsTotal = Atomic<Int>(0)
    public let connectionsRefused = Atomic<Int>(0)
    /// Connections open that have not sent the token yet (with a token configured).
    public let unauthenticated = Atomic<Int>(0)
    /// Connections closed for not authenticating within `IngestOptions.authTimeout`.
    public let authTimeouts = Atomic<Int>(0)
    public let bytesRead = Atomic<Int>(0)
    public let events = Atomic<Int>(0)
    public let rejectedLines = Atomic<Int>(0)
    /// Rejected lines by reason (`LineProtocolError.Reason.code`; also `auth_required` and `auth_failed`).
    public let rejectedByReason = Mutex<[String: Int]>([:])
    /// Lines that parsed but could not be stored (a write failed); the client got an `err` reply.
    public let unstoredLines = Atomic<Int>(0)
    public let repliesDropped = Atomic<Int>(0)
    /// The most bytes one connection has had waiting for the log writer (backpressure keeps this bounded).
    public let inFlightBytesPeak = Atomic<Int>(0)

    public init() {}
}
