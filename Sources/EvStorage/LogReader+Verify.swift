#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvCore
import SystemPackage

extension LogReader {
    /// The result of checking every block of every segment.
    public struct VerifyReport: Sendable {
        public var segments = 0
        public var blocks = 0
        public var events = 0
        public var bytes = 0
        public var corruptions: [Corruption] = []
        /// An incomplete last block of the active segment: a write in progress, or a torn write that the next
        /// evqd start truncates. Not damage to acknowledged data.
        public var incompleteTail: (segment: String, position: Int, bytes: Int)?

        public var isClean: Bool { corruptions.isEmpty }
    }

    /// Reads every block of every segment file (ignoring index files), checking header and body checksums,
    /// decompression and decoding. Damage in a sealed segment's tail counts as corruption; in the active
    /// segment's tail it is reported as `incompleteTail`.
    public func verify() throws(StorageError) -> VerifyReport {
        var report = VerifyReport()
        let bases = try FileSystem.list(directory).compactMap(FileNames.baseOffset(ofSegment:)).sorted()
        var indexes: [SegmentIndex] = []  // of the blocks that check out, for the gaps between segments
        for (k, base) in bases.enumerated() {
            var valid = SegmentIndex(baseOffset: base)
            defer { indexes.append(valid) }
            let name = FileNames.segment(baseOffset: base)
            let path = directory + "/" + name
            let bytes = try FileSystem.readFile(path)
            report.segments += 1
            report.bytes += bytes.count
            if let damage = SegmentHeader.damage(in: bytes, segment: name) { report.corruptions.append(damage) }
            var scanner = BlockScanner(bytes: bytes, segmentName: name, baseOffset: base)
            while let item = scanner.next() {
                switch item {
                case .corrupt(let corruption):
                    report.corruptions.append(corruption)
                case .block(let index, let position, let header):
                    let damage = bytes.withUnsafeBytes { raw -> String? in
                        let stored = UnsafeRawBufferPointer(
                            rebasing: raw[(position + BlockHeader.size)..<(position + header.totalBytes)]
                        )
                        let body: [UInt8]
                        switch header.codec {
                        case .none: body = Array(stored)
                        case .lz4:
                            guard let raw = LZ4.decompress(stored, rawBytes: header.rawBytes) else {
                                return "block body does not decompress"
                            }
                            body = raw
                        }
                        do throws(BlockDecodeError) {
                            try BlockDecoder.forEach(body: body, header: header) { _ in }
                            return nil
                        } catch {
                            return error.description
                        }
                    }
                    if let damage {
                        report.corruptions.append(
                            Corruption(
                                segment: name,
                                position: position,
                                blockIndex: index,
                                reason: damage,
                                bytes: header.totalBytes
                            )
                        )
                    } else {
                        report.blocks += 1
                        report.events += header.eventCount
                        valid.entries.append(.init(position: position, header: header))
                    }
                }
            }
            if let tail = scanner.tail, tail.position >= SegmentHeader.size {
                if k == bases.count - 1 {
                    report.incompleteTail = (name, tail.position, tail.bytes)
                } else {
                    report.corruptions.append(
                        Corruption(
                            segment: name,
                            position: tail.position,
                            blockIndex: nil,
                            reason: tail.reason,
                            bytes: tail.bytes
                        )
                    )
                }
            }
        }
        report.corruptions += SegmentContinuity.damage(indexes)
        return report
    }
}
