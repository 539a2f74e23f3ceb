import EvCore

/// Walks the blocks of a segment held in memory, checking every header and body checksum.
///
/// A damaged block is reported as `.corrupt` and the scan resumes at the next block that is wholly valid
/// (found by its magic, header CRC and body CRC); damage with nothing valid after it ends the scan and is left
/// in `tail` (a torn write at the end of the active segment, or lost data at the end of a sealed one).
public struct BlockScanner {
    public enum Item {
        case block(index: Int, position: Int, header: BlockHeader)
        case corrupt(Corruption)
    }

    public let bytes: [UInt8]
    public let segmentName: String
    public private(set) var position: Int
    /// The damaged end of the file, if the scan stopped on one: (position, bytes).
    public private(set) var tail: (position: Int, bytes: Int, reason: String)?
    private var blockIndex = 0
    private var minimumOffset: Int64

    /// Byte position in the file of `bytes[0]` (non-zero when scanning a file from the middle).
    public let origin: Int

    public init(
        bytes: [UInt8],
        segmentName: String,
        baseOffset: Int64,
        start: Int = SegmentHeader.size,
        origin: Int = 0,
        blockIndex: Int = 0
    ) {
        self.bytes = bytes
        self.segmentName = segmentName
        self.position = start
        self.minimumOffset = baseOffset
        self.origin = origin
        self.blockIndex = blockIndex
    }

    public mutating func next() -> Item? {
        guard position < bytes.count else { return nil }
        switch validBlock(at: position) {
        case .success(let header):
            defer {
                position += header.totalBytes
                blockIndex += 1
                minimumOffset = header.nextOffset
            }
            return .block(index: blockIndex, position: origin + position, header: header)
        case .failure(let reason):
            let start = position
            if let resume = findValidBlock(after: start) {
                position = resume
                let corruption = Corruption(
                    segment: segmentName,
                    position: origin + start,
                    blockIndex: blockIndex,
                    reason: reason.description,
                    bytes: resume - start
                )
                blockIndex += 1
                return .corrupt(corruption)
            }
            tail = (origin + start, bytes.count - start, reason.description)
            tailVersion = unsupportedVersion(at: start)
            position = bytes.count
            return nil
        }
    }

    /// Set when the damaged tail starts with a block whose header is intact but of a format version this code does
    /// not read: written by a newer evq, not torn. Recovery must then refuse to open, not truncate.
    public private(set) var tailVersion: UInt8?

    private func unsupportedVersion(at p: Int) -> UInt8? {
        bytes.withUnsafeBytes { raw -> UInt8? in
            guard raw.count - p >= BlockHeader.size else { return nil }
            do throws(BlockHeader.DecodeError) {
                _ = try BlockHeader.decode(UnsafeRawBufferPointer(rebasing: raw[p..<p + BlockHeader.size]))
                return nil
            } catch {
                if case .unsupportedVersion(let v) = error { return v }
                return nil
            }
        }
    }

    private func validBlock(at p: Int) -> Result<BlockHeader, Corruption.Reason> {
        bytes.withUnsafeBytes { raw in
            guard raw.count - p >= BlockHeader.size else { return .failure("truncated block header") }
            let header: BlockHeader
            do throws(BlockHeader.DecodeError) {
                header = try BlockHeader.decode(UnsafeRawBufferPointer(rebasing: raw[p..<p + BlockHeader.size]))
            } catch {
                return .failure(Corruption.Reason(error.description))
            }
            let bodyStart = p + BlockHeader.size
            guard raw.count - bodyStart >= header.storedBytes else { return .failure("truncated block body") }
            let body = UnsafeRawBufferPointer(rebasing: raw[bodyStart..<bodyStart + header.storedBytes])
            guard CRC32C.checksum(body) == header.bodyCRC else { return .failure("block body checksum mismatch") }
            guard header.firstOffset >= minimumOffset else {
                return .failure(
                    Corruption.Reason("block offset \(header.firstOffset) goes backwards (expected ≥ \(minimumOffset))")
                )
            }
            return .success(header)
        }
    }

    private func findValidBlock(after start: Int) -> Int? {
        let magic = BlockHeader.magic
        return bytes.withUnsafeBytes { raw -> Int? in
            var p = start + 1
            while raw.count - p >= BlockHeader.size {
                if raw.loadUnaligned(fromByteOffset: p, as: UInt32.self).littleEndian == magic,
                    case .success = validBlock(at: p)
                {
                    return p
                }
                p += 1
            }
            return nil
        }
    }
}
