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

    /// Encodes `events` as one block (tools and tests: a few events; `blocks(_:)` for any number).
    public static func seal(_ events: some Sequence<Event>) -> SealedBlock {
        var encoder = BlockEncoder()
        for event in events { encoder.append(event) }
        return seal(&encoder)
    }

    /// Encodes any number of `events` as blocks within the block limits, a new one started at `bytesTarget`
    /// uncompressed bytes or `Limits.blockEventCountMax` events, as ingest does (evqd's rule alerts: a tick may
    /// raise one per component). A single event cannot exceed a block: line and field limits keep it far smaller.
    public static func blocks(_ events: some Sequence<Event>, bytesTarget: Int = 1 << 20) -> [SealedBlock] {
        var blocks: [SealedBlock] = []
        var encoder = BlockEncoder()
        for event in events {
            encoder.append(event)
            if encoder.rawBytes >= min(bytesTarget, Limits.blockRawBytesMax / 2) || encoder.eventCount >= Limits.blockEventCountMax {
                blocks.append(seal(&encoder))  // leaves the encoder empty
            }
        }
        if !encoder.isEmpty { blocks.append(seal(&encoder)) }
        return blocks
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
