import EvCore
import Synchronization

/// One live-stream subscriber's bounded queue of events (see `EventHub`).
public final class Subscription: Sendable {
    /// Why a subscription ended.
    public enum End: Error, Sendable, Hashable {
        /// It fell `capacity` events behind.
        case dropped
        /// evqd is stopping.
        case shutdown
        /// The consumer cancelled.
        case cancelled
    }

    struct State {
        var queue: [Event] = []
        var waiter: CheckedContinuation<Void, Never>?
        /// A wake-up that came while no one waited: the next wait returns at once.
        var pendingWake = false
        var end: End?
    }

    let id: Int
    let filter: EventFilter
    let capacity: Int
    private weak let hub: EventHub?
    private let state = Mutex(State())

    init(id: Int, filter: EventFilter, capacity: Int, hub: EventHub) {
        self.id = id
        self.filter = filter
        self.capacity = capacity
        self.hub = hub
    }

    /// Queues the events the filter accepts; `false` when that would pass `capacity` (the subscription is then ended
    /// as dropped) or it has ended.
    func offer(_ events: some Collection<Event>) -> Bool {
        let accepted = events.filter(filter.accepts)
        if accepted.isEmpty { return true }
        let (ok, waiter) = state.withLock { s -> (Bool, CheckedContinuation<Void, Never>?) in
            guard s.end == nil else { return (false, nil) }
            if s.queue.count + accepted.count > capacity {
                s.end = .dropped
            } else {
                s.queue.append(contentsOf: accepted)
            }
            defer { s.waiter = nil }
            return (s.end == nil, s.waiter)
        }
        waiter?.resume()
        return ok
    }

    func close(_ end: End) {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.end == nil { s.end = end }
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume()
    }

    /// The events queued since the last call, waiting up to `timeout` for some; `[]` after a timeout; the end once the
    /// queue is empty and the subscription has ended.
    public func next(timeout: Duration) async -> Result<[Event], End> {
        state.withLock { $0.pendingWake = false }
        if let ready = take() { return ready }
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await withCheckedContinuation { continuation in
                        let resumeNow = self.state.withLock { s -> Bool in
                            if !s.queue.isEmpty || s.end != nil || s.pendingWake { return true }
                            s.waiter?.resume()
                            s.waiter = continuation
                            return false
                        }
                        if resumeNow { continuation.resume() }
                    }
                }
                group.addTask {
                    try? await Task.sleep(for: timeout)
                    self.wake()
                }
                await group.next()
                group.cancelAll()
                self.wake()
                await group.waitForAll()
            }
        } onCancel: {
            self.close(.cancelled)
        }
        return take() ?? .success([])
    }

    private func wake() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            defer { s.waiter = nil }
            if s.waiter == nil { s.pendingWake = true }
            return s.waiter
        }
        waiter?.resume()
    }

    private func take() -> Result<[Event], End>? {
        state.withLock { s in
            if !s.queue.isEmpty {
                var batch: [Event] = []
                swap(&batch, &s.queue)
                return .success(batch)
            }
            if let end = s.end { return .failure(end) }
            return nil
        }
    }

    /// Leaves the hub (the consumer is gone).
    public func cancel() {
        close(.cancelled)
        hub?.remove(id)
    }
}
