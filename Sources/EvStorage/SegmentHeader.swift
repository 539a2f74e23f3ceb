import EvCore

/// The 24-byte header at the start of every segment file (`spec/segment-format.md`, "Segment file").
///
/// ```
///  0 u32 magic "EVQS"   4 u16 version   6 u16 reserved (0)   8 u64 baseOffset   16 u32 reserved (0)
/// 20 u32 headerCRC (CRC-32C of bytes 0..<20)
/// ```
public struct SegmentHeader: Sendable, Hashable {
    public static let size = 24
    public static let magic: UInt32 = 0x5351_5645  // "EVQS"
    public static let version: UInt16 = 1

    public var baseOffset: Int64

    public init(baseOffset: Int64) {
        self.baseOffset = baseOffset
    }

    public func encode() -> [UInt8] {
        var out: [UInt8] = []
        ByteWriter.appendU32(Self.magic, to: &out)
        ByteWriter.appendU16(Self.version, to: &out)
        ByteWriter.appendU16(0, to: &out)
        ByteWriter.appendU64(UInt64(bitPattern: baseOffset), to: &out)
        ByteWriter.appendU32(0, to: &out)
        ByteWriter.appendU32(CRC32C.checksum(out), to: &out)
        return out
    }

    /// Decodes and checks the header at the start of `bytes`; the reason when it is not valid.
    public static func decode(_ bytes: [UInt8]) -> Result<SegmentHeader, Corruption.Reason> {
        guard bytes.count >= size else { return .failure("truncated segment header") }
        return bytes.withUnsafeBytes { raw in
            var reader = ByteReader(UnsafeRawBufferPointer(rebasing: raw[0..<size]))
            guard reader.readU32() == magic else { return .failure("bad segment magic") }
            guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<20]))
                == raw.loadUnaligned(fromByteOffset: 20, as: UInt32.self).littleEndian
            else { return .failure("segment header checksum mismatch") }
            let version = reader.readU16()!
            guard version == Self.version else {
                return .failure(Corruption.Reason("unsupported segment format version \(version)"))
            }
            _ = reader.readU16()
            let base = Int64(bitPattern: reader.readU64()!)
            guard base >= 0 else { return .failure("negative base offset") }
            return .success(SegmentHeader(baseOffset: base))
        }
    }

    /// The damage to report when the segment file `bytes` (named `segment`) does not start with a valid header.
    public static func damage(in bytes: [UInt8], segment: String) -> Corruption? {
        guard case .failure(let reason) = decode(bytes) else { return nil }
        return Corruption(
            segment: segment,
            position: 0,
            blockIndex: nil,
            reason: reason.description,
            bytes: min(bytes.count, size)
        )
    }

    /// The version of a header that is intact (magic and CRC right) but of a version this code does not read.
    public static func unsupportedVersion(in bytes: [UInt8]) -> UInt16? {
        guard bytes.count >= size else { return nil }
        return bytes.withUnsafeBytes { raw -> UInt16? in
            guard raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self).littleEndian == magic,
                CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<20]))
                    == raw.loadUnaligned(fromByteOffset: 20, as: UInt32.self).littleEndian
            else { return nil }
            let v = raw.loadUnaligned(fromByteOffset: 4, as: UInt16.self).littleEndian
            return v == version ? nil : v
        }
    }
}
