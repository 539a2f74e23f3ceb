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

/// The `LogReader` of the event pages, kept between requests: `refresh()` scans only what the log appended since the
/// previous page, where a new reader reads and checks the whole active segment (up to `--segment-mib`, 64 MiB) for
/// every page, however few events it returns.
///
/// `@unchecked Sendable`: used only inside `RebuildGate.run`, which runs one body at a time; the gate's lock orders
/// one body's accesses before the next one's.
final class CachedLogReader: @unchecked Sendable {
    private let directory: String
    private var reader: LogReader?

    init(directory: String) {
        self.directory = directory
    }

    /// The reader, brought up to the log's end. After an error the next call starts a new one.
    func current() throws(StorageError) -> LogReader {
        if let reader {
            do {
                try reader.refresh()
                return reader
            } catch {
                self.reader = nil
                throw error
            }
        }
        let fresh = try LogReader(directory: directory)
        reader = fresh
        return fresh
    }
}
