#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvCore
import SystemPackage

/// Read-only access to a data directory, live or copied: no lock, no writes, damaged blocks skipped and reported.
///
/// Sealed segments are read through their index files (rebuilt in memory when missing or stale); the active
/// segment is scanned, and `refresh()` picks up what a running evqd appended since (for `tail -f`). An incomplete
/// block at the end of the active segment is a write in progress, not damage.
///
/// Not thread-safe.
public final class LogReader {
    /// What a read skipped.
    public struct Report: Sendable {
        public var corruptions: [Corruption] = []
        public var blocks = 0
        public var events = 0
    }

    public let directory: String
    /// Shared shape instances across all blocks this reader decodes.
    private let interner = ShapeInterner()
    /// Indexes of every segment, oldest first; the last one is the active segment.
    public private(set) var segments: [SegmentIndex] = []
    /// Damage found while indexing (scans of the active segment and of sealed segments without a valid index).
    public private(set) var indexDamage: [Corruption] = []
    /// The incomplete or damaged end of the active segment, if any: (position, bytes).
    public private(set) var activeTail: (position: Int, bytes: Int, reason: String)?

    public init(directory: String) throws(StorageError) {
        guard FileSystem.isDirectory(directory) else {
            throw StorageError(.invalidArgument, "not a data directory", path: directory)
        }
        self.directory = directory
        try refresh()
    }

    public var firstOffset: Int64 { segments.first?.entries.first?.firstOffset ?? segments.first?.baseOffset ?? 0 }
    public var nextOffset: Int64 { segments.last?.nextOffset ?? 0 }
    public var totalBytes: Int { segments.reduce(0) { $0 + $1.segmentBytes } }

    /// Re-reads the directory: new segments, rolled segments, and blocks appended to the active segment.
    public func refresh() throws(StorageError) {
        let bases = try SegmentLog.segmentBases(in: directory)
        var updated: [SegmentIndex] = []
        var damage: [Corruption] = []
        for (k, base) in bases.enumerated() {
            let isActive = k == bases.count - 1
            if !isActive {
                if let known = segments.first(where: { $0.baseOffset == base }),
                    known.segmentBytes == FileSystem.fileSize(segmentPath(base))
                {
                    updated.append(known)
                    continue
                }
                let (index, _, found) = try SegmentLog.loadIndex(directory: directory, baseOffset: base)
                damage += found
                updated.append(index)
            } else {
                updated.append(try scanActive(base: base, known: segments.last, damage: &damage))
            }
        }
        segments = updated
        indexDamage = damage + SegmentContinuity.damage(updated)
    }

    private func scanActive(
        base: Int64,
        known: SegmentIndex?,
        damage: inout [Corruption]
    ) throws(StorageError) -> SegmentIndex {
        let name = FileNames.segment(baseOffset: base)
        let path = segmentPath(base)
        var index = SegmentIndex(baseOffset: base)
        var start = SegmentHeader.size
        if let known, known.baseOffset == base, let last = known.entries.last {
            // Continue after the last block already indexed.
            index = known
            let header = try readHeader(path: path, position: last.position)
            start = last.position + (header?.totalBytes ?? 0)
        }
        let size = FileSystem.fileSize(path) ?? 0
        activeTail = nil
        guard size > start else {
            index.segmentBytes = size
            return index
        }
        let bytes = try readRange(path: path, position: start, count: size - start)
        var scanner = BlockScanner(
            bytes: bytes,
            segmentName: name,
            baseOffset: index.nextOffset,
            start: 0,
            origin: start,
            blockIndex: index.entries.count
        )
        while let item = scanner.next() {
            switch item {
            case .block(_, let position, let header): index.entries.append(.init(position: position, header: header))
            case .corrupt(let corruption): damage.append(corruption)
            }
        }
        activeTail = scanner.tail
        index.segmentBytes = scanner.tail.map(\.position) ?? size
        return index
    }

