import Synchronization
import EvCore
import EvStorage
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The TCP line-protocol listener, as a swift-service-lifecycle `Service`.
///
/// On graceful shutdown it stops accepting, closes every connection (each seals and submits its open block
/// first) and returns once they are all closed; the caller then shuts the `LogWriter` down (drain + fsync).
public final class IngestServer: Service, Sendable {
    private let host: String
    private let port: Int
    private let writer: LogWriter
    private let group: any EventLoopGroup
    private let options: IngestOptions
    public let stats: IngestStats
    private let logger: Logger
    private let onListening: @Sendable (SocketAddress) -> Void
    private let connections = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])

    public init(
        host: String,
        port: Int,
        writer: LogWriter,
        group: any EventLoopGroup,
        options: IngestOptions = IngestOptions(),
        stats: IngestStats = IngestStats(),
        logger: Logger,
        onListening: @escaping @Sendable (SocketAddress) -> Void = { _ in }
    ) {
        self.host = host
        self.port = port
        self.writer = writer
        self.group = group
        self.options = options
        self.stats = stats
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // One read of at most `readBytesMax` per read cycle: what a paused connection has already read, and
            // so seals beyond `inFlightBytesMax`, is bounded by one read.
            .childChannelOption(.maxMessagesPerRead, value: 1)
            .childChannelOption(
                .recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(minimum: 4096, initial: 64 * 1024, maximum: options.readBytesMax)
            )
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 32 * 1024, high: 64 * 1024))
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try self.accept(channel)
                }
            }
            .bind(host: host, port: port)
            .get()
        onListening(server.localAddress!)
        await withGracefulShutdownHandler {
            try? await server.closeFuture.get()
        } onGracefulShutdown: {
            server.close(promise: nil)
        }
        let open = connections.withLockedValue { Array($0.values) }
        for channel in open { channel.close(promise: nil) }
        for channel in open { try? await channel.closeFuture.get() }
        logger.info("ingest stopped", metadata: ["connections.closed": "\(open.count)"])
    }

    private func accept(_ channel: any Channel) throws {
        let id = ObjectIdentifier(channel)
        let needsAuth = options.authToken != nil
        let stats = stats
        let refusal = connections.withLockedValue { table -> String? in
            guard table.count < options.connectionsMax else { return "too many connections (limit \(options.connectionsMax))" }
            // A share of the limit for connections still to authenticate; it is counted down when one does (or closes).
            if needsAuth {
                guard stats.unauthenticated.load(ordering: .relaxed) < options.unauthenticatedMax else {
                    return "too many connections waiting to authenticate (limit \(options.unauthenticatedMax))"
                }
                stats.unauthenticated.add(1, ordering: .relaxed)
            }
            table[id] = channel
            return nil
        }
        if let refusal {
            stats.connectionsRefused.add(1, ordering: .relaxed)
            var buffer = channel.allocator.buffer(capacity: 80)
            buffer.writeString("err line=0 col=0 \(refusal)\n")
            channel.writeAndFlush(buffer).whenComplete { _ in channel.close(promise: nil) }
            return
        }
        channel.closeFuture.whenComplete { [connections] _ in
            connections.withLockedValue { _ = $0.removeValue(forKey: id) }
        }
        try channel.pipeline.syncOperations.addHandler(
            IngestHandler(writer: writer, options: options, stats: stats, logger: logger)
        )
    }
}
