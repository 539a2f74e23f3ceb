#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CFuzzer
import EvCore

/// What the fuzz targets share: property checks that abort (libFuzzer saves the input), a reader that turns fuzz
/// bytes into structured choices, and the checksum fix-ups that let mutated bytes reach past a CRC check.
public enum Fuzz {
    /// The main of a fuzz target: runs libFuzzer's driver (flags, corpus, mutations, crash files) on `testOneInput`,
    /// the target's `LLVMFuzzerTestOneInput`, and exits with its status.
    public static func main(_ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
    }

    /// Fails the run when `condition` is false: the message on stderr, then `abort()`, which libFuzzer reports as a
    /// crash and saves the input for.
    public static func check(
        _ condition: @autoclosure () -> Bool,
        _ message: @autoclosure () -> String,
        file: StaticString = #fileID,
        line: UInt = #line
    ) {
        guard !condition() else { return }
        fail(message(), file: file, line: line)
    }

    /// Reports a broken property and aborts.
    public static func fail(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
        let text = "fuzz property failed at \(file):\(line): \(message)\n"
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { _ = write(2, $0.baseAddress, $0.count) }
        abort()
    }

    /// Printable ASCII as is, every other byte as `\xNN`: for messages about inputs.
    public static func visible(_ bytes: some Collection<UInt8>, limit: Int = 300) -> String {
        var out = ""
        for b in bytes.prefix(limit) {
            switch b {
            case 0x20..<0x7F where b != UInt8(ascii: "\\"): out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                let hex = String(b, radix: 16, uppercase: true)
                out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        if bytes.count > limit { out += "…(\(bytes.count) bytes)" }
        return out
    }

    // MARK: - Checksum fix-ups

    /// Makes a stored block's checksums and stored size agree with its bytes, so that a mutated block reaches the
    /// body decoder instead of stopping at a CRC: `storedBytes` becomes the bytes after the header (and, for a raw
    /// body, `rawBytes` too), then the body CRC and the header CRC are recomputed. `nil` when shorter than a header.
    public static func fixingBlockChecksums(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count >= BlockHeader.size else { return nil }
        var out = bytes
        let stored = UInt32(truncatingIfNeeded: out.count - BlockHeader.size)
        ByteWriter.storeU32(stored, at: 24, in: &out)
        if out[5] == BlockHeader.Codec.none.rawValue { ByteWriter.storeU32(stored, at: 20, in: &out) }
        ByteWriter.storeU32(CRC32C.checksum(out[BlockHeader.size...]), at: 28, in: &out)
        ByteWriter.storeU32(CRC32C.checksum(out[0..<48]), at: 48, in: &out)
        return out
    }

    /// Makes a views checkpoint's body length and trailing CRC agree with its bytes (`ViewsCheckpoint`'s layout:
    /// a 40-byte header whose bytes 32..<40 hold the body length, the body, a CRC-32C of everything before it).
    /// `nil` when shorter than header and CRC.
    public static func fixingCheckpointChecksum(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count >= 44 else { return nil }
        var out = bytes
        let crcPosition = out.count - 4
        ByteWriter.storeU64(UInt64(crcPosition - 40), at: 32, in: &out)
        ByteWriter.storeU32(CRC32C.checksum(out[0..<crcPosition]), at: crcPosition, in: &out)
        return out
    }

    /// Makes a checkpoint file's stored size and CRC agree with its bytes (`CheckpointFile`'s 28-byte header:
    /// stored size at 16..<24, CRC of the stored bytes at 24..<28). `nil` when shorter than the header.
    public static func fixingCheckpointFileChecksum(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count >= 28 else { return nil }
        var out = bytes
        ByteWriter.storeU64(UInt64(out.count - 28), at: 16, in: &out)
        ByteWriter.storeU32(CRC32C.checksum(out[28...]), at: 24, in: &out)
        return out
    }
}

/// Structured choices drawn from fuzz bytes, front to back (libFuzzer's FuzzedDataProvider in spirit): every read
/// succeeds, returning zeros once the bytes run out, so any input is a valid program of choices.
public struct FuzzReader {
    public let bytes: [UInt8]
    public private(set) var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isAtEnd: Bool { position >= bytes.count }

    public mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    public mutating func bool() -> Bool { byte() & 1 == 1 }

    /// A number in `0..<bound` (bound ≤ 256 uses one byte, larger bounds two).
    public mutating func int(below bound: Int) -> Int {
        precondition(bound > 0)
        if bound <= 256 { return Int(byte()) % bound }
        return (Int(byte()) | Int(byte()) << 8) % bound
    }

    public mutating func u64() -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(byte()) << (8 * k) }
        return v
    }

    public mutating func i64() -> Int64 { Int64(bitPattern: u64()) }

    /// Up to `limit` bytes, the count from the next byte(s).
    public mutating func bytes(upTo limit: Int) -> [UInt8] {
        let count = int(below: limit + 1)
        let end = Swift.min(bytes.count, position + count)
        defer { position = end }
        return Array(bytes[position..<end])
    }
}
