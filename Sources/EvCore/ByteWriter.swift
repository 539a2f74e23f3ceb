/// Little-endian and varint appends to a byte array: the one place binary encodings write integers.
public enum ByteWriter {
    @inlinable
    public static func appendU16(_ v: UInt16, to out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: v))
        out.append(UInt8(truncatingIfNeeded: v >> 8))
    }

    @inlinable
    public static func appendU32(_ v: UInt32, to out: inout [UInt8]) {
        for k in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * k))) }
    }

    @inlinable
    public static func appendU64(_ v: UInt64, to out: inout [UInt8]) {
        for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: v >> (8 * k))) }
    }

    /// Unsigned LEB128.
    @inlinable
    public static func appendVarint(_ v: UInt64, to out: inout [UInt8]) {
        var v = v
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(truncatingIfNeeded: v))
    }

    @inlinable
    public static func zigzag(_ v: Int64) -> UInt64 {
        UInt64(bitPattern: (v << 1) ^ (v >> 63))
    }

    @inlinable
    public static func unzigzag(_ v: UInt64) -> Int64 {
        Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1)
    }

    @inlinable
    public static func storeU32(_ v: UInt32, at position: Int, in out: inout [UInt8]) {
        for k in 0..<4 { out[position + k] = UInt8(truncatingIfNeeded: v >> (8 * k)) }
    }

    @inlinable
    public static func storeU64(_ v: UInt64, at position: Int, in out: inout [UInt8]) {
        for k in 0..<8 { out[position + k] = UInt8(truncatingIfNeeded: v >> (8 * k)) }
    }
}
