import EvEngine
import EvHTTP
import EvIngest
import EvStorage
import EvViews
import Metrics
import Prometheus
import Synchronization

/// evqd's own metrics in Prometheus' text format (`GET /metrics`, `spec/http-api.md`, "Metrics").
///
/// The hot paths count with plain atomics (`IngestStats`, `LogWriterStats`, the hub's); a scrape brings the
/// Prometheus counters up to them. Per-fsync durations go through swift-metrics (`Timer` in `LogWriter`) into the
/// same registry, which `bootstrap` installs as the process's metrics backend.
/// `@unchecked Sendable`: `collector` and `http` are set once while evqd starts, before any scrape can read them.
final class DaemonMetrics: @unchecked Sendable {
    let registry: PrometheusCollectorRegistry
    private let ingest: IngestStats
    private let writer: LogWriterStats
    private let engine: ViewEngine
    private let hub: EventHub
    private let logNextOffset: @Sendable () -> Int64
    private let checkpointPath: String
    /// The host collector, when it runs.
    var collector: HostCollector?
    /// The HTTP server's connections and their limit.
    var http: HTTPConnectionStats?
    var httpConnectionsMax = 0
    private let startTime = WallClock.nowNanoseconds()
    /// Serializes scrapes: the counters are advanced by the difference since the last one.
    private let mirror = Mutex<[String: Int]>([:])

    init(
        registry: PrometheusCollectorRegistry,
        ingest: IngestStats,
        writer: LogWriterStats,
        engine: ViewEngine,
        hub: EventHub,
        logNextOffset: @escaping @Sendable () -> Int64,
        checkpointPath: String
    ) {
        self.registry = registry
        self.ingest = ingest
        self.writer = writer
        self.engine = engine
        self.hub = hub
        self.logNextOffset = logNextOffset
        self.checkpointPath = checkpointPath
    }

    /// Makes `registry` the backend of swift-metrics: once per process, before anything creates a metric.
    static func bootstrap(_ registry: PrometheusCollectorRegistry) {
        let factory = DescribedMetricsFactory(
            base: PrometheusMetricsFactory(registry: registry),
            help: ["evq_fsync_seconds": "Duration of each fsync of the log."],
            buckets: [
                "evq_fsync_seconds": [
                    .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
                    .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                    .milliseconds(100), .milliseconds(250), .seconds(1),
                ]
            ]
        )
        MetricsSystem.bootstrap(factory)
    }

