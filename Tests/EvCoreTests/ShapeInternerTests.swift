import EvCore
import Testing

@Suite("Shape interning")
struct ShapeInternerTests {
    static func block(_ values: [Double]) -> (body: [UInt8], header: BlockHeader) {
        var encoder = BlockEncoder()
        for (k, v) in values.enumerated() {
            encoder.append(
                Event(time: Int64(k), measurement: "cpu", tags: [EvCore.Tag("host", "h0")], fields: [Field("v", .float(v))])
            )
            encoder.append(Event(time: Int64(k), measurement: "mem", fields: [Field("used", .int(Int64(k)))]))
        }
        let count = encoder.eventCount
        let (minTime, maxTime) = (encoder.minTime, encoder.maxTime)
        let body = encoder.finish()
        let header = BlockHeader(
            codec: .none, firstOffset: 0, eventCount: count, rawBytes: body.count, storedBytes: body.count,
            bodyCRC: CRC32C.checksum(body), minTime: minTime, maxTime: maxTime
        )
        return (body, header)
    }

    @Test("blocks decoded through one interner share shape instances and decode to the same events")
    func sharedInstances() throws {
        let interner = ShapeInterner()
        let a = Self.block([1, 2])
        let b = Self.block([3])
        var plain: [Event] = []
        var interned: [Event] = []
        for block in [a, b] {
            try BlockDecoder.forEach(body: block.body, header: block.header) { plain.append($0) }
            try BlockDecoder.forEach(body: block.body, header: block.header, interner: interner) { interned.append($0) }
        }
        #expect(plain.count == 6 && interned.count == 6)
        for (p, i) in zip(plain, interned) { #expect(p.isLosslessEqual(to: i)) }
        #expect(interned[0].shape === interned[4].shape)  // cpu in block a and block b
        #expect(interned[1].shape === interned[5].shape)  // mem
        #expect(plain[0].shape !== plain[4].shape)
        #expect(interner.count == 2)
    }

    @Test("a malformed shape table is still rejected with an interner")
    func malformed() {
        let a = Self.block([1])
        var body = a.body
        body[3] = 0xFF  // inside the first shape's measurement length
        #expect(throws: BlockDecodeError.self) {
            try BlockDecoder.forEach(body: body, header: a.header, interner: ShapeInterner()) { _ in }
        }
    }
}
