@testable import EvHTTP
import EvStorage
import HTTPTypes
import Synchronization
import Testing

/// Issue 15, item 18: `?at=` rebuilds were serialised behind one unbounded queue (10 concurrent ones took up to 7 s)
/// and event pages waited behind them.
@Suite("Rebuild gate")
struct RebuildGateTests {
    @Test("beyond the waiting bound a request is refused with 429 at once; the queued ones still run")
    func bounded() async throws {
        let gate = RebuildGate(name: "views rebuilds", waitingMax: 1)
        let release = Atomic<Bool>(false)
        let started = Atomic<Int>(0)
        async let first: Int = gate.run {
            started.add(1, ordering: .relaxed)
            while !release.load(ordering: .relaxed) { OSThread.sleep(milliseconds: 1) }
            return 1
        }
        while started.load(ordering: .relaxed) == 0 { try await Task.sleep(for: .milliseconds(1)) }
        async let second: Int = gate.run { 2 }
        while gate.load < 2 { try await Task.sleep(for: .milliseconds(1)) }
        let error = await #expect(throws: APIError.self) { try await gate.run { 3 } }
        #expect(error?.status == .tooManyRequests)
        #expect(error?.message.contains("too many views rebuilds") == true)
        #expect(gate.refused.load(ordering: .relaxed) == 1)
        release.store(true, ordering: .relaxed)
        #expect(try await first == 1)
        #expect(try await second == 2)
        #expect(try await gate.run { 4 } == 4)
        #expect(gate.load == 0)
    }

    @Test("event pages do not wait behind a rebuild")
    func pagesApart() async throws {
        let fixture = try APIFixture()
        try await fixture.append(lines: ["cpu v=1 1"])
        let release = Atomic<Bool>(false)
        async let blocked: Int = fixture.api.rebuilds.run {
            while !release.load(ordering: .relaxed) { OSThread.sleep(milliseconds: 1) }
            return 0
        }
        while fixture.api.rebuilds.load == 0 { try await Task.sleep(for: .milliseconds(1)) }
        let (status, body) = try await fixture.get("/api/v1/events?last=1")
        #expect(status == .ok && body.contains("\"offset\":0"), "\(body)")
        release.store(true, ordering: .relaxed)
        _ = try await blocked
    }
}
