import HTTPTypes
import HummingbirdCore
import NIOCore
import NIOHTTPTypes
import Synchronization

/// The HTTP server's open connections, for its connection limit and for `/metrics`.
public final class HTTPConnectionStats: Sendable {
    public let open = Atomic<Int>(0)
    public let total = Atomic<Int>(0)

    public init() {}
}

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

/// evqd's API is read-only and reads no request body. Hummingbird, after answering, reads a request's body to the end
/// before the next request; a client trickling a body byte by byte would keep resetting the idle timer and hold its
/// connection for as long as it likes. A request that announces a body is therefore marked `Connection: close`: it is
/// answered, and its connection closed instead of drained.
final class RequestBodyCloser: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        let length = head.headerFields[.contentLength]
        if (length != nil && length != "0") || head.headerFields[.transferEncoding] != nil {
            head.headerFields[.connection] = "close"
        }
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }
}
