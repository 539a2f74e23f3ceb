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

    /// Equal when the capacity, the count appended and the retained items (oldest first) are: where the ring
    /// starts in storage is not part of the value (a checkpoint restores the items unrotated).
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.capacity == rhs.capacity && lhs.appended == rhs.appended && lhs.elements == rhs.elements
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(capacity)
        hasher.combine(appended)
        hasher.combine(elements)
    }

    /// The retained items, oldest first.
    public var elements: [Element] { Array(storage[head...] + storage[..<head]) }
    public var count: Int { storage.count }
    public var forgotten: Int { appended - storage.count }
}
