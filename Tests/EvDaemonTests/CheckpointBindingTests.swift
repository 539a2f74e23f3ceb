import EvConfig
import EvCore
import EvDaemon
import EvEngine
import EvStorage
import EvTestSupport
import EvViews
import Logging
import Testing

/// Issue 15, item 16: a checkpoint copied from another data directory was loaded silently (its components appeared
/// in this one). A checkpoint names the last block it covers (first offset and body CRC); another log's is not used.
@Suite("Checkpoints bound to their log")
struct CheckpointBindingTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A data directory holding `components` heartbeats (one block), shut down cleanly (so with a checkpoint).
    static func directory(_ components: [String]) async throws -> TemporaryDirectory {
        let dir = TemporaryDirectory("evq-bind")
        var configuration = Configuration()
        configuration.rules = []  // no rule may append alerts to one log and not the other, however slow the machine
        let pipeline = try DaemonPipeline(directory: dir.path, configuration: configuration, logger: logger)
        try await pipeline.append(
            components.map { Event(time: WallClock.nowNanoseconds(), measurement: "heartbeat", tags: [Tag("component", $0)], fields: [Field("seq", .int(1))]) }
        )
        pipeline.shutdown()
        #expect(FileSystemProbe.exists(dir.file(CheckpointFile.name)))
        return dir
    }

    @Test("another directory's checkpoint is ignored, with the reason; the directory's own is used")
    func copiedCheckpoint() async throws {
        let a = try await Self.directory(["a1", "a2", "a3"])
        let b = try await Self.directory(["b1", "b2", "b3"])
        let own = try ViewEngine(directory: b.path, rules: [], logger: Self.logger)
        #expect(own.startReport.checkpointOffset == 3)
        own.shutdown()

        try FileSystemProbe.write(b.file(CheckpointFile.name), try FileSystem.readFile(a.file(CheckpointFile.name)))
        let engine = try ViewEngine(directory: b.path, rules: [], logger: Self.logger)
        #expect(engine.startReport.checkpointOffset == nil)
        #expect(engine.startReport.checkpointProblem?.contains("not of this log") == true, "\(String(describing: engine.startReport.checkpointProblem))")
        #expect(engine.read { views in views.health.components.keys.map(\.component).sorted() } == ["b1", "b2", "b3"])
        engine.shutdown()

        // Replays (`evq replay --at`, `?at=`) do not take it either.
        try FileSystemProbe.write(b.file(CheckpointFile.name), try FileSystem.readFile(a.file(CheckpointFile.name)))
        let (views, _) = try ViewBuilder.build(try LogReader(directory: b.path), at: nil, fresh: .init())
        #expect(views.health.components.keys.map(\.component).sorted() == ["b1", "b2", "b3"])
    }
}
