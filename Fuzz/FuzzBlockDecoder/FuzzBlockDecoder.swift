import EvCore
import EvStorage
import FuzzSupport

/// libFuzzer target: a stored block (52-byte header + body, raw or LZ4) as the log reads it.
///
/// Each input is read twice:
/// 1. as is, by `BlockScanner` (header and body checks, resynchronisation on the next valid block) and, for each
///    block it accepts, by LZ4 decompression and `BlockDecoder`, as `evq verify` does;
/// 2. with its checksums and stored size fixed up (`Fuzz.fixingBlockChecksums`), so that mutations reach
///    `BlockHeader.decode`'s field checks, `LZ4.decompress` and `BlockDecoder` instead of stopping at a CRC.
///
/// Properties checked besides "does not trap": a header that decodes re-encodes to the same fields; a body that
/// decodes yields exactly `eventCount` events numbered from `firstOffset`, times within the header's range, and
/// those events encode into a block that decodes to them again (the decoder's output is always storable).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBlockDecoder(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: size))
    BlockDecoderTarget.scan(bytes)
    if let fixed = Fuzz.fixingBlockChecksums(bytes) { BlockDecoderTarget.block(fixed) }
    return 0
}

enum BlockDecoderTarget {
    static func scan(_ bytes: [UInt8]) {
        var scanner = BlockScanner(bytes: bytes, segmentName: "fuzz", baseOffset: 0, start: 0)
        var items = 0
        while let item = scanner.next() {
            items += 1
            Fuzz.check(items <= bytes.count, "the scanner does not advance")
            guard case .block(_, let position, let header) = item else { continue }
            Fuzz.check(position >= 0 && position + header.totalBytes <= bytes.count, "block outside the bytes")
            let stored = Array(bytes[(position + BlockHeader.size)..<(position + header.totalBytes)])
            body(stored, header: header)
        }
    }

    static func block(_ bytes: [UInt8]) {
        let header: BlockHeader
        do throws(BlockHeader.DecodeError) {
            header = try BlockHeader.decode(bytes)
        } catch {
            return
        }
        var again: [UInt8] = []
        header.encode(to: &again)
        // Reserved bytes 6..<8 are ignored by readers (spec/segment-format.md), so they and the header CRC may differ.
        Fuzz.check(
            again[0..<6] == bytes[0..<6] && again[8..<48] == bytes[8..<48] && (try? BlockHeader.decode(again)) == header,
            "header re-encodes differently"
        )
        body(Array(bytes[BlockHeader.size...]), header: header)
    }

    static func body(_ stored: [UInt8], header: BlockHeader) {
        let raw: [UInt8]
        switch header.codec {
        case .none: raw = stored
        case .lz4:
            guard let decompressed = stored.withUnsafeBytes({ LZ4.decompress($0, rawBytes: header.rawBytes) }) else {
                return
            }
            Fuzz.check(decompressed.count == header.rawBytes, "decompressed \(decompressed.count) of \(header.rawBytes)")
            raw = decompressed
        }
        var events: [Event] = []
        let interner = ShapeInterner()
        do throws(BlockDecodeError) {
            try BlockDecoder.forEach(body: raw, header: header, interner: interner) { events.append($0) }
        } catch {
            return
        }
        Fuzz.check(events.count == header.eventCount, "\(events.count) events in a block of \(header.eventCount)")
        for (k, event) in events.enumerated() {
            Fuzz.check(event.offset == header.firstOffset + Int64(k), "event \(k) numbered \(event.offset)")
            Fuzz.check(event.time >= header.minTime && event.time <= header.maxTime, "event \(k) outside the range")
        }
        // Without the interner, the same events.
        var plain: [Event] = []
        do throws(BlockDecodeError) {
            try BlockDecoder.forEach(body: raw, header: header) { plain.append($0) }
        } catch {
            Fuzz.fail("decodes with an interner but not without: \(error)")
        }
        Fuzz.check(zip(plain, events).allSatisfy { $0.isLosslessEqual(to: $1) }, "interner changes the events")

        // What decodes can be stored again.
        var encoder = BlockEncoder(rowCapacity: raw.count)
        for event in events { encoder.append(event) }
        let body = encoder.finish()
        var header2 = header
        header2.rawBytes = body.count
        header2.storedBytes = body.count
        header2.codec = .none
        var again: [Event] = []
        do throws(BlockDecodeError) {
            try BlockDecoder.forEach(body: body, header: header2) { again.append($0) }
        } catch {
            Fuzz.fail("decoded events re-encode into a block that does not decode: \(error)")
        }
        Fuzz.check(
            again.count == events.count && zip(again, events).allSatisfy { $0.isLosslessEqual(to: $1) },
            "decoded events re-encode into a block that decodes differently"
        )
    }
}
