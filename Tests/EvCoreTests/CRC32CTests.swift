import EvCore
import PropertyBased
import Testing

/// CRC-32C against published vectors (RFC 3720 B.4, iSCSI) and against a bit-at-a-time reference.
@Suite struct CRC32CTests {
    static let vectors: [(String, [UInt8], UInt32)] = [
        ("empty", [], 0),
        ("\"123456789\"", Array("123456789".utf8), 0xE306_9283),
        ("32 zero bytes", [UInt8](repeating: 0, count: 32), 0x8A91_36AA),
        ("32 0xFF bytes", [UInt8](repeating: 0xFF, count: 32), 0x62A8_AB43),
        ("incrementing bytes 0…31", (0..<32).map { UInt8($0) }, 0x46DD_794E),
        ("decrementing bytes 31…0", (0..<32).reversed().map { UInt8($0) }, 0x113F_DB5C),
        (
            "iSCSI read command PDU",
            [
                0x01, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
                0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            ],
            0xD996_3A56
        ),
    ]

    @Test("published test vectors", arguments: vectors)
    func vector(name: String, bytes: [UInt8], crc: UInt32) {
        #expect(CRC32C.checksum(bytes) == crc, "\(name)")
        #expect(bytes.withUnsafeBytes { CRC32C.checksum($0) } == crc, "\(name), raw buffer")
        #expect(Self.reference(bytes) == crc, "\(name), reference")
    }

    @Test("the sliced table matches the bit-at-a-time definition at every length and alignment")
    func matchesReference() async {
        await propertyCheck(count: 300, input: Gen.uint8().array(of: 0...80), Gen.int(in: 0...7)) { bytes, skip in
            let slice = bytes.dropFirst(min(skip, bytes.count))
            #expect(CRC32C.checksum(slice) == Self.reference(Array(slice)))
        }
    }

    @Test("checksums continued over chunks equal the checksum of the whole")
    func chunked() async {
        await propertyCheck(count: 300, input: Gen.uint8().array(of: 0...200), Gen.int(in: 1...40)) { bytes, chunk in
            let whole = CRC32C.checksum(bytes)
            var crc: UInt32 = 0
            var start = 0
            while start < bytes.count {
                let end = min(start + chunk, bytes.count)
                crc = CRC32C.checksum(bytes[start..<end], continuing: crc)
                start = end
            }
            #expect(crc == whole)
            // Any single split point too, through the raw-buffer entry point.
            let split = bytes.count / 3
            let continued = bytes.withUnsafeBytes { raw in
                CRC32C.checksum(
                    UnsafeRawBufferPointer(rebasing: raw[split...]),
                    continuing: CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[..<split]))
                )
            }
            #expect(continued == whole)
        }
    }

    @Test("collections without contiguous storage give the same checksum")
    func nonContiguous() {
        let bytes = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        #expect(CRC32C.checksum(bytes.lazy.map { $0 }) == CRC32C.checksum(bytes))
        #expect(CRC32C.checksum(repeatElement(UInt8(0), count: 32)) == 0x8A91_36AA)
    }

    @Test("every single-bit flip changes the checksum")
    func detectsBitFlips() {
        let bytes = Array("block body bytes under test".utf8)
        let crc = CRC32C.checksum(bytes)
        for position in bytes.indices {
            for bit in 0..<8 {
                var damaged = bytes
                damaged[position] ^= 1 << bit
                #expect(CRC32C.checksum(damaged) != crc)
            }
        }
    }

    /// CRC-32C one bit at a time, straight from the definition (reflected polynomial 0x82F63B78).
    static func reference(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }
}
