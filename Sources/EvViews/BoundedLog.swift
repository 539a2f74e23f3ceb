/// The newest `capacity` items of an append-only history, oldest first; older ones are forgotten (counted).
public struct BoundedLog<Element: Sendable & Hashable>: Sendable, Hashable {
    public let capacity: Int
    var storage: [Element] = []
    var head = 0
    /// Items appended in total, forgotten ones included.
    public internal(set) var appended = 0

    public init(capacity: Int) {
        precondition(capacity > 0, "a bounded log holds at least one item")
        self.capacity = capacity
    }

    public mutating func append(_ element: Element) {
        appended += 1
        if storage.count < capacity {
            storage.append(element)
        } else {
            storage[head] = element
            head = (head + 1) % capacity
        }
    }

    /// The retained items, oldest first.
    public var elements: [Element] { Array(storage[head...] + storage[..<head]) }
    public var count: Int { storage.count }
    public var forgotten: Int { appended - storage.count }
}
