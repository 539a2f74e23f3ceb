import Synchronization

/// The HTTP server's open connections, for its connection limit and for `/metrics`.
public final class HTTPConnectionStats: Sendable {
    public let open = Atomic<Int>(0)
    public let total = Atomic<Int>(0)

    public init() {}
}
