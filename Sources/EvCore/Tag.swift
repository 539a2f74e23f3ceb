/// One `key=value` pair of a line's tag set, unescaped.
public struct Tag: Sendable, Hashable {
    public var key: String
    public var value: String

    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}
