import EvConfig
import EvCore
import EvDaemon
import EvHTTP
import EvStorage
import EvTestSupport
import HTTPTypes
import Hummingbird
import NIOCore
import HummingbirdTesting
import Logging

/// evqd's pipeline (log, writer, live views, hub) over a temporary data directory and its HTTP API, driven in process
/// through Hummingbird's router test framework: no socket, no process, no sleep.
final class APIFixture: Sendable {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    let directory: TemporaryDirectory
    let pipeline: DaemonPipeline
    let api: HTTPAPI

    init(configuration: Configuration = Configuration(), token: String? = nil) throws {
        directory = TemporaryDirectory("evq-http")
        pipeline = try DaemonPipeline(directory: directory.path, configuration: configuration, logger: Self.logger)
        api = pipeline.makeAPI(token: token, logger: Self.logger)
    }

    deinit { pipeline.shutdown() }

    /// Parses `lines` (line protocol, timestamps in ns, received at `receiveTime`) and appends them.
    func append(lines: [String], receiveTime: Int64 = WallClock.nowNanoseconds()) async throws {
        var events: [Event] = []
        var parser = LineProtocolParser()
        for line in lines {
            let outcome = try Array(line.utf8).withUnsafeBytes { raw throws(LineProtocolError) in
                try parser.parse(raw, receiveTime: receiveTime)
            }
            if case .event = outcome { events.append(parser.makeEvent(offset: 0, receiveTime: receiveTime)) }
        }
        try await pipeline.append(events)
    }

    /// Runs `body` with a client of the router.
    func withClient<R: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> R) async throws -> R {
        let app = Application(router: api.makeRouter())
        return try await app.test(.router, body)
    }

    /// Whether `condition` becomes true within `seconds` (checked every 10 ms): for what crosses the log and comes
    /// back (rule alerts appended by the engine).
    func eventually(seconds: Double = 10, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try await condition()
    }

    /// One GET: the status and the body as text.
    func get(_ uri: String, headers: HTTPFields = [:]) async throws -> (status: HTTPResponse.Status, body: String) {
        try await withClient { client in
            try await client.execute(uri: uri, method: .get, headers: headers) { response in
                (response.status, String(buffer: response.body))
            }
        }
    }
}
