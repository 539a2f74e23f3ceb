import HummingbirdCore
import NIOCore
import Synchronization

/// Hummingbird's accept gate: while `max` connections are open the server takes no new one; the kernel queues them
/// (listen backlog) until one closes. Called on the listening channel's event loop.
struct HTTPConnectionLimit: AvailableConnectionsDelegate {
    let stats: HTTPConnectionStats
    let max: Int

    mutating func connectionOpened() {
        stats.open.add(1, ordering: .relaxed)
        stats.total.add(1, ordering: .relaxed)
    }

    mutating func connectionClosed() {
        stats.open.subtract(1, ordering: .relaxed)
    }

    func isAcceptingNewConnections() -> Bool {
        stats.open.load(ordering: .relaxed) < max
    }
}
