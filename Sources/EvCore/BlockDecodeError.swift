/// A block body that does not decode although its checksum matched.
public struct BlockDecodeError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = "block body: " + description
    }
}
