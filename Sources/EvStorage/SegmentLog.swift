import EvCore
import Logging

/// The writable segment log of one data directory: recovery on open, appends, fsync, rolling, retention.
///
/// Not thread-safe: owned by one `LogWriter` (the single writer). Holds the directory lock while open.
public final class SegmentLog {
    public let directory: String
    public let options: LogOptions
    public let recovery: RecoveryReport
    public private(set) var nextOffset: Int64
    /// Indexes of the sealed segments, oldest first.
    public private(set) var sealed: [SegmentIndex]
    /// Index of the active segment (kept in memory; rebuilt by recovery after a crash).
    public private(set) var active: SegmentIndex

    private let lock: DirectoryLock
    private var activeFile: any LogFile
    /// When the active segment started (wall clock, ns): the receive time of its first event, so a restart does not
    /// reset the age roll; now for an empty segment.
    private var activeStartedAt: Int64
    private let logger: Logger

    /// Opens (creating if needed) the log in `directory`, taking its lock and recovering the active segment.
    public init(directory: String, options: LogOptions = LogOptions(), logger: Logger) throws(StorageError) {
        self.directory = directory
        self.options = options
        self.logger = logger
        try FileSystem.createDirectory(directory)
        lock = try DirectoryLock(directory: directory)
        var report = RecoveryReport()

        var bases = try Self.segmentBases(in: directory)
        if bases.isEmpty {
            try Self.createSegment(directory: directory, baseOffset: 0, opener: options.fileOpener).close()
            bases = [0]
        }
        // A roll that did not finish (the disk filled, or evqd died, between creating the next segment and writing
        // its header) leaves a last segment shorter than a header. It holds no event: it is removed, and the segment
        // before it is active again. Opening then writes nothing, so evqd also starts on a full disk.
        if bases.count > 1, let last = bases.last {
            let name = FileNames.segment(baseOffset: last)
            let size = FileSystem.fileSize(directory + "/" + name) ?? 0
            if size < SegmentHeader.size {
                try FileSystem.remove(directory + "/" + name)
                try FileSystem.syncDirectory(directory)
                bases.removeLast()
                report.truncatedBytes += size
                report.truncatedAt = (name, 0)
                logger.warning("removed a segment left by an unfinished roll", metadata: ["segment": "\(name)", "bytes": "\(size)"])
            }
        }
        var sealed: [SegmentIndex] = []
        for base in bases.dropLast() {
            let (index, rebuilt, damage) = try Self.loadIndex(directory: directory, baseOffset: base)
            if rebuilt {
                report.rebuiltIndexes += 1
                // Derived data: when it cannot be written back (a full disk), the next open rebuilds it again.
                if damage.isEmpty {
                    do {
                        try FileSystem.writeAtomically(
                            index.encode(),
                            to: directory + "/" + FileNames.index(baseOffset: base),
                            directory: directory,
                            opener: options.fileOpener
                        )
                    } catch {
                        logger.warning(
                            "a rebuilt segment index could not be written; it is rebuilt again at the next open",
                            metadata: ["segment": "\(FileNames.segment(baseOffset: base))", "error": "\(error)"]
                        )
                    }
                }
            }
            report.corruptions += damage
            sealed.append(index)
        }
        let activeBase = bases.last!
        let activePath = directory + "/" + FileNames.segment(baseOffset: activeBase)
        let file = try options.fileOpener.open(path: activePath, create: false)
        let bytes = try file.read(at: 0, count: file.size)
        var active = SegmentIndex(baseOffset: activeBase)
        if bytes.count < SegmentHeader.size {
            // A segment created but never fully written: give it its header again.
            report.truncatedBytes += bytes.count
            report.truncatedAt = (FileNames.segment(baseOffset: activeBase), 0)
            try file.truncate(to: 0)
            try file.append(SegmentHeader(baseOffset: activeBase).encode())
            try file.sync()
        } else {
            if let version = SegmentHeader.unsupportedVersion(in: bytes) {
                file.close()
                throw StorageError(
                    .invalidArgument,
                    "segment \(FileNames.segment(baseOffset: activeBase)) is of format version \(version); this evqd "
                        + "reads version \(SegmentHeader.version): use a newer evqd",
                    path: directory
                )
            }
            if let damage = SegmentHeader.damage(in: bytes, segment: FileNames.segment(baseOffset: activeBase)) {
                report.corruptions.append(damage)
            }
            var scanner = BlockScanner(
                bytes: bytes,
                segmentName: FileNames.segment(baseOffset: activeBase),
                baseOffset: activeBase
            )
            while let item = scanner.next() {
                switch item {
                case .block(_, let position, let header): active.entries.append(.init(position: position, header: header))
                case .corrupt(let corruption): report.corruptions.append(corruption)
                }
            }
            if let version = scanner.tailVersion, let tail = scanner.tail {
                file.close()
                throw StorageError(
                    .invalidArgument,
                    "segment \(FileNames.segment(baseOffset: activeBase)) holds a block of format version \(version) at byte "
                        + "\(tail.position); this evqd reads version \(BlockHeader.version): use a newer evqd (nothing was truncated)",
                    path: directory
                )
            }
            if let tail = scanner.tail {
                report.truncatedBytes += tail.bytes
                report.truncatedAt = (FileNames.segment(baseOffset: activeBase), tail.position)
                try file.truncate(to: tail.position)
                try file.sync()
            }
        }
        active.segmentBytes = file.size
        report.corruptions += SegmentContinuity.damage(sealed + [active])
        self.sealed = sealed
        self.active = active
        self.activeFile = file
        self.activeStartedAt = active.entries.first.flatMap { Self.firstReceiveTime(in: bytes, at: $0.position) }
            ?? WallClock.nowNanoseconds()
        self.nextOffset = max(active.nextOffset, sealed.last?.nextOffset ?? 0)
        report.segmentCount = bases.count
        report.nextOffset = nextOffset
        self.recovery = report
        if report.truncatedBytes > 0 {
            logger.warning(
                "recovery truncated a torn tail",
                metadata: [
                    "segment": "\(report.truncatedAt!.segment)", "segment.position": "\(report.truncatedAt!.position)",
                    "bytes": "\(report.truncatedBytes)",
                ]
            )
        }
        for corruption in report.corruptions {
            logger.error("damaged block kept and skipped by readers", metadata: ["corruption": "\(corruption)"])
        }
        logger.info("log opened", metadata: ["recovery": "\(report)"])
    }

