import EvConfig
import EvCore
import EvEngine
import EvRender
import EvStorage
import EvViews
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// evqd's HTTP read API, live stream, `/metrics`, `/healthz` and status page (`spec/http-api.md`), on Hummingbird.
///
/// Live answers read the engine's views under its lock (a few microseconds); answers `?at=T` rebuild the views from
/// the log on a thread of their own, one at a time.
public struct HTTPAPI: Sendable {
    public let engine: ViewEngine
    public let hub: EventHub
    public let configuration: Configuration
    /// The data directory, read for events, history and `?at=T`.
    public let directory: String
    /// When set, every request but `/healthz` and `/` needs it (`AuthMiddleware`).
    public let token: String?
    /// `/metrics`' text.
    public let metrics: @Sendable () -> String
    /// The log's end (for `/healthz`' lag).
    public let logNextOffset: @Sendable () -> Int64
    public let logger: Logger
    /// Most events one `/api/v1/events` request scans (it returns `next_offset` to go on from).
    public var scanMax = 1_000_000
    /// How often an idle live stream sends a keep-alive comment.
    public var keepAliveInterval: Duration = .seconds(15)
    /// Most open connections: at the limit the server accepts no more until one closes (`evqd --max-http-connections`).
    public var connectionsMax = 512
    /// A connection with no request in progress — idle after an answer, or still sending its request head — is
    /// closed after this long (`evqd --http-idle-timeout`). Live streams are requests in progress.
    public var idleTimeout: Duration = .seconds(15)
    public let connectionStats = HTTPConnectionStats()
    /// `?at=T` rebuilds: one at a time, 4 waiting, more refused with 429.
    let rebuilds = RebuildGate(name: "views rebuilds", waitingMax: 4)
    /// Event pages, on a gate of their own so a page never waits behind a rebuild.
    let pages = RebuildGate(name: "event page reads", waitingMax: 32)
    let eventsReader: CachedLogReader

    public init(
        engine: ViewEngine,
        hub: EventHub,
        configuration: Configuration,
        directory: String,
        token: String?,
        metrics: @escaping @Sendable () -> String,
        logNextOffset: @escaping @Sendable () -> Int64,
        logger: Logger
    ) {
        self.engine = engine
        self.hub = hub
        self.configuration = configuration
        self.directory = directory
        self.eventsReader = CachedLogReader(directory: directory)
        self.token = token
        self.metrics = metrics
        self.logNextOffset = logNextOffset
        self.logger = logger
    }

    /// The Hummingbird application serving the API on `host:port`, a `Service` for the daemon's service group.
    public func application(
        host: String,
        port: Int,
        onListening: @escaping @Sendable (SocketAddress) -> Void
    ) -> some ApplicationProtocol & Service {
        let router = makeRouter()
        return Application(
            router: router,
            // Hummingbird's idle timer counts from the connection's start or its last answer and is not reset by the
            // bytes of an unfinished request head, so it also closes slowloris connections.
            server: .http1(
                configuration: .init(additionalChannelHandlers: [RequestBodyCloser()], idleTimeout: TimeAmount(idleTimeout))
            ),
            configuration: .init(
                address: .hostname(host, port: port),
                serverName: "evqd",
                availableConnectionsDelegate: HTTPConnectionLimit(stats: connectionStats, max: connectionsMax)
            ),
            onServerRunning: { channel in
                // One accept per wakeup, so the limit is exact (by default up to 4 are taken before it is asked).
                try? await channel.setOption(ChannelOptions.maxMessagesPerRead, value: 1).get()
                if let address = channel.localAddress { onListening(address) }
            },
            logger: logger
        )
    }

