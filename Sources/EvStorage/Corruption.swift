/// Damage found in a segment: which file, at which byte position, what was wrong, and how much was lost.
public struct Corruption: Error, Sendable, Hashable, CustomStringConvertible {
    public var segment: String
    /// Byte position of the damaged block (or of the damaged region) in the segment file.
    public var position: Int
    /// Index of the block in the segment (0-based) when known.
    public var blockIndex: Int?
    public var reason: String
    /// Bytes skipped (by readers) or truncated (by recovery) because of it.
    public var bytes: Int

    public init(segment: String, position: Int, blockIndex: Int?, reason: String, bytes: Int) {
        self.segment = segment
        self.position = position
        self.blockIndex = blockIndex
        self.reason = reason
        self.bytes = bytes
    }

    /// A short reason, used where no position is known yet.
    public struct Reason: Error, Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
        public init(stringLiteral value: String) { self.description = value }
    }

    public var description: String {
        let block = blockIndex.map { "block \($0) " } ?? ""
        return "\(segment): \(block)at byte \(position): \(reason) (\(bytes) bytes)"
    }
}