    /// Appends sealed blocks with consecutive offsets, in one write. Not durable until `sync()`.
    ///
    /// - Returns: the offsets given to the blocks' events.
    /// - Throws: `StorageError`; the file is then cut back to its size before the call, so nothing of a failed
    ///   append is left behind (or, if even that fails, recovery will cut it on the next open).
    @discardableResult
    public func append(_ blocks: [SealedBlock]) throws(StorageError) -> Range<Int64> {
        let first = nextOffset
        var offset = first
        var buffer: [UInt8] = []
        buffer.reserveCapacity(blocks.reduce(0) { $0 + BlockHeader.size + $1.body.count })
        var entries: [SegmentIndex.Entry] = []
        let startSize = activeFile.size
        for block in blocks {
            var header = block.header
            header.firstOffset = offset
            entries.append(.init(position: startSize + buffer.count, header: header))
            header.encode(to: &buffer)
            buffer.append(contentsOf: block.body)
            offset += Int64(header.eventCount)
        }
        do {
            try activeFile.append(buffer)
        } catch {
            if activeFile.size != startSize { try? activeFile.truncate(to: startSize) }
            throw error
        }
        active.entries += entries
        active.segmentBytes = activeFile.size
        nextOffset = offset
        return first..<offset
    }

    /// fsync the active segment.
    public func sync() throws(StorageError) {
        try activeFile.sync()
    }

