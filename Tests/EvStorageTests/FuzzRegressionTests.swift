#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvCore
import EvStorage
import EvTestSupport
import Testing

/// Inputs the fuzz targets (`Fuzz/`, `tools/fuzz`) found to trap or to exhaust memory, rebuilt as plain tests.
@Suite("Fuzz regressions: checkpoint files and LZ4")
struct FuzzRegressionTests {
    /// A checkpoint file as evqd writes it, then its header field at `at` (8 bytes, little-endian) set to `value`.
    /// The header has no checksum of its own: one damaged byte there is all it takes.
    static func checkpointFile(_ payload: [UInt8], setting value: UInt64? = nil, at position: Int = 8) throws -> [UInt8] {
        let dir = TemporaryDirectory()
        try CheckpointFile.write(payload, directory: dir.path)
        var bytes = try FileSystem.readFile(dir.file(CheckpointFile.name))
        if let value { ByteWriter.storeU64(value, at: position, in: &bytes) }
        return bytes
    }

    /// A payload LZ4 shrinks (so the file is stored compressed).
    static let payload = [UInt8](repeating: 7, count: 4096) + Array("checkpoint".utf8)

    /// Header positions 8 (raw size) and 16 (stored size), and values beyond Int.max (the first one the fuzzer's).
    static let hugeSizes: [(Int, UInt64)] = [
        (8, 0xFFFF_FFFF_0000_04CF), (8, .max), (8, 1 << 63), (16, .max), (16, 1 << 63),
    ]

    @Test("a checkpoint file whose raw or stored size does not fit an Int is damaged, not a trap", arguments: hugeSizes)
    func sizeBeyondInt(position: Int, value: UInt64) throws {
        let bytes = try Self.checkpointFile(Self.payload, setting: value, at: position)
        guard case .failure(let reason) = CheckpointFile.payload(fromFile: bytes) else {
            Issue.record("a checkpoint file with \(value) at byte \(position) was read")
            return
        }
        #expect(["checkpoint does not decompress", "checkpoint length mismatch"].contains(reason.description))
        // The same through the file, as evqd reads it at start.
        let dir = TemporaryDirectory()
        try FileSystem.writeAtomically(bytes, to: dir.file(CheckpointFile.name), directory: dir.path)
        guard case .failure = try CheckpointFile.read(directory: dir.path) else {
            Issue.record("read(directory:) accepted it")
            return
        }
    }

    @Test("an undamaged checkpoint file reads back its payload, compressed or raw")
    func undamagedFile() throws {
        #expect(try CheckpointFile.payload(fromFile: Self.checkpointFile(Self.payload)).get() == Self.payload)
        let incompressible: [UInt8] = (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 167 &+ 13) }
        #expect(try CheckpointFile.payload(fromFile: Self.checkpointFile(incompressible)).get() == incompressible)
    }

    /// This process's peak resident size, in bytes.
    static func peakRSS() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }

    @Test("a raw size LZ4 cannot reach from the stored bytes is refused before it is allocated")
    func impossibleRawSizeNotAllocated() throws {
        // The fuzzer's case: a 2^31 − 2 byte raw size in front of a few dozen stored bytes. Before the fix,
        // decompress zero-filled that much memory (2 GiB resident) only to fail.
        let rawBytes = UInt64(Int32.max) - 1
        let bytes = try Self.checkpointFile(Self.payload, setting: rawBytes)
        let before = Self.peakRSS()
        guard case .failure = CheckpointFile.payload(fromFile: bytes) else {
            Issue.record("read with a raw size of \(rawBytes)")
            return
        }
        let stored = Array(bytes[28...])
        #expect(stored.withUnsafeBytes { LZ4.decompress($0, rawBytes: Int(rawBytes)) } == nil)
        let grown = Self.peakRSS() - before
        #expect(grown < 512 << 20, "peak RSS grew by \(grown >> 20) MiB")
    }

    @Test("LZ4's 255:1 bound holds for the most compressible input, and decompress takes sizes up to it")
    func decompressionBound() throws {
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        let compressed = try #require(LZ4.compress(zeros))
        #expect(zeros.count <= LZ4.decompressedBytesMax(compressedBytes: compressed.count))
        #expect(compressed.withUnsafeBytes { LZ4.decompress($0, rawBytes: zeros.count) } == zeros)
        #expect(LZ4.decompressedBytesMax(compressedBytes: 10) == 2550)
        #expect(LZ4.decompressedBytesMax(compressedBytes: .max) == .max)
    }
}
