import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvCore
import EvStorage
import Logging
import NIOCore

/// One ingest connection: frames lines, parses them, builds blocks, hands them to the log writer, and answers
/// on the same connection (`spec/wire-protocol.md`, "Replies").
///
/// - Lines are parsed straight out of NIO's read buffers; only a line split across two reads is copied.
/// - Valid events go into this connection's open block, sealed (LZ4 + CRC, on this event loop) when it is
///   big enough, when it has lingered `blockLinger`, at `#evq sync`, and when the connection ends.
/// - Backpressure: while more than `inFlightBytesMax` of this connection's blocks are not yet written, the
///   handler stops reading from the socket, so a client faster than the disk is slowed, never buffered.
/// - Replies are dropped (and counted), never queued, when the client does not read them.
///
/// Not thread-safe: lives on its channel's event loop.
final class IngestHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = Never
    typealias OutboundOut = ByteBuffer

    private let writer: LogWriter
    private let options: IngestOptions
    private let stats: IngestStats
    private let logger: Logger

    private var parser: LineProtocolParser
    private var encoder = BlockEncoder()
    /// The part of a line that has not seen its newline yet.
    private var carry: [UInt8] = []
    /// Set while skipping the rest of a line over the length limit; holds its length so far.
    private var skippedLineBytes: Int?
    private var lineNumber = 0
    private var blockFirstLine = 0
    private var lingerTask: Scheduled<Void>?

    private var inFlightBytes = 0
    private var inFlightSubmissions = 0
    private var readPending = false
    private var lastOffset: Int64 = -1
    /// Why lines of this connection failed to be stored since its last sync: the next sync then answers `err`,
    /// because `ok` promises that every earlier line is stored.
    private var failureSinceSync: String?
    private var repliesWritten = false
    private var inputClosed = false
    /// Whether the connection may send lines: at once without a token, after `#evq auth TOKEN` with one.
    private var authenticated: Bool
    /// A wrong token was sent: the rest of the input is ignored and the connection closes.
    private var refused = false

    init(writer: LogWriter, options: IngestOptions, stats: IngestStats, logger: Logger) {
        self.writer = writer
        self.options = options
        self.stats = stats
        self.logger = logger
        self.parser = LineProtocolParser(limits: options.limits)
        self.authenticated = options.authToken == nil
        self.countedUnauthenticated = options.authToken != nil
    }

    // MARK: - Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        stats.bytesRead.add(buffer.readableBytes, ordering: .relaxed)
        let now = WallClock.nowNanoseconds()
        buffer.withUnsafeReadableBytes { bytes in
            var start = 0
            let count = bytes.count
            while start < count {
                guard let newline = Self.indexOfNewline(bytes, from: start) else {
                    appendPartial(UnsafeRawBufferPointer(rebasing: bytes[start..<count]))
                    break
                }
                let line = UnsafeRawBufferPointer(rebasing: bytes[start..<newline])
                if skippedLineBytes != nil || !carry.isEmpty {
                    finishCarriedLine(line, now: now, context: context)
                } else {
                    process(line, now: now, context: context)
                }
                start = newline + 1
            }
        }
        if !encoder.isEmpty && lingerTask == nil {
            lingerTask = context.eventLoop.assumeIsolated().scheduleTask(in: options.blockLinger) {
                self.lingerTask = nil
                self.submitBlock(sync: nil, context: context)
            }
        }
        flushReplies(context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            // The client finished sending (shutdown(SHUT_WR)): a last line without a newline still counts.
            inputClosed = true
            endOfInput(context: context)
            closeIfDone(context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // The connection broke off (reset, error, evqd shutting down) without the client ending its input: a line
        // without its newline is a fragment, not a line, and is dropped. Complete lines are still stored.
        if !inputClosed {
            carry.removeAll(keepingCapacity: false)
            skippedLineBytes = nil
            endOfInput(context: context)
        }
        lingerTask?.cancel()
        lingerTask = nil
        leaveUnauthenticated()
        stats.connections.subtract(1, ordering: .relaxed)
        context.fireChannelInactive()
    }

    func channelActive(context: ChannelHandlerContext) {
        stats.connections.add(1, ordering: .relaxed)
        stats.connectionsTotal.add(1, ordering: .relaxed)
        if !authenticated {
            authTimer = context.eventLoop.assumeIsolated().scheduleTask(in: options.authTimeout) {
                guard !self.authenticated, !self.refused else { return }
                self.refused = true
                self.stats.authTimeouts.add(1, ordering: .relaxed)
                let milliseconds = self.options.authTimeout.nanoseconds / 1_000_000
                self.reply("err line=0 col=0 auth timeout: no '#evq auth TOKEN' within \(milliseconds) ms\n", context: context)
                self.flushReplies(context: context)
                context.close(promise: nil)
            }
        }
        context.fireChannelActive()
    }

    /// Closes a connection that has not authenticated within `authTimeout`.
    private var authTimer: Scheduled<Void>?
    /// Whether this connection still counts in `stats.unauthenticated` (set at accept by the server).
    private var countedUnauthenticated: Bool

    /// The connection no longer waits to authenticate: it did, or it is gone.
    private func leaveUnauthenticated() {
        authTimer?.cancel()
        authTimer = nil
        if countedUnauthenticated {
            countedUnauthenticated = false
            stats.unauthenticated.subtract(1, ordering: .relaxed)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: - Outbound (backpressure)

    func read(context: ChannelHandlerContext) {
        if inFlightBytes > options.inFlightBytesMax {
            readPending = true
        } else {
            context.read()
        }
    }

    // MARK: - Lines

    private func appendPartial(_ bytes: UnsafeRawBufferPointer) {
        if let skipped = skippedLineBytes {
            skippedLineBytes = skipped + bytes.count
            return
        }
        if carry.count + bytes.count > options.limits.lineBytesMax + 1 {
            // Over the limit before its newline: stop buffering, skip to the newline.
            skippedLineBytes = carry.count + bytes.count
            carry.removeAll(keepingCapacity: false)
            return
        }
        carry.append(contentsOf: bytes)
    }

    private func finishCarriedLine(_ rest: UnsafeRawBufferPointer, now: Int64, context: ChannelHandlerContext) {
        if let skipped = skippedLineBytes {
            skippedLineBytes = nil
            lineNumber += 1
            let length = skipped + rest.count
            reject(
                LineProtocolError(
                    column: options.limits.lineBytesMax + 1,
                    .lineTooLong(bytes: length, limit: options.limits.lineBytesMax)
                ),
                context: context
            )
            return
        }
        carry.append(contentsOf: rest)
        let line = carry
        carry.removeAll(keepingCapacity: true)
        line.withUnsafeBytes { process($0, now: now, context: context) }
    }

    private func endOfInput(context: ChannelHandlerContext) {
        let now = WallClock.nowNanoseconds()
        if skippedLineBytes != nil || !carry.isEmpty {
            finishCarriedLine(UnsafeRawBufferPointer(start: nil, count: 0), now: now, context: context)
        }
        if !encoder.isEmpty { submitBlock(sync: nil, context: context) }
        flushReplies(context: context)
    }

    private func process(_ line: UnsafeRawBufferPointer, now: Int64, context: ChannelHandlerContext) {
        lineNumber += 1
        if refused { return }
        if !authenticated {
            authenticate(line, context: context)
            return
        }
        do throws(LineProtocolError) {
            switch try parser.parse(line, receiveTime: now) {
            case .event:
                if encoder.isEmpty { blockFirstLine = lineNumber }
                encoder.append(parser, receiveTime: now)
                stats.events.add(1, ordering: .relaxed)
                if encoder.rawBytes >= options.blockBytesTarget || encoder.eventCount >= Limits.blockEventCountMax {
                    submitBlock(sync: nil, context: context)
                }
            case .blank:
                break
            case .comment:
                switch try ControlLine.parse(line) {
                case .sync(let token):
                    submitBlock(sync: (token, lineNumber), context: context)
                case .precision(let precision):
                    parser.precision = precision
                case .auth:
                    break  // already allowed (or no token is required): nothing to do
                case nil:
                    break
                }
            }
        } catch {
            reject(error, context: context)
        }
    }

    /// Before `#evq auth TOKEN`: the right token lets the connection in; a wrong one closes it; any other line is
    /// refused (blank lines and ordinary comments are ignored).
    private func authenticate(_ line: UnsafeRawBufferPointer, context: ChannelHandlerContext) {
        var first = 0
        while first < line.count && (line[first] == UInt8(ascii: " ") || line[first] == UInt8(ascii: "\t")) { first += 1 }
        if first == line.count || (first == line.count - 1 && line[first] == UInt8(ascii: "\r")) { return }
        do throws(LineProtocolError) {
            if line[first] == UInt8(ascii: "#") {
                switch try ControlLine.parse(line) {
                case .auth(let presented):
                    if let token = options.authToken, ConstantTime.equal(presented, token) {
                        authenticated = true
                        leaveUnauthenticated()
                    } else {
                        refused = true
                        reject(LineProtocolError(column: first + 1, .authFailed), context: context)
                        logger.warning("ingest connection sent a wrong token; closing it")
                        flushReplies(context: context)
                        context.close(promise: nil)
                    }
                    return
                case nil:
                    return  // an ordinary comment
                default:
                    break
                }
            }
            reject(LineProtocolError(column: first + 1, .authRequired), context: context)
        } catch {
            reject(error, context: context)
        }
    }

    private func reject(_ error: LineProtocolError, context: ChannelHandlerContext) {
        stats.rejectedLines.add(1, ordering: .relaxed)
        stats.rejectedByReason.withLock { $0[error.reason.code, default: 0] += 1 }
        reply("err line=\(lineNumber) col=\(error.column) \(error.description)\n", context: context)
    }

    // MARK: - Blocks

    /// Seals the open block (if any) and submits it; with `sync`, asks for durability and an `ok` reply.
    private func submitBlock(sync: (token: String, line: Int)?, context: ChannelHandlerContext) {
        lingerTask?.cancel()
        lingerTask = nil
        var blocks: [SealedBlock] = []
        let lines = blockFirstLine...max(blockFirstLine, lineNumber)
        if !encoder.isEmpty { blocks.append(SealedBlock.seal(&encoder)) }
        if blocks.isEmpty && sync == nil { return }
        let bytes = blocks.reduce(0) { $0 + $1.header.totalBytes }
        inFlightBytes += bytes
        inFlightSubmissions += 1
        stats.inFlightBytesPeak.max(inFlightBytes, ordering: .relaxed)
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let hasEvents = !blocks.isEmpty
        writer.submit(blocks, sync: sync != nil) { result in
            bound.eventLoop.execute {
                let (handler, context) = bound.value
                handler.completed(
                    result,
                    bytes: bytes,
                    lines: hasEvents ? lines : nil,
                    sync: sync,
                    context: context
                )
            }
        }
    }

    private func completed(
        _ result: Result<Int64?, StorageError>,
        bytes: Int,
        lines: ClosedRange<Int>?,
        sync: (token: String, line: Int)?,
        context: ChannelHandlerContext
    ) {
        inFlightBytes -= bytes
        inFlightSubmissions -= 1
        switch result {
        case .success(let last):
            if let last { lastOffset = max(lastOffset, last) }
            if let sync {
                if let failure = failureSinceSync {
                    failureSinceSync = nil
                    reply(
                        "err line=\(sync.line) col=1 sync \(sync.token) failed: earlier lines were not stored (\(failure))\n",
                        context: context
                    )
                } else {
                    reply("ok \(sync.token) \(lastOffset)\n", context: context)
                }
            }
        case .failure(let error):
            if sync != nil {
                failureSinceSync = nil  // this sync's own err reply covers it
            } else if lines != nil {
                failureSinceSync = failureSinceSync ?? error.message
            }
            if let lines {
                stats.unstoredLines.add(lines.count, ordering: .relaxed)
                let outcome = error.code == .notDurable ? "may not be durable" : "not stored"
                reply(
                    "err line=\(lines.lowerBound) col=1 lines \(lines.lowerBound)-\(lines.upperBound) \(outcome): "
                        + "\(error.message)\n",
                    context: context
                )
            }
            if let sync {
                reply("err line=\(sync.line) col=1 sync \(sync.token) failed: \(error.message)\n", context: context)
            }
        }
        flushReplies(context: context)
        if readPending && inFlightBytes <= options.inFlightBytesMax {
            readPending = false
            context.read()
        }
        closeIfDone(context: context)
    }

    private func closeIfDone(context: ChannelHandlerContext) {
        if inputClosed && inFlightSubmissions == 0 && context.channel.isActive {
            context.close(promise: nil)
        }
    }

    // MARK: - Replies

    private func reply(_ text: String, context: ChannelHandlerContext) {
        guard context.channel.isActive, context.channel.isWritable else {
            stats.repliesDropped.add(1, ordering: .relaxed)
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        context.write(wrapOutboundOut(buffer), promise: nil)
        repliesWritten = true
    }

    private func flushReplies(context: ChannelHandlerContext) {
        if repliesWritten {
            repliesWritten = false
            context.flush()
        }
    }

    private static func indexOfNewline(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < bytes.count,
            let found = memchr(bytes.baseAddress! + start, Int32(UInt8(ascii: "\n")), bytes.count - start)
        else { return nil }
        return UnsafeRawPointer(found) - bytes.baseAddress!
    }
}
