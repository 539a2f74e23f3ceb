import EvStorage
import HTTPTypes
import Synchronization

/// Runs the API's log reads (views rebuilt as of a time, event pages) on a thread of their own, one at a time: they
/// can take a second on a big log, and must neither hold up Swift's few cooperative threads nor run side by side,
/// each holding a full copy of the views. At most `waitingMax` wait behind the one running; more are refused with
/// 429 at once (issue 15, item 18: ten concurrent `?at=` rebuilds made every request behind them wait seconds).
/// Rebuilds and event pages have a gate each, so a page never waits behind a rebuild.
final class RebuildGate: Sendable {
    private struct State {
        var busy = false
        var waiting: [CheckedContinuation<Bool, Never>] = []
    }

    private let state = Mutex(State())
    let waitingMax: Int
    /// What a refused request is told is busy (`views rebuilds`, `event pages`).
    let name: String
    /// Requests refused because the queue was full.
    let refused = Atomic<Int>(0)

    init(name: String, waitingMax: Int) {
        self.name = name
        self.waitingMax = waitingMax
    }

    func run<R: Sendable>(_ body: @escaping @Sendable () throws -> R) async throws -> R {
        try await acquire()
        defer { release() }
        let result: Result<R, any Error> = await withCheckedContinuation { continuation in
            OSThread.start {
                continuation.resume(returning: Result { try body() })
            }
        }
        return try result.get()
    }

    /// Requests running or waiting.
    var load: Int { state.withLock { ($0.busy ? 1 : 0) + $0.waiting.count } }

    private func acquire() async throws(APIError) {
        // Admitted at once, queued, or refused: decided under one lock.
        let admitted = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let decision = state.withLock { s -> Bool? in
                if !s.busy {
                    s.busy = true
                    return true
                }
                if s.waiting.count >= waitingMax { return false }
                s.waiting.append(continuation)
                return nil
            }
            if let decision { continuation.resume(returning: decision) }
        }
        guard admitted else {
            refused.add(1, ordering: .relaxed)
            throw APIError(.tooManyRequests, "too many \(name) in progress (\(waitingMax + 1)); retry shortly")
        }
    }

    private func release() {
        let next = state.withLock { s -> CheckedContinuation<Bool, Never>? in
            if s.waiting.isEmpty {
                s.busy = false
                return nil
            }
            return s.waiting.removeFirst()
        }
        next?.resume(returning: true)
    }
}
