import EvCore
import Synchronization

/// Fans the events evqd applies out to live-stream subscribers (`GET /api/v1/stream`, `spec/http-api.md`, "Live
/// stream").
///
/// `publish` runs on the views' applier thread and never waits: each subscriber has a bounded queue, and one that
/// falls `capacity` events behind is dropped (its stream ends with a `dropped` message and `droppedSubscribers`
/// counts it), so a slow consumer can neither grow memory nor slow ingest down.
public final class EventHub: Sendable {
    /// Events a subscriber may have waiting before it is dropped.
    public let capacity: Int
    private let subscribers = Mutex<[Int: Subscription]>([:])
    private let nextID = Atomic<Int>(0)
    private let count = Atomic<Int>(0)
    /// Subscribers dropped for falling behind.
    public let droppedSubscribers = Atomic<Int>(0)
    /// Subscriptions made.
    public let subscriptionsTotal = Atomic<Int>(0)

    public init(capacity: Int = 65_536) {
        precondition(capacity > 0, "a subscriber can hold at least one event")
        self.capacity = capacity
    }

    /// Subscribers now.
    public var subscriberCount: Int { count.load(ordering: .relaxed) }

    /// A new subscription to the events published from now on that `filter` accepts.
    public func subscribe(filter: EventFilter) -> Subscription {
        let id = nextID.add(1, ordering: .relaxed).newValue
        let subscription = Subscription(id: id, filter: filter, capacity: capacity, hub: self)
        subscribers.withLock { $0[id] = subscription }
        count.add(1, ordering: .relaxed)
        subscriptionsTotal.add(1, ordering: .relaxed)
        return subscription
    }

    func remove(_ id: Int) {
        if subscribers.withLock({ $0.removeValue(forKey: id) }) != nil { count.subtract(1, ordering: .relaxed) }
    }

    /// Offers `events` (in offset order) to every subscriber.
    public func publish(_ events: some Collection<Event>) {
        guard count.load(ordering: .relaxed) > 0, !events.isEmpty else { return }
        let current = subscribers.withLock { Array($0.values) }
        for subscription in current where !subscription.offer(events) {
            droppedSubscribers.add(1, ordering: .relaxed)
            remove(subscription.id)
        }
    }

    /// Ends every subscription (evqd is stopping).
    public func closeAll() {
        let all = subscribers.withLock { s in
            defer { s.removeAll() }
            return Array(s.values)
        }
        count.store(0, ordering: .relaxed)
        for subscription in all { subscription.close(.shutdown) }
    }
}
