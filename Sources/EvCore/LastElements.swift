/// The last `capacity` elements appended, oldest first: a ring that keeps a bounded tail of a long sequence
/// (`evq tail -n N`, `GET /api/v1/events?last=N`).
public struct LastElements<Element> {
    public let capacity: Int
    private var ring: [Element] = []
    private var head = 0

    public init(capacity: Int) {
        precondition(capacity >= 0, "a capacity is not negative")
        self.capacity = capacity
        ring.reserveCapacity(capacity)
    }

    public mutating func append(_ element: Element) {
        guard capacity > 0 else { return }
        if ring.count < capacity {
            ring.append(element)
        } else {
            ring[head] = element
            head = (head + 1) % capacity
        }
    }

    /// The elements kept, oldest first.
    public var elements: [Element] { Array(ring[head...] + ring[..<head]) }
}

extension LastElements: Sendable where Element: Sendable {}
