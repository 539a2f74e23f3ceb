/// One `key=value` pair of a line's field set, unescaped and typed.
public struct Field: Sendable, Hashable {
    public var key: String
    public var value: FieldValue

    public init(_ key: String, _ value: FieldValue) {
        self.key = key
        self.value = value
    }
}