    /// Every route, with error and auth middleware: what `application` serves, and what the in-process tests drive
    /// (Hummingbird's `app.test(.router)`).
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ErrorMiddleware(logger: logger))
        router.add(middleware: AuthMiddleware(token: token))
        router.get("/") { _, _ in StatusPage.response() }
        router.get("/healthz") { _, _ in self.healthz() }
        router.get("/metrics") { _, _ in
            Self.body(self.metrics(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.get("/api/v1/health") { request, _ in try await self.health(request) }
        router.get("/api/v1/slots") { request, _ in try await self.slots(request) }
        router.get("/api/v1/alerts") { request, _ in try await self.alerts(request) }
        router.get("/api/v1/timeline") { request, _ in try await self.timeline(request) }
        router.get("/api/v1/series") { request, _ in try self.series(request) }
        router.get("/api/v1/state") { request, _ in try await self.state(request) }
        router.get("/api/v1/events") { request, _ in try await self.events(request) }
        router.get("/api/v1/stream") { request, _ in try self.stream(request) }
        return router
    }

    // MARK: - Endpoints

    func healthz() -> Response {
        let logEnd = logNextOffset()
        let viewsEnd = engine.nextOffset
        var out: [UInt8] = []
        out.append(contentsOf: "{\"status\":\"ok\",\"log_next_offset\":\(logEnd),\"views_next_offset\":\(viewsEnd)".utf8)
        out.append(contentsOf: ",\"views_lag_events\":\(max(0, logEnd - viewsEnd))}\n".utf8)
        return Self.body(out, contentType: "application/json")
    }

    /// The views to answer from: the live ones (`body` runs under the engine's lock), or, with `?at=T`, the views
    /// rebuilt from the log as of T.
    func withViews<R: Sendable>(at: Int64?, _ body: @escaping @Sendable (borrowing Views) -> R) async throws -> R {
        guard let at else { return engine.read(body) }
        let directory = directory
        let fresh = configuration.makeViews()
        let logger = logger
        return try await rebuilds.run {
            let reader = try LogReader(directory: directory)
            let (views, report) = try ViewBuilder.build(reader, at: at, fresh: fresh)
            if !report.corruptions.isEmpty {
                logger.warning("damaged blocks skipped while rebuilding views", metadata: ["report": "\(report)"])
            }
            return body(views)
        }
    }

    func health(_ request: Request) async throws -> Response {
        let q = QueryParameters(request: request, now: WallClock.nowNanoseconds())
        let at = try q.time("at")
        let renderer = try q.renderer()
        let thresholds = configuration.freshness
        let reference = at ?? q.now
        return try await respond(renderer) {
            try await withViews(at: at) { views in
                var out: [UInt8] = []
                renderer.health(views.health.report(at: reference, thresholds: thresholds), to: &out)
                return out
            }
        }
    }

    func slots(_ request: Request) async throws -> Response {
        let q = QueryParameters(request: request, now: WallClock.nowNanoseconds())
        let at = try q.time("at")
        let renderer = try q.renderer()
        return try await respond(renderer) {
            try await withViews(at: at) { views in
                var out: [UInt8] = []
                renderer.slots(views.slots, to: &out)
                return out
            }
        }
    }

    func alerts(_ request: Request) async throws -> Response {
        let q = QueryParameters(request: request, now: WallClock.nowNanoseconds())
        let at = try q.time("at")
        let since = try q.time("since")
        let active = try q.flag("active")
        let renderer = try q.renderer()
        return try await respond(renderer) {
            try await withViews(at: at) { views in
                var out: [UInt8] = []
                renderer.alerts(views.alerts.alerts(since: since, activeOnly: active), history: views.alerts, to: &out)
                return out
            }
        }
    }

    func timeline(_ request: Request) async throws -> Response {
        let q = QueryParameters(request: request, now: WallClock.nowNanoseconds())
        let pattern = try q.required("series")
        let at = try q.time("at")
        let points = try q.integer("points", default: 720, range: 1...1_000_000)
        let step = try q.seconds("step")
        let renderer = try q.renderer()
        let aggName = q.string("agg") ?? "avg"
        guard let aggregation = Timelines.Aggregation(rawValue: aggName) else {
            throw APIError.badParameter("agg", "'\(aggName)' is not one of avg, min, max, last")
        }
        let end = at ?? q.now
        let result: Result<[UInt8], APIError> = try await withViews(at: at) { views in
            let matches = views.timelines.resolve(pattern)
            guard matches.count == 1 else {
                if matches.isEmpty { return .failure(APIError(.notFound, "no series matches '\(pattern)' (see /api/v1/series)")) }
                let some = matches.prefix(3).map { "'\(views.timelines.series[$0])'" }.joined(separator: ", ")
                return .failure(
                    .badParameter("series", "'\(pattern)' matches \(matches.count) series (\(some)…); name one")
                )
            }
            do throws(Timelines.QueryError) {
                let timeline = try views.timelines.query(
                    series: matches[0], end: end, points: points, stepSeconds: step, aggregation: aggregation
                )
                var out: [UInt8] = []
                renderer.timeline(timeline, to: &out)
                return .success(out)
            } catch {
                switch error {
                case .invalidPoints: return .failure(.badParameter("points", error.description))
                case .invalidStep: return .failure(.badParameter("step", error.description))
                case .noSuchSeries: return .failure(APIError(.notFound, error.description))
                }
            }
        }
        return Self.body(try result.get(), renderer: renderer)
    }

    func series(_ request: Request) throws -> Response {
        let q = QueryParameters(request: request, now: 0)
        let glob = q.string("match").map(Glob.init)
        let renderer = try q.renderer()
        var out: [UInt8] = []
        if let pattern = q.string("resolve") {
            // The series a timeline pattern names (exact name, glob, or measurement.field), as `timeline` resolves it.
            let names = engine.read { views in views.timelines.resolve(pattern).map { views.timelines.series[$0] } }
            renderer.series(names, to: &out)
            return Self.body(out, renderer: renderer)
        }
        let names = engine.read { views in views.timelines.series }
        renderer.series(names.filter { glob?.matches($0.description) ?? true }.sorted(), to: &out)
        return Self.body(out, renderer: renderer)
    }

    func state(_ request: Request) async throws -> Response {
        let q = QueryParameters(request: request, now: WallClock.nowNanoseconds())
        let at = try q.time("at") ?? q.now
        let renderer = try q.renderer()
        let thresholds = configuration.freshness
        return try await respond(renderer) {
            try await withViews(at: at) { views in
                var out: [UInt8] = []
                renderer.state(views, at: at, thresholds: thresholds, to: &out)
                return out
            }
        }
    }

    /// Events by offset (`from_offset`) or time (`from`/`to`), filtered, at most `limit`, in log order; or the `last`
    /// N that match. `format`: `json` (an object with the page), `jsonl` (one event object per line, as `evq tail
    /// --json`), `text` (as `evq tail`), `lp` (line protocol, as `evq export`).
    func events(_ request: Request) async throws -> Response {
        let q = QueryParameters(request: request, now: WallClock.nowNanoseconds())
        let fromOffset = try q.offset("from_offset") ?? 0
        let minTime = try q.time("from")
        let maxTime = try q.time("to")
        let limit = try q.integer("limit", default: 1000, range: 1...10_000)
        let last = q.string("last") == nil ? nil : try q.integer("last", default: 10, range: 0...10_000)
        let filter = try q.eventFilter()
        let format = q.string("format") ?? "json"
        guard ["json", "jsonl", "text", "lp"].contains(format) else {
            throw APIError.badParameter("format", "'\(format)' is not json, jsonl, text or lp")
        }
        let cached = eventsReader
        let scanMax = Int64(scanMax)
        let page = try await pages.run { () throws -> EventPage in
            let reader = try cached.current()
            var page = EventPage()
            page.logEnd = reader.nextOffset
            if let last {
                // The last N matching events: a ring over the whole range (only the tail when nothing filters).
                page.next = reader.nextOffset
                guard last > 0 else { return page }
                let unfiltered = filter.kinds.isEmpty && filter.component == nil && filter.match == nil
                let start = unfiltered && minTime == nil && maxTime == nil ? max(0, reader.nextOffset - Int64(last)) : 0
                var tail = LastElements<Event>(capacity: last)
                _ = try reader.forEach(from: start, to: reader.nextOffset, minTime: minTime, maxTime: maxTime) { event in
                    if filter.accepts(event) { tail.append(event) }
                    return true
                }
                page.events = tail.elements
                return page
            }
            let stop = min(reader.nextOffset, fromOffset.addingReportingOverflow(scanMax).overflow ? .max : fromOffset + scanMax)
            page.next = max(stop, fromOffset)
            _ = try reader.forEach(from: fromOffset, to: stop, minTime: minTime, maxTime: maxTime) { event in
                guard filter.accepts(event) else { return true }
                page.events.append(event)
                if page.events.count == limit {
                    page.next = event.offset + 1
                    return false
                }
                return true
            }
            return page
        }
        var out: [UInt8] = []
        let contentType: String
        switch format {
        case "json":
            contentType = "application/json"
            out.append(contentsOf: "{\"events\":[".utf8)
            for (k, event) in page.events.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                JSONWriter.event(event, to: &out)
            }
            out.append(contentsOf: "],\"next_offset\":".utf8)
            out.append(contentsOf: (page.next < page.logEnd ? "\(page.next)" : "null").utf8)
            out.append(contentsOf: ",\"log_next_offset\":\(page.logEnd)}\n".utf8)
        case "lp":
            contentType = "text/plain; charset=utf-8"
            for event in page.events { LineProtocolSerializer.append(event, to: &out) }
        default:
            let renderer = Renderer(json: format == "jsonl")
            contentType = renderer.json ? "application/x-ndjson" : "text/plain; charset=utf-8"
            for event in page.events { renderer.event(event, to: &out) }
        }
        var response = Self.body(out, contentType: contentType)
        response.headers[HTTPField.Name("Evq-Next-Offset")!] = "\(page.next)"
        response.headers[HTTPField.Name("Evq-Log-Next-Offset")!] = "\(page.logEnd)"
        return response
    }

    struct EventPage: Sendable {
        var events: [Event] = []
        var next: Int64 = 0
        var logEnd: Int64 = 0
    }

    // MARK: - Helpers

    func respond(_ renderer: Renderer, _ make: () async throws -> [UInt8]) async throws -> Response {
        Self.body(try await make(), renderer: renderer)
    }

    static func body(_ bytes: [UInt8], renderer: Renderer) -> Response {
        body(bytes, contentType: renderer.json ? "application/json" : "text/plain; charset=utf-8")
    }

    static func body(_ text: String, contentType: String) -> Response {
        body(Array(text.utf8), contentType: contentType)
    }

    static func body(_ bytes: [UInt8], contentType: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
