/// The fixed 52-byte header in front of every block body (`spec/segment-format.md`, "Block"). Little-endian.
///
/// ```
///  0 u32 magic "EVQB"     4 u8 version   5 u8 codec   6 u16 reserved (0)
///  8 u64 firstOffset     16 u32 eventCount   20 u32 rawBytes   24 u32 storedBytes   28 u32 bodyCRC
/// 32 i64 minTime         40 i64 maxTime      48 u32 headerCRC (CRC-32C of bytes 0..<48)
/// ```
public struct BlockHeader: Sendable, Hashable {
    public static let size = 52
    /// "EVQB" as bytes on disk.
    public static let magic: UInt32 = 0x4251_5645
    public static let version: UInt8 = 1

    /// How the body is stored. Raw values are on disk: never reuse one.
    public enum Codec: UInt8, Sendable, Hashable {
        case none = 0
        case lz4 = 1
    }

    public var codec: Codec
    public var firstOffset: Int64
    public var eventCount: Int
    /// Length of the encoded body before compression.
    public var rawBytes: Int
    /// Length of the body as stored after the header.
    public var storedBytes: Int
    /// CRC-32C of the stored body.
    public var bodyCRC: UInt32
    public var minTime: Int64
    public var maxTime: Int64

    public init(
        codec: Codec,
        firstOffset: Int64,
        eventCount: Int,
        rawBytes: Int,
        storedBytes: Int,
        bodyCRC: UInt32,
        minTime: Int64,
        maxTime: Int64
    ) {
        self.codec = codec
        self.firstOffset = firstOffset
        self.eventCount = eventCount
        self.rawBytes = rawBytes
        self.storedBytes = storedBytes
        self.bodyCRC = bodyCRC
        self.minTime = minTime
        self.maxTime = maxTime
    }

    /// The offset after this block's last event.
    public var nextOffset: Int64 { firstOffset + Int64(eventCount) }
    /// Header plus body, in bytes.
    public var totalBytes: Int { Self.size + storedBytes }

    /// Appends the 52 header bytes, header CRC included.
    public func encode(to out: inout [UInt8]) {
        precondition(eventCount > 0 && eventCount <= Limits.blockEventCountMax, "block event count in bounds")
        precondition(rawBytes <= Limits.blockRawBytesMax && storedBytes <= UInt32.max, "block sizes in bounds")
        precondition(minTime <= maxTime, "block time range ordered")
        let start = out.count
        ByteWriter.appendU32(Self.magic, to: &out)
        out.append(Self.version)
        out.append(codec.rawValue)
        ByteWriter.appendU16(0, to: &out)
        ByteWriter.appendU64(UInt64(bitPattern: firstOffset), to: &out)
        ByteWriter.appendU32(UInt32(eventCount), to: &out)
        ByteWriter.appendU32(UInt32(rawBytes), to: &out)
        ByteWriter.appendU32(UInt32(storedBytes), to: &out)
        ByteWriter.appendU32(bodyCRC, to: &out)
        ByteWriter.appendU64(UInt64(bitPattern: minTime), to: &out)
        ByteWriter.appendU64(UInt64(bitPattern: maxTime), to: &out)
        let crc = out.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start..<start + 48])) }
        ByteWriter.appendU32(crc, to: &out)
    }

    /// Why 52 bytes are not a valid header.
    public enum DecodeError: Error, Sendable, Hashable, CustomStringConvertible {
        case short
        case badMagic
        case badHeaderCRC
        case unsupportedVersion(UInt8)
        case invalidField(String)

        public var description: String {
            switch self {
            case .short: "truncated block header"
            case .badMagic: "bad block magic"
            case .badHeaderCRC: "block header checksum mismatch"
            case .unsupportedVersion(let v): "unsupported block format version \(v)"
            case .invalidField(let what): "invalid block header: \(what)"
            }
        }
    }

    /// Decodes and checks a header: magic, header CRC, version, and the bounds of every field.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(DecodeError) -> BlockHeader {
        guard bytes.count >= size else { throw .short }
        func u32(_ at: Int) -> UInt32 { bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian }
        func u64(_ at: Int) -> UInt64 { bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self).littleEndian }
        guard u32(0) == magic else { throw .badMagic }
        guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<48])) == u32(48) else { throw .badHeaderCRC }
        guard bytes[4] == version else { throw .unsupportedVersion(bytes[4]) }
        guard let codec = Codec(rawValue: bytes[5]) else { throw .invalidField("codec \(bytes[5])") }
        let header = BlockHeader(
            codec: codec,
            firstOffset: Int64(bitPattern: u64(8)),
            eventCount: Int(u32(16)),
            rawBytes: Int(u32(20)),
            storedBytes: Int(u32(24)),
            bodyCRC: u32(28),
            minTime: Int64(bitPattern: u64(32)),
            maxTime: Int64(bitPattern: u64(40))
        )
        guard header.firstOffset >= 0 else { throw .invalidField("negative first offset") }
        guard header.eventCount > 0 && header.eventCount <= Limits.blockEventCountMax else {
            throw .invalidField("event count \(header.eventCount)")
        }
        // `nextOffset` and the decoder's offset numbering must not overflow.
        guard header.firstOffset <= Int64.max - Int64(header.eventCount) else {
            throw .invalidField("offset range overflows")
        }
        guard header.rawBytes <= Limits.blockRawBytesMax else { throw .invalidField("raw size \(header.rawBytes)") }
        guard codec != .none || header.storedBytes == header.rawBytes else {
            throw .invalidField("stored size \(header.storedBytes) != raw size \(header.rawBytes)")
        }
        guard header.minTime <= header.maxTime else { throw .invalidField("time range") }
        return header
    }

    /// Decodes a header from the first 52 bytes of `bytes`.
    public static func decode(_ bytes: [UInt8]) throws(DecodeError) -> BlockHeader {
        let result: Result<BlockHeader, DecodeError> = bytes.withUnsafeBytes { raw in
            do throws(DecodeError) { return .success(try decode(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
