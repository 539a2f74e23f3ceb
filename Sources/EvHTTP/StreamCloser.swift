import ServiceLifecycle

/// Ends every live stream when evqd begins a graceful shutdown, so the HTTP server (which waits for open responses)
/// can stop. A service of its own, placed after the HTTP server in the service group: shutdown runs in reverse.
public struct StreamCloser: Service {
    let hub: EventHub

    public init(hub: EventHub) { self.hub = hub }

    public func run() async throws {
        try? await gracefulShutdown()
        hub.closeAll()
    }
}
