#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvCore
import EvIngest
import EvStorage
import EvTestSupport
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import Testing

/// IngestServer in process, so its counters and a slow file layer can be used.
@Suite("Ingest server", .serialized)
struct IngestServerTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Runs an IngestServer on a free port for the duration of `body`, then shuts everything down.
    static func withServer(
        directory: String,
        logOptions: LogOptions = LogOptions(),
        options: IngestOptions = IngestOptions(),
        _ body: @Sendable (Int, IngestStats, LogWriter) async throws -> Void
    ) async throws {
        let log = try SegmentLog(directory: directory, options: logOptions, logger: logger)
        let writer = LogWriter(log: log, policy: .always, logger: logger)
        let port = Locked<Int>(0)
        let stats = IngestStats()
        let server = IngestServer(
            host: "127.0.0.1",
            port: 0,
            writer: writer,
            group: MultiThreadedEventLoopGroup.singleton,
            options: options,
            stats: stats,
            logger: logger,
            onListening: { address in port.withLock { $0 = address.port ?? 0 } }
        )
        let group = ServiceGroup(services: [server], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            while port.value == 0 { try await Task.sleep(for: .milliseconds(5)) }
            do {
                try await body(port.value, stats, writer)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        writer.shutdown()
    }

    /// Runs blocking socket work on a thread of its own, off the cooperative pool.
    static func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            OSThread.start { continuation.resume(with: Result { try work() }) }
        }
    }

    @Test("a client faster than the disk is slowed down: bytes waiting for the log stay under the bound")
    func backpressure() async throws {
        let dir = TemporaryDirectory()
        let cap = 128 * 1024
        let block = 32 * 1024
        let read = 64 * 1024
        try await Self.withServer(
            directory: dir.path,
            logOptions: LogOptions(fileOpener: SlowFileOpener(bytesPerSecond: 300 * 1024)),
            options: IngestOptions(blockBytesTarget: block, inFlightBytesMax: cap, readBytesMax: read)
        ) { port, stats, _ in
            // ~12 MB of lines with random values (so they compress poorly), as fast as the socket takes them.
            var factory = EventFactory(seed: 11)
            var text: [UInt8] = []
            var count = 0
            while text.count < 12 * 1024 * 1024 {
                let event = factory.metric(time: Int64(count) * 1_000_000 + Int64(factory.int(0..<999_999)), hosts: 2000)
                LineProtocolSerializer.append(event, to: &text)
                count += 1
            }
            let payload = text
            let lines = count
            let reply = try await Self.blocking {
                let client = try LineClient(port: port)
                try client.send(bytes: payload)
                try client.send("#evq sync end\n")
                return client.readLine(timeout: 120)
            }
            #expect(reply == "ok end \(lines - 1)")
            let peak = stats.inFlightBytesPeak.load(ordering: .relaxed)
            // Reading stops above the cap; what one socket read already brought in may still be sealed on top.
            #expect(peak <= cap + read, "peak in-flight bytes \(peak)")
            #expect(peak > 0)
        }
    }

    @Test("200 concurrent connections each get their own sync acknowledgement, and every line is stored")
    func manyConnections() async throws {
        let dir = TemporaryDirectory()
        try await Self.withServer(directory: dir.path) { port, stats, _ in
            let replies = try await Self.blocking {
                let clients = try (0..<200).map { _ in try LineClient(port: port) }
                for (k, client) in clients.enumerated() {
                    try client.send((0..<10).map { "conn,id=\(k) seq=\($0)i \($0)\n" }.joined() + "#evq sync c\(k)\n")
                }
                return clients.enumerated().map { k, client in client.readLine().map { $0.hasPrefix("ok c\(k) ") } ?? false }
            }
            #expect(replies.allSatisfy { $0 })
            #expect(stats.connectionsTotal.load(ordering: .relaxed) == 200)
        }
        var count = 0
        try LogReader(directory: dir.path).forEach { _ in count += 1; return true }
        #expect(count == 2000)
    }

    @Test("connections over the limit are refused with an err reply")
    func connectionLimit() async throws {
        let dir = TemporaryDirectory()
        try await Self.withServer(directory: dir.path, options: IngestOptions(connectionsMax: 2)) { port, stats, _ in
            let third = try await Self.blocking {
                let a = try LineClient(port: port)
                let b = try LineClient(port: port)
                try a.send("#evq sync a\n")
                try b.send("#evq sync b\n")
                _ = (a.readLine(), b.readLine())
                let c = try LineClient(port: port)
                return (c.readLine(), c.readLine())
            }
            #expect(third.0 == "err line=0 col=0 too many connections (limit 2)")
            #expect(third.1 == nil)
            #expect(stats.connectionsRefused.load(ordering: .relaxed) == 1)
        }
    }
}

