import EvCore

/// A finished block, compressed and checksummed, waiting for the log to give it offsets.
///
/// Connections seal their own blocks (so compression runs on all cores); the log writer only patches
/// `firstOffset` and the header CRC, then writes.
public struct SealedBlock: Sendable {
    public var header: BlockHeader
    public var body: [UInt8]

    public init(header: BlockHeader, body: [UInt8]) {
        self.header = header
        self.body = body
    }

    /// Takes the encoder's events as a block: LZ4 when that is smaller, raw otherwise.
    public static func seal(_ encoder: inout BlockEncoder) -> SealedBlock {
        let count = encoder.eventCount
        let minTime = encoder.minTime
        let maxTime = encoder.maxTime
        let raw = encoder.finish()
        let compressed = LZ4.compress(raw)
        let body = compressed ?? raw
        let header = BlockHeader(
            codec: compressed == nil ? .none : .lz4,
            firstOffset: 0,
            eventCount: count,
            rawBytes: raw.count,
            storedBytes: body.count,
            bodyCRC: CRC32C.checksum(body),
            minTime: minTime,
            maxTime: maxTime
        )
        return SealedBlock(header: header, body: body)
    }

    /// Encodes `events` as one block (tools and tests).
    public static func seal(_ events: some Sequence<Event>) -> SealedBlock {
        var encoder = BlockEncoder()
        for event in events { encoder.append(event) }
        return seal(&encoder)
    }

    /// Header (with `firstOffset`) and body, as they go on disk.
    public func bytes(firstOffset: Int64) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(BlockHeader.size + body.count)
        var header = self.header
        header.firstOffset = firstOffset
        header.encode(to: &out)
        out.append(contentsOf: body)
        return out
    }
}
