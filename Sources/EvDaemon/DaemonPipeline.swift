import EvConfig
import EvCore
import EvEngine
import EvHTTP
import EvStorage
import Logging

/// The heart of evqd without its listeners: the segment log and its writer, the live views fed by every commit,
/// the rule alerts they raise appended back to the log, and the live-stream hub. `DaemonCommand` puts ingest, HTTP
/// and the collector around it; tests drive it in process (`makeAPI().makeRouter()` with Hummingbird's testing).
public final class DaemonPipeline: Sendable {
    /// Why the pipeline did not start.
    public enum StartError: Error, CustomStringConvertible {
        case dataDirectory(StorageError)
        case views(StorageError)

        public var description: String {
            switch self {
            case .dataDirectory(let e): "cannot open the data directory: \(e)"
            case .views(let e): "cannot rebuild the views: \(e)"
            }
        }
    }

    public let directory: String
    public let configuration: Configuration
    public let engine: ViewEngine
    public let writer: LogWriter
    public let hub: EventHub

    public init(
        directory: String,
        options: LogOptions = LogOptions(),
        configuration: Configuration = Configuration(),
        fsync: FsyncPolicy = .always,
        checkpointInterval: Duration = .seconds(60),
        streamBufferEvents: Int = 65_536,
        niceness: Int32 = 0,
        logger: Logger
    ) throws(StartError) {
        let log: SegmentLog
        do {
            log = try SegmentLog(directory: directory, options: options, logger: logger)
        } catch {
            throw .dataDirectory(error)
        }
        let engine: ViewEngine
        do {
            let views = configuration
            engine = try ViewEngine(
                directory: directory,
                makeViews: { views.makeViews() },
                rules: configuration.rules,
                checkpointInterval: checkpointInterval,
                niceness: niceness,
                logger: logger
            )
        } catch {
            try? log.close()
            throw .views(error)
        }
        let writer = LogWriter(log: log, policy: fsync, logger: logger, onCommit: { engine.committed($0) }, niceness: niceness)
        engine.setEmitter { events in
            // A tick may raise an alert per component: as many blocks as the limits need, never one too large.
            writer.submit(SealedBlock.blocks(events), sync: false) { result in
                if case .failure(let error) = result {
                    logger.error("appending rule alerts failed", metadata: ["error": "\(error)"])
                }
            }
        }
        let hub = EventHub(capacity: streamBufferEvents)
        engine.setObserver { hub.publish($0) }
        self.directory = directory
        self.configuration = configuration
        self.engine = engine
        self.writer = writer
        self.hub = hub
    }

    /// The HTTP API over this pipeline (`metrics`: the text of `/metrics`).
    public func makeAPI(
        token: String?,
        logger: Logger,
        metrics: @escaping @Sendable () -> String = { "" }
    ) -> HTTPAPI {
        let writer = writer
        return HTTPAPI(
            engine: engine,
            hub: hub,
            configuration: configuration,
            directory: directory,
            token: token,
            metrics: metrics,
            logNextOffset: { writer.nextOffset },
            logger: logger
        )
    }

    /// Appends `events` as durable blocks and returns once the views have applied them (tools and tests).
    public func append(_ events: [Event]) async throws {
        let writer = writer
        let result: Result<Int64?, StorageError> = await withCheckedContinuation { continuation in
            writer.submit(SealedBlock.blocks(events), sync: true) { continuation.resume(returning: $0) }
        }
        _ = try result.get()
        engine.drain()
    }

    /// Applies everything committed (so the alerts the rules raise from it still reach the log), closes the log
    /// (draining those alerts), then lets the views take the last blocks and write the checkpoint.
    public func shutdown() {
        engine.drain()
        writer.shutdown()
        engine.shutdown()
    }
}