    /// The exposition text, with every counter and gauge brought up to date.
    func render(now: Int64) -> String {
        mirror.withLock { last in
            func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
                MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
            }
            func count(_ name: String, _ help: String, labels: [(String, String)] = [], _ value: Int) {
                let key = name + labels.map { "|\($0.0)=\($0.1)" }.joined()
                let delta = value - last[key, default: 0]
                if delta > 0 || last[key] == nil {
                    registry.makeCounter(descriptor: descriptor(name, help), labels: labels).increment(by: Int64(max(0, delta)))
                }
                last[key] = value
            }
            func gauge(_ name: String, _ help: String, _ value: Double) {
                registry.makeGauge(descriptor: descriptor(name, help)).set(value)
            }

            count("evq_events_total", "Lines stored (accepted by ingest).", ingest.events.load(ordering: .relaxed))
            count("evq_ingest_bytes_total", "Bytes read from ingest connections.", ingest.bytesRead.load(ordering: .relaxed))
            count("evq_lines_rejected_total", "Lines rejected with an err reply.", ingest.rejectedLines.load(ordering: .relaxed))
            for (reason, n) in ingest.rejectedByReason.withLock({ $0 }) {
                count("evq_lines_rejected_by_reason_total", "Lines rejected, by reason.", labels: [("reason", reason)], n)
            }
            count("evq_lines_unstored_total", "Lines that parsed but could not be stored.", ingest.unstoredLines.load(ordering: .relaxed))
            count("evq_replies_dropped_total", "Replies dropped because the client did not read them.", ingest.repliesDropped.load(ordering: .relaxed))
            count("evq_connections_total", "Ingest connections accepted.", ingest.connectionsTotal.load(ordering: .relaxed))
            count("evq_connections_refused_total", "Ingest connections refused (over the limit).", ingest.connectionsRefused.load(ordering: .relaxed))
            gauge("evq_ingest_unauthenticated_connections", "Ingest connections waiting to send the token.", Double(ingest.unauthenticated.load(ordering: .relaxed)))
            count("evq_ingest_auth_timeouts_total", "Ingest connections closed for not sending the token in time.", ingest.authTimeouts.load(ordering: .relaxed))
            gauge("evq_connections", "Ingest connections open.", Double(ingest.connections.load(ordering: .relaxed)))
            if let http {
                gauge("evq_http_connections", "HTTP connections open.", Double(http.open.load(ordering: .relaxed)))
                gauge("evq_http_connections_max", "Most HTTP connections open at once (--max-http-connections).", Double(httpConnectionsMax))
                count("evq_http_connections_total", "HTTP connections accepted.", http.total.load(ordering: .relaxed))
            }
            count("evq_log_events_total", "Events written to the log (ingest and rule alerts).", writer.events.load(ordering: .relaxed))
            count("evq_log_blocks_total", "Blocks written to the log.", writer.blocks.load(ordering: .relaxed))
            count("evq_log_bytes_total", "Bytes written to the log.", writer.bytes.load(ordering: .relaxed))
            count("evq_log_commits_total", "Group commits.", writer.commits.load(ordering: .relaxed))
            count("evq_log_commits_failed_total", "Group commits that failed.", writer.failedCommits.load(ordering: .relaxed))
            count("evq_fsyncs_total", "fsyncs of the log.", writer.fsyncs.load(ordering: .relaxed))
            let logEnd = logNextOffset()
            gauge("evq_log_next_offset", "Offset after the last event written.", Double(logEnd))
            gauge("evq_views_next_offset", "Offset after the last event the views applied.", Double(engine.nextOffset))
            gauge("evq_views_lag_events", "Events written but not applied to the views yet.", Double(max(0, logEnd - engine.nextOffset)))
            // Without a checkpoint yet, the views have gone unsaved since evqd started.
            let written = FileSystem.modificationTime(checkpointPath) ?? startTime
            gauge(
                "evq_checkpoint_age_seconds",
                "Seconds since the views checkpoint was written (since evqd started, when it has written none).",
                Double(max(0, now - max(written, 0))) / 1e9
            )
            let (series, seriesMax, dropped, future) = engine.read { views in
                (views.timelines.seriesCount, views.timelines.seriesMax, views.timelines.droppedSeriesSamples, views.futureEvents)
            }
            count(
                "evq_views_future_events_total",
                "Events dated beyond max_future_skew of their receive time, taken by the views at that limit.",
                future
            )
            gauge("evq_timeline_series", "Series that have a timeline.", Double(series))
            gauge("evq_timeline_series_max", "Most series kept (timelines.series_max).", Double(seriesMax))
            count("evq_timeline_dropped_samples_total", "Samples of series over the limit, not kept in timelines.", dropped)
            gauge("evq_stream_subscribers", "Live-stream subscribers.", Double(hub.subscriberCount))
            count("evq_stream_subscribers_dropped_total", "Live-stream subscribers dropped for falling behind.", hub.droppedSubscribers.load(ordering: .relaxed))
            if let collector {
                count("evq_collector_samples_total", "Host collector samples taken.", collector.samples.load(ordering: .relaxed))
                count("evq_collector_events_total", "Events the host collector wrote.", collector.events.load(ordering: .relaxed))
                gauge(
                    "evq_collector_cpu_seconds",
                    "CPU time the host collector's samples took, in total.",
                    Double(collector.cpuNanoseconds.load(ordering: .relaxed)) / 1e9
                )
            }
            count("evq_stream_subscriptions_total", "Live-stream subscriptions made.", hub.subscriptionsTotal.load(ordering: .relaxed))
        }
        return registry.emitToString()
    }
}
