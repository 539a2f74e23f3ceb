import EvStorage
import Synchronization

/// Runs the API's log reads (views rebuilt as of a time, event pages) on a thread of their own, one at a time: they
/// can take a second on a big log, and must neither hold up Swift's few cooperative threads nor run side by side,
/// each holding a full copy of the views.
final class RebuildGate: Sendable {
    private struct State {
        var busy = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    func run<R: Sendable>(_ body: @escaping @Sendable () throws -> R) async throws -> R {
        await acquire()
        defer { release() }
        let result: Result<R, any Error> = await withCheckedContinuation { continuation in
            OSThread.start {
                continuation.resume(returning: Result { try body() })
            }
        }
        return try result.get()
    }

    private func acquire() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { s -> Bool in
                if !s.busy {
                    s.busy = true
                    return true
                }
                s.waiting.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiting.isEmpty {
                s.busy = false
                return nil
            }
            return s.waiting.removeFirst()
        }
        next?.resume()
    }
}