    /// Seals the active segment when it is over its size or age; returns whether it did.
    @discardableResult
    public func rollIfNeeded() throws(StorageError) -> Bool {
        guard !active.entries.isEmpty else { return false }
        let tooBig = activeFile.size >= options.segmentBytesMax
        let tooOld =
            options.segmentAgeMax.map { age in
                WallClock.nowNanoseconds() - activeStartedAt
                    >= age.components.seconds * 1_000_000_000 + age.components.attoseconds / 1_000_000_000
            } ?? false
        guard tooBig || tooOld else { return false }
        try roll()
        return true
    }

    /// Seals the active segment (fsync, index file) and starts a new one at `nextOffset`.
    public func roll() throws(StorageError) {
        try activeFile.sync()
        active.segmentBytes = activeFile.size
        try FileSystem.writeAtomically(
            active.encode(),
            to: directory + "/" + FileNames.index(baseOffset: active.baseOffset),
            directory: directory,
            opener: options.fileOpener
        )
        let file = try Self.createSegment(directory: directory, baseOffset: nextOffset, opener: options.fileOpener)
        activeFile.close()
        sealed.append(active)
        activeFile = file
        active = SegmentIndex(baseOffset: nextOffset, segmentBytes: file.size)
        activeStartedAt = WallClock.nowNanoseconds()
        logger.info("segment rolled", metadata: ["segment.base_offset": "\(nextOffset)"])
    }

    /// Deletes whole sealed segments, oldest first, while the oldest was last written longer ago than the retention
    /// age, or while the log is over the retention size. Age is by the segment file's modification time (when
    /// evq wrote it), not by event time, so a backfill of old events is kept for the retention age after it
    /// arrived. Returns the base offsets removed.
    @discardableResult
    public func applyRetention(nowNanoseconds: Int64) throws(StorageError) -> [Int64] {
        var removed: [Int64] = []
        var total = sealed.reduce(0) { $0 + $1.segmentBytes } + activeFile.size
        while let oldest = sealed.first {
            var expired = false
            if let age = options.retentionAge,
                let written = FileSystem.modificationTime(directory + "/" + FileNames.segment(baseOffset: oldest.baseOffset))
            {
                let (seconds, attoseconds) = age.components
                let ageNanos = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
                expired = written < nowNanoseconds - ageNanos
            }
            let oversize = options.retentionBytes.map { total > $0 } ?? false
            guard expired || oversize else { break }
            try FileSystem.remove(directory + "/" + FileNames.segment(baseOffset: oldest.baseOffset))
            try FileSystem.remove(directory + "/" + FileNames.index(baseOffset: oldest.baseOffset))
            total -= oldest.segmentBytes
            removed.append(oldest.baseOffset)
            sealed.removeFirst()
        }
        if !removed.isEmpty {
            try FileSystem.syncDirectory(directory)
            logger.info("retention removed segments", metadata: ["segments": "\(removed)"])
        }
        return removed
    }

    /// Total bytes of all segment files.
    public var totalBytes: Int { sealed.reduce(0) { $0 + $1.segmentBytes } + activeFile.size }

    /// fsync and close. The lock is released when the log is deallocated.
    public func close() throws(StorageError) {
        try activeFile.sync()
        activeFile.close()
    }

    // MARK: - Helpers

    /// The receive time of the first event of the block at `position` of a segment held in `bytes`.
    static func firstReceiveTime(in bytes: [UInt8], at position: Int) -> Int64? {
        guard let header = try? BlockHeader.decode(Array(bytes[position..<min(bytes.count, position + BlockHeader.size)])),
            position + header.totalBytes <= bytes.count
        else { return nil }
        let stored = Array(bytes[(position + BlockHeader.size)..<(position + header.totalBytes)])
        let decompressed: [UInt8]? =
            header.codec == .lz4 ? stored.withUnsafeBytes { LZ4.decompress($0, rawBytes: header.rawBytes) } : stored
        guard let body = decompressed else { return nil }
        var first: Int64?
        try? BlockDecoder.forEach(body: body, header: header) { if first == nil { first = $0.receiveTime } }
        return first
    }

