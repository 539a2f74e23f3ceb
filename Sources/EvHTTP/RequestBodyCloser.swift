import HTTPTypes
import NIOCore
import NIOHTTPTypes

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