    /// Visits events in offset order, skipping (and reporting) damaged blocks.
    ///
    /// - Parameters:
    ///   - from: first offset wanted; `to`: offset to stop before.
    ///   - minTime / maxTime: keep only events whose time is in range (blocks outside it are not read).
    ///   - visit: return `false` to stop.
    @discardableResult
    public func forEach(
        from: Int64 = 0,
        to: Int64? = nil,
        minTime: Int64? = nil,
        maxTime: Int64? = nil,
        _ visit: (Event) -> Bool
    ) throws(StorageError) -> Report {
        var report = Report()
        // Blocks found damaged while indexing are not in the index: report them as skipped.
        report.corruptions = indexDamage
        var next = from
        for segment in segments {
            if let to, segment.baseOffset >= to { break }
            if segment.nextOffset <= from { continue }
            let path = segmentPath(segment.baseOffset)
            let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW)  // never waits on a FIFO, never follows a link
            if fd < 0 {
                if errno == ENOENT { continue }  // removed by retention meanwhile
                throw StorageError.system("open", path: path, Errno(rawValue: errno))
            }
            defer { _ = close(fd) }
            for (blockIndex, entry) in segment.entries.enumerated() {
                if entry.nextOffset <= from { continue }
                if let to, entry.firstOffset >= to { return report }
                if let minTime, entry.maxTime < minTime { continue }
                if let maxTime, entry.minTime > maxTime { continue }
                var stop = false
                switch readBlock(fd: fd, path: path, entry: entry) {
                case .failure(let reason):
                    report.corruptions.append(
                        Corruption(
                            segment: FileNames.segment(baseOffset: segment.baseOffset),
                            position: entry.position,
                            blockIndex: blockIndex,
                            reason: reason.description,
                            bytes: 0
                        )
                    )
                case .success(let (header, body)):
                    report.blocks += 1
                    do throws(BlockDecodeError) {
                        try BlockDecoder.forEach(body: body, header: header, interner: interner) { event in
                                // `next`: offsets only go up, so an overlapping copy of a segment is not read twice.
                                guard !stop, event.offset >= from, event.offset >= next else { return }
                                next = event.offset + 1
                                if let to, event.offset >= to {
                                    stop = true
                                    return
                                }
                                if let minTime, event.time < minTime { return }
                                if let maxTime, event.time > maxTime { return }
                                report.events += 1
                                if !visit(event) { stop = true }
                        }
                    } catch {
                        report.corruptions.append(
                            Corruption(
                                segment: FileNames.segment(baseOffset: segment.baseOffset),
                                position: entry.position,
                                blockIndex: blockIndex,
                                reason: error.description,
                                bytes: header.totalBytes
                            )
                        )
                    }
                }
                if stop { return report }
            }
        }
        return report
    }

    /// The header of the block that holds `offset`, as stored (`nil` when no indexed block holds it or its header is
    /// damaged). Binds a views checkpoint to its log: the checkpoint keeps the body CRC of its last block.
    public func blockHeader(containing offset: Int64) throws(StorageError) -> BlockHeader? {
        guard let segment = segments.last(where: { $0.baseOffset <= offset }),
            let entry = segment.entries.first(where: { $0.firstOffset <= offset && offset < $0.nextOffset })
        else { return nil }
        return try readHeader(path: segmentPath(segment.baseOffset), position: entry.position)
    }

    /// Reads, checks and decompresses one block; the reason if it is damaged.
    func readBlock(
        fd: Int32,
        path: String,
        entry: SegmentIndex.Entry
    ) -> Result<(BlockHeader, [UInt8]), Corruption.Reason> {
        let headerBytes: [UInt8]
        do {
            headerBytes = try PosixLogFile.read(fd: fd, path: path, at: entry.position, count: BlockHeader.size)
        } catch {
            return .failure(Corruption.Reason("unreadable block header: \(error)"))
        }
        let header: BlockHeader
        do throws(BlockHeader.DecodeError) {
            header = try BlockHeader.decode(headerBytes)
        } catch {
            return .failure(Corruption.Reason(error.description))
        }
        guard header.firstOffset == entry.firstOffset, header.eventCount == entry.eventCount else {
            return .failure("block header disagrees with the index")
        }
        guard
            let stored = try? PosixLogFile.read(
                fd: fd,
                path: path,
                at: entry.position + BlockHeader.size,
                count: header.storedBytes
            ), stored.count == header.storedBytes
        else { return .failure("truncated block body") }
        guard CRC32C.checksum(stored) == header.bodyCRC else { return .failure("block body checksum mismatch") }
        switch header.codec {
        case .none:
            return .success((header, stored))
        case .lz4:
            let raw = stored.withUnsafeBytes { LZ4.decompress($0, rawBytes: header.rawBytes) }
            guard let raw else { return .failure("block body does not decompress") }
            return .success((header, raw))
        }
    }

    private func segmentPath(_ base: Int64) -> String {
        directory + "/" + FileNames.segment(baseOffset: base)
    }

    private func readHeader(path: String, position: Int) throws(StorageError) -> BlockHeader? {
        let bytes = try readRange(path: path, position: position, count: BlockHeader.size)
        return try? BlockHeader.decode(bytes)
    }

    private func readRange(path: String, position: Int, count: Int) throws(StorageError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW)  // never waits on a FIFO, never follows a link
        guard fd >= 0 else { throw StorageError.system("open", path: path, Errno(rawValue: errno)) }
        defer { _ = close(fd) }
        return try PosixLogFile.read(fd: fd, path: path, at: position, count: count)
    }
}
