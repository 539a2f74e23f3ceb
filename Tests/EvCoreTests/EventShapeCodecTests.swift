import EvCore
import PropertyBased
import Testing

/// The on-disk shape key: the same bytes from `EventShapeCodec.encode` and from the parser.
@Suite struct EventShapeCodecTests {
    @Test("shapes decode to themselves, and the parser builds the same key for the same line")
    func roundTrip() async {
        await propertyCheck(count: 500, input: EventGen.lineEvent) { event in
            var key: [UInt8] = []
            EventShapeCodec.encode(event.shape, to: &key)
            #expect(EventShapeCodec.decode(key[...]) == event.shape)
            var parser = LineProtocolParser()
            _ = parser.parseLine(Array(LineProtocolSerializer.line(event).utf8))
            #expect(parser.shapeKey == key)
        }
    }

    @Test("the key layout is u16 lengths and counts, little-endian, names unescaped")
    func layout() {
        let shape = EventShape(
            measurement: "m x",
            tags: [Tag("k", "é")],
            fieldKeys: ["a", "b"],
            fieldTypes: [.float, .string]
        )
        var key: [UInt8] = []
        EventShapeCodec.encode(shape, to: &key)
        let expected: [UInt8] =
            [3, 0] + Array("m x".utf8) + [1, 0] + [1, 0, 0x6B] + [2, 0, 0xC3, 0xA9]
            + [2, 0] + [1, 0, 0x61, FieldType.float.rawValue] + [1, 0, 0x62, FieldType.string.rawValue]
        #expect(key == expected)
    }

    @Test("every strict prefix and any trailing byte is rejected")
    func truncation() {
        let shape = EventShape(measurement: "cpu", tags: [Tag("h", "a")], fieldKeys: ["v"], fieldTypes: [.int])
        var key: [UInt8] = []
        EventShapeCodec.encode(shape, to: &key)
        for length in 0..<key.count {
            #expect(EventShapeCodec.decode(key[..<length]) == nil, "prefix \(length)")
        }
        #expect(EventShapeCodec.decode((key + [0])[...]) == nil)
        #expect(EventShapeCodec.decode(key[...]) == shape)
    }

    static let malformed: [(String, [UInt8])] = [
        ("empty measurement", [0, 0, 0, 0, 1, 0, 1, 0, 0x66, 1]),
        ("no fields", [1, 0, 0x6D, 0, 0, 0, 0]),
        ("field type 0", [1, 0, 0x6D, 0, 0, 1, 0, 1, 0, 0x66, 0]),
        ("field type 6", [1, 0, 0x6D, 0, 0, 1, 0, 1, 0, 0x66, 6]),
        ("invalid UTF-8 in a tag value", [1, 0, 0x6D, 1, 0, 1, 0, 0x6B, 1, 0, 0xC3, 1, 0, 1, 0, 0x66, 1]),
        ("more tags than bytes", [1, 0, 0x6D, 0xFF, 0xFF]),
    ]

    @Test("malformed keys are rejected", arguments: malformed)
    func rejects(name: String, bytes: [UInt8]) {
        #expect(EventShapeCodec.decode(bytes[...]) == nil, "\(name)")
    }

    @Test("field type raw values are fixed on disk")
    func fieldTypeRawValues() {
        #expect(FieldType.allCases.map(\.rawValue) == [1, 2, 3, 4, 5])
        #expect(FieldType.allCases.map(\.description) == ["float", "integer", "unsigned", "string", "boolean"])
    }

    @Test("a shape describes itself as its escaped series key")
    func seriesKey() {
        let shape = EventShape(measurement: "m x", tags: [Tag("a,b", "c=d")], fieldKeys: ["f"], fieldTypes: [.int])
        #expect(shape.description == #"m\ x,a\,b=c\=d"#)
    }
}
