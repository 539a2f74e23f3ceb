import EvCore
import EvStorage
import EvViews
import HTTPTypes
import Testing

/// Issue 15, item 3: 130,000 components reporting once, then silence, made `data_stale` raise every alert in one
/// block beyond the block limits; evqd trapped, and again ~10 s after every restart (a crash loop).
@Suite("Rule alerts as blocks")
struct RuleAlertBlockTests {
    static let t0: Int64 = 1_763_650_000 * 1_000_000_000

    @Test("any number of rule alerts is sealed as blocks within the limits, every event kept in order")
    func blocksWithinLimits() throws {
        var views = Views()
        for k in 0..<130_000 {
            views.apply(
                Event(offset: Int64(k), time: Self.t0, measurement: "heartbeat", tags: [Tag("component", "component-\(k)")], fields: [Field("seq", .int(1))])
            )
        }
        let raised = views.rules.tick(at: Self.t0 + 61_000_000_000, health: views.health, limit: .max)
        #expect(raised.count == 130_000)
        let blocks = SealedBlock.blocks(raised)
        #expect(blocks.count > 1)
        var decoded: [Event] = []
        for block in blocks {
            #expect(block.header.eventCount <= Limits.blockEventCountMax)
            #expect(block.header.rawBytes <= Limits.blockRawBytesMax)
            let raw = block.header.codec == .lz4
                ? block.body.withUnsafeBytes { LZ4.decompress($0, rawBytes: block.header.rawBytes) }!
                : block.body
            try BlockDecoder.forEach(body: raw, header: block.header) { decoded.append($0) }
        }
        #expect(decoded.count == raised.count)
        #expect(decoded.map(\.tags) == raised.map(\.tags))
        #expect(SealedBlock.blocks([Event]()).isEmpty)
    }
}
