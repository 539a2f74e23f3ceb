import CLZ4

/// Debian's liblz4 block API, for block bodies.
public enum LZ4 {
    /// Compresses `input`; `nil` when the result would not be smaller (the block is then stored raw).
    public static func compress(_ input: [UInt8]) -> [UInt8]? {
        guard !input.isEmpty, input.count <= Int(LZ4_MAX_INPUT_SIZE) else { return nil }
        let bound = Int(LZ4_compressBound(Int32(input.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let written = input.withUnsafeBytes { src in
            output.withUnsafeMutableBytes { dst in
                LZ4_compress_default(
                    src.baseAddress!.assumingMemoryBound(to: CChar.self),
                    dst.baseAddress!.assumingMemoryBound(to: CChar.self),
                    Int32(input.count),
                    Int32(bound)
                )
            }
        }
        guard written > 0, Int(written) < input.count else { return nil }
        output.removeLast(bound - Int(written))
        return output
    }

    /// Most bytes `count` compressed bytes can decompress to: a block grows at most 255 times (a match length takes
    /// one more 0xFF byte per 255 bytes of output).
    public static func decompressedBytesMax(compressedBytes count: Int) -> Int {
        count <= Int.max / 255 ? count * 255 : Int.max
    }

    /// Decompresses exactly `rawBytes` bytes; `nil` if the input is malformed or does not yield that size.
    /// A `rawBytes` that `input` cannot yield is refused before anything is allocated: it comes from a header that a
    /// damaged file may have changed.
    public static func decompress(_ input: UnsafeRawBufferPointer, rawBytes: Int) -> [UInt8]? {
        guard rawBytes > 0, !input.isEmpty, rawBytes <= decompressedBytesMax(compressedBytes: input.count) else {
            return nil
        }
        var output = [UInt8](repeating: 0, count: rawBytes)
        let n = output.withUnsafeMutableBytes { dst in
            LZ4_decompress_safe(
                input.baseAddress!.assumingMemoryBound(to: CChar.self),
                dst.baseAddress!.assumingMemoryBound(to: CChar.self),
                Int32(input.count),
                Int32(rawBytes)
            )
        }
        return Int(n) == rawBytes ? output : nil
    }
}
