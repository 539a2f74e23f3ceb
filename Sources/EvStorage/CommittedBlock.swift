import EvCore

/// A block the log writer has written, with the offset of its first event.
public struct CommittedBlock: Sendable {
    public var block: SealedBlock
    public var firstOffset: Int64

    public init(block: SealedBlock, firstOffset: Int64) {
        self.block = block
        self.firstOffset = firstOffset
    }
}
