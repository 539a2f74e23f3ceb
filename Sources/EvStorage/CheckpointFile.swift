import EvCore

/// The file that holds the newest views checkpoint, `DIR/views.checkpoint` (`spec/views.md`, "Checkpoints"):
/// an LZ4-compressed envelope around the encoded views, replaced atomically.
///
/// ```
/// u32 magic "EVQZ"  u16 version  u16 reserved  u64 rawBytes  u64 storedBytes  u32 CRC-32C of the stored bytes
/// stored bytes (LZ4 block, or raw when rawBytes == storedBytes)
/// ```
public enum CheckpointFile {
    public static let name = "views.checkpoint"
    static let magic: UInt32 = 0x5A51_5645  // "EVQZ"
    static let version: UInt16 = 1
    static let headerSize = 28

    /// Compresses `payload` and writes it atomically (temporary file, fsync, rename, fsync directory).
    public static func write(_ payload: [UInt8], directory: String) throws(StorageError) {
        let stored = payload.count <= Int(Int32.max) ? (LZ4.compress(payload) ?? payload) : payload
        var out: [UInt8] = []
        out.reserveCapacity(headerSize + stored.count)
        ByteWriter.appendU32(magic, to: &out)
        ByteWriter.appendU16(version, to: &out)
        ByteWriter.appendU16(0, to: &out)
        ByteWriter.appendU64(UInt64(payload.count), to: &out)
        ByteWriter.appendU64(UInt64(stored.count), to: &out)
        ByteWriter.appendU32(CRC32C.checksum(stored), to: &out)
        out.append(contentsOf: stored)
        try FileSystem.writeAtomically(out, to: directory + "/" + name, directory: directory)
    }

    /// The payload of the checkpoint in `directory`; `nil` when there is none; the reason when it is damaged.
    public static func read(directory: String) throws(StorageError) -> Result<[UInt8], Corruption.Reason>? {
        let path = directory + "/" + name
        guard FileSystem.exists(path) else { return nil }
        return payload(fromFile: try FileSystem.readFile(path))
    }

    /// The payload held in the bytes of a checkpoint file; the reason when they are damaged.
    public static func payload(fromFile bytes: [UInt8]) -> Result<[UInt8], Corruption.Reason> {
        guard bytes.count >= headerSize else { return .failure("truncated checkpoint header") }
        return bytes.withUnsafeBytes { raw -> Result<[UInt8], Corruption.Reason> in
            var r = ByteReader(UnsafeRawBufferPointer(rebasing: raw[0..<headerSize]))
            guard r.readU32() == magic else { return .failure("bad checkpoint magic") }
            guard r.readU16() == version else { return .failure("unsupported checkpoint version") }
            _ = r.readU16()
            // The sizes stay u64 until checked: the header has no checksum, and a damaged size may not fit an Int.
            let rawBytes = r.readU64()!
            let storedBytes = r.readU64()!
            let crc = r.readU32()!
            guard storedBytes == UInt64(raw.count - headerSize) else { return .failure("checkpoint length mismatch") }
            let stored = UnsafeRawBufferPointer(rebasing: raw[headerSize...])
            guard CRC32C.checksum(stored) == crc else { return .failure("checkpoint checksum mismatch") }
            if rawBytes == storedBytes { return .success(Array(stored)) }
            guard rawBytes > 0, rawBytes < UInt64(Int32.max),
                let payload = LZ4.decompress(stored, rawBytes: Int(rawBytes))
            else {
                return .failure("checkpoint does not decompress")
            }
            return .success(payload)
        }
    }
}