    static func createSegment(
        directory: String,
        baseOffset: Int64,
        opener: any LogFileOpener
    ) throws(StorageError) -> any LogFile {
        let path = directory + "/" + FileNames.segment(baseOffset: baseOffset)
        let file = try opener.open(path: path, create: true)
        do throws(StorageError) {
            if file.size > 0 { try file.truncate(to: 0) }
            try file.append(SegmentHeader(baseOffset: baseOffset).encode())
            try file.sync()
            try FileSystem.syncDirectory(directory)
        } catch {
            // A segment that never got its header is not left behind (it would become the active segment, out of
            // step with the offsets written after it). If even this fails, the next open removes it.
            file.close()
            try? FileSystem.remove(path)
            throw error
        }
        return file
    }

    /// The index of a sealed segment: its index file when valid and current, else rebuilt by a scan. Also returns
    /// whether it was rebuilt and the damage a scan found. Never writes.
    /// The base offsets of the segments in `directory`, in order. A FIFO, link, device or directory named like a
    /// segment is refused before anything reads it (a read would wait forever on a FIFO) or removes it as an
    /// unfinished roll.
    public static func segmentBases(in directory: String) throws(StorageError) -> [Int64] {
        let bases = try FileSystem.list(directory).compactMap(FileNames.baseOffset(ofSegment:)).sorted()
        for base in bases where !FileSystem.isRegularFile(directory + "/" + FileNames.segment(baseOffset: base)) {
            throw StorageError(
                .corrupt,
                "\(FileNames.segment(baseOffset: base)) is named like a segment but is not a regular file: refused (move it away)",
                path: directory + "/" + FileNames.segment(baseOffset: base)
            )
        }
        return bases
    }

    public static func loadIndex(
        directory: String,
        baseOffset: Int64
    ) throws(StorageError) -> (SegmentIndex, rebuilt: Bool, damage: [Corruption]) {
        let segmentPath = directory + "/" + FileNames.segment(baseOffset: baseOffset)
        let indexPath = directory + "/" + FileNames.index(baseOffset: baseOffset)
        let size = FileSystem.fileSize(segmentPath) ?? 0
        if FileSystem.exists(indexPath), let bytes = try? FileSystem.readFile(indexPath),
            let index = SegmentIndex.decode(bytes, baseOffset: baseOffset), index.segmentBytes == size
        {
            return (index, false, [])
        }
        let (index, damage) = try scan(directory: directory, baseOffset: baseOffset)
        return (index, true, damage)
    }

    /// Builds a segment's index by reading every block; damaged blocks are left out and reported.
    public static func scan(
        directory: String,
        baseOffset: Int64
    ) throws(StorageError) -> (SegmentIndex, [Corruption]) {
        let name = FileNames.segment(baseOffset: baseOffset)
        let bytes = try FileSystem.readFile(directory + "/" + name)
        var damage: [Corruption] = []
        if let header = SegmentHeader.damage(in: bytes, segment: name) { damage.append(header) }
        var index = SegmentIndex(baseOffset: baseOffset, segmentBytes: bytes.count)
        var scanner = BlockScanner(bytes: bytes, segmentName: name, baseOffset: baseOffset)
        while let item = scanner.next() {
            switch item {
            case .block(_, let position, let header): index.entries.append(.init(position: position, header: header))
            case .corrupt(let corruption): damage.append(corruption)
            }
        }
        if let tail = scanner.tail, tail.position >= SegmentHeader.size {
            damage.append(
                Corruption(
                    segment: name,
                    position: tail.position,
                    blockIndex: index.entries.count + damage.count,
                    reason: tail.reason,
                    bytes: tail.bytes
                )
            )
        }
        return (index, damage)
    }
}
