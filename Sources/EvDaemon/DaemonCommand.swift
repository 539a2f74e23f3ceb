#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import EvConfig
import EvCore
import EvEngine
import EvHTTP
import EvHost
import EvIngest
import EvStorage
import Logging
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import UnixSignals

/// `evqd`: the daemon. Options, defaults and exit codes are in the README ("Configuration").
public struct DaemonCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "evqd",
        abstract: "evq's daemon: line-protocol ingest over TCP into an LZ4 segment log.",
        discussion: """
            Prints "ingest listening on HOST:PORT" and "http listening on HOST:PORT" once it accepts connections. \
            SIGTERM or SIGINT: stop accepting, drain, fsync, checkpoint, exit 0.
            """
    )

    @Option(name: .long, help: "Data directory.")
    public var dataDir: String = "./evq-data"

    @Option(name: .long, help: "Line-protocol TCP listener (port 0 picks a free port).", transform: parseHostPort)
    public var ingestAddr: HostPort = HostPort(host: "127.0.0.1", port: 8094)

    @Option(name: .long, help: "HTTP read API listener (port 0 picks a free port).", transform: parseHostPort)
    public var httpAddr: HostPort = HostPort(host: "127.0.0.1", port: 8052)

    @Flag(name: .long, help: "Do not run the host collector.")
    public var noCollector = false

    @Option(name: .long, help: "Seconds between host collector samples.")
    public var collectorInterval: Double = 5

    @Option(name: .long, help: "Processes the collector reports by CPU and by memory (each).")
    public var collectorTop: Int = 10

    @Option(name: .long, help: "Only processes whose name matches this glob in the collector's top lists (repeatable).")
    public var collectorProcess: [String] = []

    @Option(name: .long, help: "fsync policy: always | interval:MS | never. '#evq sync' always fsyncs.",
            transform: parseFsync)
    public var fsync: FsyncPolicy = .always

    @Option(name: .long, help: "Seal a segment at this size, in MiB.")
    public var segmentMib: Int = 64

    @Option(name: .long, help: "Delete sealed segments written longer ago than this many hours (0: never).")
    public var retentionHours: Int = 15 * 24

    @Option(name: .long, help: "Delete the oldest sealed segments while the log is larger than this, in MiB (0: no limit).")
    public var retentionMib: Int = 0

    @Option(name: .long, help: "Write a views checkpoint this often (seconds), when something changed, and at exit.")
    public var checkpointSeconds: Int = 60

    @Option(name: .long, help: "YAML configuration of views and alert rules (see evq.example.yaml; default: built-in).")
    public var config: String?

    @Option(name: .long, help: "Most concurrent ingest connections.")
    public var maxConnections: Int = 1024

    @Option(name: .long, help: "Most concurrent HTTP connections; more wait in the listen backlog until one closes.")
    public var maxHttpConnections: Int = 512

    @Option(
        name: .long,
        help: "Seconds after which an HTTP connection with no request in progress (idle, or still sending its request head) is closed."
    )
    public var httpIdleTimeout: Double = 15

    @Option(name: .long, help: "Events a live-stream subscriber may fall behind before it is dropped.")
    public var streamBufferEvents: Int = 65_536

    @Option(
        name: .long,
        help: "Shared token required on ingest ('#evq auth TOKEN') and HTTP ('Authorization: Bearer TOKEN'); default: $EVQ_AUTH_TOKEN."
    )
    public var authToken: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    public var logLevel: String = "info"

    public init() {}

    /// How much lower than the HTTP API's threads the bulk work runs (ingest event loops, log writer, views applier):
    /// on a busy machine a read then waits for a CPU far less, while ingest still gets every idle cycle.
    static let bulkNiceness: Int32 = 10

    /// Descriptors evqd needs besides its connections: segment and index files, the checkpoint, the directory lock,
    /// event-loop internals, the collector's `/proc` reads, live streams reading history.
    static let filesReserve = 256

    /// Raises the soft open-file limit to the hard one. Every connection holds a descriptor, and the usual soft
    /// default (1024) is below the connection limits: without this, accepting fails with EMFILE before the limit is
    /// reached (connections hang unanswered instead of getting `too many connections`) and opening a segment or
    /// writing the checkpoint fails.
    ///
    /// - Returns: the soft limit now in force (`nil`: unlimited or unknown).
    static func raiseOpenFilesLimit() -> Int? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur == rlim_t.max || limit.rlim_cur > rlim_t(Int.max) ? nil : Int(limit.rlim_cur)  // max: RLIM_INFINITY
    }

    /// The connection limits that fit in `openFiles` descriptors: as configured when they fit; otherwise lowered (two
    /// thirds of what is left after `filesReserve` for ingest, the rest for HTTP), so connections over them get an
    /// answer instead of accept failing with EMFILE (which, retried at once, spins an event loop at 100 %: issue 15,
    /// item 11). `nil` when even the least (16 of each) does not fit.
    static func connectionLimits(ingest: Int, http: Int, openFiles: Int?) -> (ingest: Int, http: Int)? {
        guard let openFiles, openFiles < ingest + http + filesReserve else { return (ingest, http) }
        let available = openFiles - filesReserve
        guard available >= 32 else { return nil }
        let ingestShare = min(ingest, max(16, min(available - 16, available * 2 / 3)))  // leaves HTTP at least 16
        return (ingestShare, min(http, available - ingestShare))
    }

    public func validate() throws {
        // Every number has an upper bound too: the products below (MiB to bytes, hours to seconds, the descriptors
        // the connection limits need) must not overflow.
        guard (1...65_536).contains(segmentMib) else { throw ValidationError("--segment-mib must be 1 to 65536") }
        guard (0...1_000_000).contains(retentionHours) else { throw ValidationError("--retention-hours must be 0 to 1000000") }
        guard (0...(1 << 30)).contains(retentionMib) else { throw ValidationError("--retention-mib must be 0 to 1073741824") }
        guard (1...31_536_000).contains(checkpointSeconds) else {
            throw ValidationError("--checkpoint-seconds must be 1 to 31536000")
        }
        guard collectorInterval >= 0.1 && collectorInterval <= 3600 else {
            throw ValidationError("--collector-interval must be between 0.1 and 3600 seconds")
        }
        guard collectorTop >= 0 && collectorTop <= 1000 else { throw ValidationError("--collector-top must be 0 to 1000") }
        guard (1...(1 << 24)).contains(streamBufferEvents) else {
            throw ValidationError("--stream-buffer-events must be 1 to 16777216")
        }
        guard (1...1_048_576).contains(maxConnections) else { throw ValidationError("--max-connections must be 1 to 1048576") }
        guard (1...1_048_576).contains(maxHttpConnections) else {
            throw ValidationError("--max-http-connections must be 1 to 1048576")
        }
        guard httpIdleTimeout >= 0.1 && httpIdleTimeout <= 3600 else {
            throw ValidationError("--http-idle-timeout must be between 0.1 and 3600 seconds")
        }
        if let authToken {
            guard !authToken.isEmpty, authToken.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
                throw ValidationError("--auth-token must be non-empty printable ASCII without spaces")
            }
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    public func run() async throws {
        var logger = Logger(label: "evqd")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let openFiles = Self.raiseOpenFilesLimit()
        guard let (maxConnections, maxHttpConnections) = Self.connectionLimits(
            ingest: self.maxConnections, http: self.maxHttpConnections, openFiles: openFiles
        ) else {
            logger.critical(
                "the open-file limit is too low to run: raise it (ulimit -n) to at least \(Self.filesReserve + 32)",
                metadata: ["rlimit.nofile": "\(openFiles ?? 0)"]
            )
            throw ExitCode(2)
        }
        if maxConnections != self.maxConnections || maxHttpConnections != self.maxHttpConnections {
            logger.warning(
                "the open-file limit is below what the connection limits need: they are lowered to fit",
                metadata: [
                    "rlimit.nofile": "\(openFiles ?? 0)", "max_connections": "\(maxConnections)",
                    "max_http_connections": "\(maxHttpConnections)",
                ]
            )
        }
        let registry = PrometheusCollectorRegistry()
        DaemonMetrics.bootstrap(registry)
        let options = LogOptions(
            segmentBytesMax: segmentMib * 1024 * 1024,
            retentionAge: retentionHours > 0 ? .seconds(retentionHours * 3600) : nil,
            retentionBytes: retentionMib > 0 ? retentionMib * 1024 * 1024 : nil
        )
        var configuration = Configuration()
        if let config {
            do {
                configuration = try ConfigurationLoader.load(path: config)
            } catch {
                logger.critical("bad configuration", metadata: ["error": "\(error)"])
                throw ExitCode(2)
            }
        }
        let pipeline: DaemonPipeline
        do {
            pipeline = try DaemonPipeline(
                directory: dataDir,
                options: options,
                configuration: configuration,
                fsync: fsync,
                checkpointInterval: .seconds(checkpointSeconds),
                streamBufferEvents: streamBufferEvents,
                niceness: Self.bulkNiceness,
                logger: logger
            )
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        }
        let (engine, writer, hub) = (pipeline.engine, pipeline.writer, pipeline.hub)
        let token = authToken ?? getenv("EVQ_AUTH_TOKEN").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        for (name, address) in [("ingest", ingestAddr), ("http", httpAddr)] where token == nil && !address.isLoopback {
            logger.warning(
                "listening beyond loopback without a token: anyone who can reach it can read and write",
                metadata: ["listener": "\(name)", "address": "\(address)"]
            )
        }
        let ingestStats = IngestStats()
        let metrics = DaemonMetrics(
            registry: registry,
            ingest: ingestStats,
            writer: writer.stats,
            engine: engine,
            hub: hub,
            logNextOffset: { writer.nextOffset },
            checkpointPath: dataDir + "/" + CheckpointFile.name
        )
        var api = pipeline.makeAPI(token: token, logger: logger) { metrics.render(now: WallClock.nowNanoseconds()) }
        api.connectionsMax = maxHttpConnections
        api.idleTimeout = .milliseconds(Int64(httpIdleTimeout * 1000))
        metrics.http = api.connectionStats
        metrics.httpConnectionsMax = maxHttpConnections
        let http = api.application(host: httpAddr.host, port: httpAddr.port) { address in
            let shown = HostPort(host: address.ipAddress ?? "?", port: address.port ?? 0)
            writeStandardOutput("http listening on \(shown)\n")
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        for loop in group.makeIterator() {
            loop.execute { OSThread.lowerPriority(by: Self.bulkNiceness) }
        }
        let server = IngestServer(
            host: ingestAddr.host,
            port: ingestAddr.port,
            writer: writer,
            group: group,
            options: IngestOptions(connectionsMax: maxConnections, authToken: token),
            stats: ingestStats,
            logger: logger,
            onListening: { address in
                let shown = HostPort(host: address.ipAddress ?? "?", port: address.port ?? 0)
                writeStandardOutput("ingest listening on \(shown)\n")
            }
        )
        var serviceList: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: server)]
        if !noCollector {
            let sampler = HostSampler(topProcesses: collectorTop, processFilter: collectorProcess)
            let collector = HostCollector(
                sampler: sampler, writer: writer, interval: .milliseconds(Int64(collectorInterval * 1000)), logger: logger
            )
            metrics.collector = collector
            serviceList.append(.init(service: collector))
        }
        // Graceful shutdown runs in reverse: live streams end first, then HTTP, then the collector and ingest.
        serviceList += [.init(service: http), .init(service: StreamCloser(hub: hub))]
        let services = ServiceGroup(
            configuration: .init(
                services: serviceList,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        do {
            try await services.run()
        } catch {
            logger.critical("a listener failed", metadata: ["error": "\(error)"])
            pipeline.shutdown()
            try? await group.shutdownGracefully()
            throw ExitCode(1)
        }
        pipeline.shutdown()
        try await group.shutdownGracefully()
        logger.info("evqd stopped")
    }
}

func parseHostPort(_ text: String) throws -> HostPort {
    guard let value = HostPort(text) else { throw ValidationError("expected HOST:PORT, got '\(text)'") }
    return value
}

func parseFsync(_ text: String) throws -> FsyncPolicy {
    guard let value = FsyncPolicy(text) else {
        throw ValidationError("expected always, never or interval:MS, got '\(text)'")
    }
    return value
}

/// Writes straight to file descriptor 1, unbuffered, so scripts waiting for the line see it at once.
func writeStandardOutput(_ text: String) {
    var bytes = Array(text.utf8)
    var done = 0
    while done < bytes.count {
        let n = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress! + done, $0.count - done) }
        if n <= 0 { return }
        done += n
    }
}