@Suite("Ingest server: storage failures", .serialized)
struct IngestStorageFailureTests {
    @Test("a sync after lines that could not be written is answered with an err, never ok")
    func syncAfterFailedWrite() async throws {
        let dir = TemporaryDirectory()
        // Append 1 writes the segment header; append 2 is the first commit, which fails (disk full).
        try await IngestServerTests.withServer(
            directory: dir.path,
            logOptions: LogOptions(fileOpener: FaultyFileOpener(failingAppend: 2)),
            options: IngestOptions(blockLinger: .milliseconds(10))
        ) { port, stats, _ in
            let replies = try await IngestServerTests.blocking {
                let client = try LineClient(port: port)
                try client.send("lost v=1i 1\n")
                let first = client.readLine()  // the failed commit's reply, after the 10 ms linger
                try client.send("#evq sync s\nkept v=2i 2\n#evq sync t\n")
                return [first, client.readLine(), client.readLine()]
            }
            #expect(replies[0] == "err line=1 col=1 lines 1-1 not stored: write: No space left on device")
            #expect(replies[1] == "err line=2 col=1 sync s failed: earlier lines were not stored (write: No space left on device)")
            #expect(replies[2] == "ok t 0")
            #expect(stats.unstoredLines.load(ordering: .relaxed) == 1)
        }
        var stored: [String] = []
        try LogReader(directory: dir.path).forEach { stored.append($0.measurement); return true }
        #expect(stored == ["kept"])
    }
}

@Suite("Ingest server: fsync failure", .serialized)
struct IngestFsyncFailureTests {
    @Test("lines whose fsync failed are reported as possibly not durable (they were written), later lines as not stored")
    func fsyncFailure() async throws {
        let dir = TemporaryDirectory()
        // Sync 1 is the segment header's; sync 2, the first commit's, fails.
        try await IngestServerTests.withServer(
            directory: dir.path,
            logOptions: LogOptions(fileOpener: FaultyFileOpener(failingSync: 2))
        ) { port, _, _ in
            let replies = try await IngestServerTests.blocking {
                let client = try LineClient(port: port)
                try client.send("a v=1i 1\n#evq sync s\n")
                let first = [client.readLine(), client.readLine()]
                try client.send("b v=2i 2\n#evq sync t\n")
                return first + [client.readLine(), client.readLine()]
            }
            #expect(replies[0] == "err line=1 col=1 lines 1-2 may not be durable: fsync: Input/output error")
            #expect(replies[1] == "err line=2 col=1 sync s failed: fsync: Input/output error")
            #expect(replies[2]?.hasPrefix("err line=3 col=1 lines 3-4 not stored: fsync failed earlier") == true)
            #expect(replies[3]?.hasPrefix("err line=4 col=1 sync t failed: fsync failed earlier") == true)
        }
    }

    /// Issue 15, item 6: 1,024 idle sockets that never sent the token held every connection slot for ever, locking out
    /// every real client.
    @Test("a connection that does not authenticate in time is closed, and those waiting to may hold only their share")
    func unauthenticatedConnections() async throws {
        let dir = TemporaryDirectory()
        let options = IngestOptions(connectionsMax: 10, authToken: "s3cret", authTimeout: .milliseconds(300), unauthenticatedMax: 2)
        try await IngestServerTests.withServer(directory: dir.path, options: options) { port, stats, _ in
            let result = try await IngestServerTests.blocking {
                let good = try LineClient(port: port)
                try good.send("#evq auth s3cret\ncpu v=1 1\n#evq sync a\n")
                let acked = good.readLine()
                // Three connect at once and send nothing: whichever the server accepts third is refused.
                let idle = try (0..<3).map { _ in try LineClient(port: port) }
                // The authenticated one is not in the share: it still writes while the share is full.
                try good.send("cpu v=2 2\n#evq sync b\n")
                let stillAcked = good.readLine()
                let first = idle.map { $0.readLine(timeout: 5) }
                let closed = idle.map { $0.isClosed(timeout: 5) }
                let later = try LineClient(port: port)
                try later.send("#evq auth s3cret\ncpu v=3 3\n#evq sync c\n")
                return (acked, first, stillAcked, closed, later.readLine())
            }
            #expect(result.0 == "ok a 0")
            let refusal = "err line=0 col=0 too many connections waiting to authenticate (limit 2)"
            let timeout = "err line=0 col=0 auth timeout: no '#evq auth TOKEN' within 300 ms"
            #expect(result.1.sorted { ($0 ?? "") < ($1 ?? "") } == [timeout, timeout, refusal], "\(result.1)")
            #expect(result.2 == "ok b 1")
            #expect(result.3 == [true, true, true])
            #expect(result.4 == "ok c 2")
            #expect(stats.authTimeouts.load(ordering: .relaxed) == 2)
            #expect(stats.unauthenticated.load(ordering: .relaxed) == 0)
        }
    }
}
