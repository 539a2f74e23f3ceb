import EvCore

/// The sparse index of one segment: one entry per block (`spec/segment-format.md`, "Index file").
///
/// Derived data: written when a segment is sealed, checked against the segment's size and its own CRC on open,
/// and rebuilt by scanning the segment whenever missing or stale (Kafka `OffsetIndex`).
///
/// ```
/// header  0 u32 magic "EVQI"  4 u16 version  6 u16 reserved  8 u64 baseOffset  16 u64 segmentBytes
///        24 u32 entryCount   28 u32 reserved
/// entry   0 u64 position  8 u64 firstOffset  16 u32 eventCount  20 u32 reserved  24 i64 minTime  32 i64 maxTime
/// trailer u32 CRC-32C of everything before it
/// ```
public struct SegmentIndex: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        /// Byte position of the block in the segment file.
        public var position: Int
        public var firstOffset: Int64
        public var eventCount: Int
        public var minTime: Int64
        public var maxTime: Int64

        public init(position: Int, firstOffset: Int64, eventCount: Int, minTime: Int64, maxTime: Int64) {
            self.position = position
            self.firstOffset = firstOffset
            self.eventCount = eventCount
            self.minTime = minTime
            self.maxTime = maxTime
        }

        public init(position: Int, header: BlockHeader) {
            self.init(
                position: position,
                firstOffset: header.firstOffset,
                eventCount: header.eventCount,
                minTime: header.minTime,
                maxTime: header.maxTime
            )
        }

        public var nextOffset: Int64 { firstOffset + Int64(eventCount) }
    }

    static let magic: UInt32 = 0x4951_5645  // "EVQI"
    static let version: UInt16 = 1
    static let headerSize = 32
    static let entrySize = 40

    public var baseOffset: Int64
    /// Size of the segment file the entries describe.
    public var segmentBytes: Int
    public var entries: [Entry]

    public init(baseOffset: Int64, segmentBytes: Int = SegmentHeader.size, entries: [Entry] = []) {
        self.baseOffset = baseOffset
        self.segmentBytes = segmentBytes
        self.entries = entries
    }

    public var nextOffset: Int64 { entries.last?.nextOffset ?? baseOffset }
    public var eventCount: Int { entries.reduce(0) { $0 + $1.eventCount } }
    public var minTime: Int64? { entries.map(\.minTime).min() }
    public var maxTime: Int64? { entries.map(\.maxTime).max() }

    public func encode() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.headerSize + entries.count * Self.entrySize + 4)
        ByteWriter.appendU32(Self.magic, to: &out)
        ByteWriter.appendU16(Self.version, to: &out)
        ByteWriter.appendU16(0, to: &out)
        ByteWriter.appendU64(UInt64(bitPattern: baseOffset), to: &out)
        ByteWriter.appendU64(UInt64(segmentBytes), to: &out)
        ByteWriter.appendU32(UInt32(entries.count), to: &out)
        ByteWriter.appendU32(0, to: &out)
        for e in entries {
            ByteWriter.appendU64(UInt64(e.position), to: &out)
            ByteWriter.appendU64(UInt64(bitPattern: e.firstOffset), to: &out)
            ByteWriter.appendU32(UInt32(e.eventCount), to: &out)
            ByteWriter.appendU32(0, to: &out)
            ByteWriter.appendU64(UInt64(bitPattern: e.minTime), to: &out)
            ByteWriter.appendU64(UInt64(bitPattern: e.maxTime), to: &out)
        }
        ByteWriter.appendU32(CRC32C.checksum(out), to: &out)
        return out
    }

    /// Decodes an index file; `nil` if it is damaged, of another version, or not for `baseOffset`.
    public static func decode(_ bytes: [UInt8], baseOffset: Int64) -> SegmentIndex? {
        guard bytes.count >= headerSize + 4 else { return nil }
        return bytes.withUnsafeBytes { raw -> SegmentIndex? in
            let crcPosition = raw.count - 4
            guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<crcPosition]))
                == raw.loadUnaligned(fromByteOffset: crcPosition, as: UInt32.self).littleEndian
            else { return nil }
            var r = ByteReader(UnsafeRawBufferPointer(rebasing: raw[0..<crcPosition]))
            guard r.readU32() == magic, r.readU16() == version, r.readU16() != nil,
                let base = r.readU64(), Int64(bitPattern: base) == baseOffset,
                let segmentBytes = r.readU64(), let count = r.readU32(), r.readU32() != nil,
                r.remaining == Int(count) * entrySize
            else { return nil }
            var entries: [Entry] = []
            entries.reserveCapacity(Int(count))
            for _ in 0..<count {
                let position = Int(r.readU64()!)
                let first = Int64(bitPattern: r.readU64()!)
                let n = Int(r.readU32()!)
                _ = r.readU32()
                let minTime = Int64(bitPattern: r.readU64()!)
                let maxTime = Int64(bitPattern: r.readU64()!)
                entries.append(
                    Entry(position: position, firstOffset: first, eventCount: n, minTime: minTime, maxTime: maxTime)
                )
            }
            return SegmentIndex(baseOffset: baseOffset, segmentBytes: Int(segmentBytes), entries: entries)
        }
    }
}
