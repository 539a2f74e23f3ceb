import EvCore
import PropertyBased
import Testing

/// BlockEncoder → BlockDecoder round trips, block headers, and what the decoder does with damaged input.
@Suite struct BlockCodecTests {
    // MARK: - Round trips

    @Test("random event sequences decode to the same events, NaN payloads and -0.0 included")
    func eventRoundTrip() async {
        await propertyCheck(count: 300, input: BlockGen.events(finiteFloats: false), Gen.int64(in: 0...1 << 40)) {
            events,
            firstOffset in
            var encoder = BlockEncoder()
            for event in events { encoder.append(event) }
            #expect(encoder.shapeCount == Set(events.map(\.shape)).count)
            let rawBytes = encoder.rawBytes
            let (header, body) = Self.finish(&encoder, firstOffset: firstOffset)
            #expect(body.count <= rawBytes)
            #expect(encoder.isEmpty)
            Self.expectDecodes(body, header: header, to: events)
        }
    }

    @Test("events from the parser path encode to the same bytes as the same events appended whole")
    func parserPathRoundTrip() async {
        await propertyCheck(count: 300, input: BlockGen.events(finiteFloats: true)) { events in
            var fromParser = BlockEncoder()
            var fromEvents = BlockEncoder()
            var parser = LineProtocolParser()
            var expected: [Event] = []
            for event in events {
                let line = Array(LineProtocolSerializer.line(event).utf8)
                let outcome: Result<LineProtocolParser.Outcome, LineProtocolError> = line.withUnsafeBytes { raw in
                    do throws(LineProtocolError) {
                        return .success(try parser.parse(raw, receiveTime: event.receiveTime))
                    } catch {
                        return .failure(error)
                    }
                }
                guard case .success(.event) = outcome else {
                    Issue.record("\(String(decoding: line, as: UTF8.self)): \(outcome)")
                    return
                }
                fromParser.append(parser, receiveTime: event.receiveTime)
                fromEvents.append(event)
                expected.append(parser.makeEvent(receiveTime: event.receiveTime))
            }
            let (header, body) = Self.finish(&fromParser, firstOffset: 1000)
            let (_, bodyFromEvents) = Self.finish(&fromEvents, firstOffset: 1000)
            #expect(body == bodyFromEvents)
            Self.expectDecodes(body, header: header, to: expected)
            Self.expectDecodes(body, header: header, to: events)
        }
    }

    @Test("one encoder builds independent blocks one after another")
    func encoderReuse() async {
        await propertyCheck(
            count: 100,
            input: BlockGen.events(maxCount: 10, finiteFloats: false),
            BlockGen.events(maxCount: 10, finiteFloats: false)
        ) { first, second in
            var encoder = BlockEncoder()
            for event in first { encoder.append(event) }
            let (header1, body1) = Self.finish(&encoder, firstOffset: 0)
            for event in second { encoder.append(event) }
            let (header2, body2) = Self.finish(&encoder, firstOffset: Int64(first.count))
            Self.expectDecodes(body1, header: header1, to: first)
            Self.expectDecodes(body2, header: header2, to: second)
            var fresh = BlockEncoder()
            for event in second { fresh.append(event) }
            #expect(fresh.finish() == body2)
        }
    }

    @Test("edge values of every type round-trip in one block")
    func edgeValues() {
        let nanPayload = Double(bitPattern: 0x7FF8_0000_DEAD_BEEF)
        let floats: [Double] = [
            0, -0.0, 8.3, 8.3, 8.31, 1e-15, 1e-16, .nan, -.nan, .signalingNaN, nanPayload, .infinity, -.infinity,
            .greatestFiniteMagnitude, .leastNonzeroMagnitude, 9_007_199_254_740_992, 0.1, 2, 123.456, -123.456, 0,
        ]
        let ints: [Int64] = [.min, .max, 0, -1, .min, .max, .max, .min, 1]
        let uints: [UInt64] = [.max, 0, .max, 1, 1 << 63, (1 << 63) - 1]
        let strings = ["", "", "a", "a", "", "é測🙂", "é測🙂", "\u{0}", "b"]
        var events: [Event] = []
        for (k, v) in floats.enumerated() {
            events.append(Event(time: Int64(k), measurement: "f", fields: [Field("v", .float(v))]))
        }
        for (k, v) in ints.enumerated() {
            events.append(Event(time: .min + Int64(k), measurement: "i", fields: [Field("v", .int(v))]))
        }
        for (k, v) in uints.enumerated() {
            events.append(Event(time: .max - Int64(k), measurement: "u", fields: [Field("v", .uint(v))]))
        }
        for (k, v) in strings.enumerated() {
            events.append(
                Event(
                    time: Int64(k),
                    measurement: "s",
                    fields: [Field("v", .string(v)), Field("b", .bool(k % 2 == 0))]
                )
            )
        }
        var encoder = BlockEncoder()
        for event in events { encoder.append(event) }
        #expect(encoder.shapeCount == 4)
        #expect(encoder.minTime == .min)
        #expect(encoder.maxTime == .max)
        let (header, body) = Self.finish(&encoder, firstOffset: 7)
        Self.expectDecodes(body, header: header, to: events)
    }

    @Test("short decimals are stored as mantissa and scale, not as eight bytes")
    func decimalsAreCompact() {
        var encoder = BlockEncoder()
        var raw = BlockEncoder()
        for k in 0..<100 {
            encoder.append(
                Event(time: Int64(k), measurement: "m", fields: [Field("v", .float(Double("20.\(k % 7)")!))])
            )
            raw.append(Event(time: Int64(k), measurement: "m", fields: [Field("v", .float(.pi * Double(k)))]))
        }
        let compact = encoder.finish()
        let opaque = raw.finish()
        // About four bytes per row against about thirteen.
        #expect(compact.count < 600, "\(compact.count)")
        #expect(opaque.count > 1000, "\(opaque.count)")
    }

    @Test("a block with thousands of distinct shapes round-trips (the shape table rehashes)")
    func manyShapes() {
        var events: [Event] = []
        for k in 0..<3000 {
            events.append(
                Event(
                    time: Int64(k),
                    measurement: "m\(k % 1500)",
                    tags: [Tag("k", "\(k / 1500)")],
                    fields: [Field("v", .int(Int64(k)))]
                )
            )
        }
        var encoder = BlockEncoder()
        for event in events { encoder.append(event) }
        #expect(encoder.shapeCount == 3000)
        let (header, body) = Self.finish(&encoder, firstOffset: 0)
        Self.expectDecodes(body, header: header, to: events)
    }

    // MARK: - Damaged bodies

    @Test("every truncation of a body is rejected without trapping")
    func truncatedBodies() throws {
        let (header, body) = Self.smallBlock()
        #expect(body.count > 20)
        for length in 0..<body.count {
            let result = Self.decode(Array(body[..<length]), header: header)
            if case .success = result { Issue.record("prefix of \(length) bytes decoded") }
        }
        #expect(Self.decode(body + [0], header: header).value == nil, "trailing byte")
    }

    @Test("every single-byte corruption of a body is rejected or decodes, never traps")
    func corruptedBodies() {
        let (header, body) = Self.smallBlock()
        var rejected = 0
        for position in body.indices {
            for mask: UInt8 in [0x01, 0x80, 0xFF, 0x7F, 0x40] {
                var damaged = body
                damaged[position] ^= mask
                switch Self.decode(damaged, header: header) {
                case .success(let events): #expect(events.count == header.eventCount)
                case .failure: rejected += 1
                }
            }
        }
        #expect(rejected > 0)
    }

    @Test("a body that disagrees with its header is rejected")
    func headerMismatch() {
        let (header, body) = Self.smallBlock()
        var fewer = header
        fewer.eventCount -= 1
        #expect(Self.decode(body, header: fewer).value == nil)
        var more = header
        more.eventCount += 1
        #expect(Self.decode(body, header: more).value == nil)
        var later = header
        later.minTime = header.minTime + 1
        #expect(Self.decode(body, header: later).value == nil)
        var earlier = header
        earlier.maxTime = header.maxTime - 1
        #expect(Self.decode(body, header: earlier).value == nil)
    }

    @Test("a shape index delta near Int64.max is an error, not an overflow trap")
    func hugeShapeDelta() {
        // One shape (`m f=<int>`), two events: the second's shape delta is zigzag(Int64.max).
        var body: [UInt8] = []
        ByteWriter.appendVarint(1, to: &body)
        EventShapeCodec.encode(EventShape(measurement: "m", tags: [], fieldKeys: ["f"], fieldTypes: [.int]), to: &body)
        body += [0, 0, 0, 0]
        ByteWriter.appendVarint(ByteWriter.zigzag(.max), to: &body)
        body += [0, 0, 0]
        let header = BlockHeader(
            codec: .none,
            firstOffset: 0,
            eventCount: 2,
            rawBytes: body.count,
            storedBytes: body.count,
            bodyCRC: CRC32C.checksum(body),
            minTime: 0,
            maxTime: 0
        )
        #expect(
            Self.decode(body, header: header).error?.description == "block body: shape index out of range at event 1"
        )
    }

    static let malformedBodies: [(String, [UInt8])] = [
        ("empty", []),
        ("zero shapes", [0]),
        ("more shapes than events", [5]),
        ("shape with no fields", [1, 1, 0, 0x6D, 0, 0, 0, 0]),
        ("shape with an unknown field type", [1, 1, 0, 0x6D, 0, 0, 1, 0, 1, 0, 0x66, 9, 0, 0, 0, 0]),
        ("shape with invalid UTF-8", [1, 1, 0, 0xFF, 0, 0, 1, 0, 1, 0, 0x66, 2, 0, 0, 0, 0]),
        ("shape index out of range", [1, 1, 0, 0x6D, 0, 0, 1, 0, 1, 0, 0x66, 2, 2, 0, 0, 0]),
        ("boolean other than 0 or 1", [1, 1, 0, 0x6D, 0, 0, 1, 0, 1, 0, 0x66, 5, 0, 0, 0, 2]),
        ("float scale above 15", [1, 1, 0, 0x6D, 0, 0, 1, 0, 1, 0, 0x66, 1, 0, 0, 0, 3, 16]),
        ("repeated string without a first", [1, 1, 0, 0x6D, 0, 0, 1, 0, 1, 0, 0x66, 4, 0, 0, 0, 0]),
        ("string of invalid UTF-8", [1, 1, 0, 0x6D, 0, 0, 1, 0, 1, 0, 0x66, 4, 0, 0, 0, 2, 0xC3]),
        ("string longer than the body", [1, 1, 0, 0x6D, 0, 0, 1, 0, 1, 0, 0x66, 4, 0, 0, 0, 0x7F, 0x61]),
        (
            "varint of eleven bytes",
            [1, 1, 0, 0x6D, 0, 0, 1, 0, 1, 0, 0x66, 2, 0, 0, 0] + Array(repeating: 0xFF, count: 10) + [1]
        ),
        ("event time outside the header", [1, 1, 0, 0x6D, 0, 0, 1, 0, 1, 0, 0x66, 2, 0, 2, 0, 0]),
    ]

    @Test("malformed bodies are errors", arguments: malformedBodies)
    func malformedBody(name: String, body: [UInt8]) {
        let header = BlockHeader(
            codec: .none,
            firstOffset: 0,
            eventCount: 1,
            rawBytes: body.count,
            storedBytes: body.count,
            bodyCRC: CRC32C.checksum(body),
            minTime: 0,
            maxTime: 0
        )
        let result = Self.decode(body, header: header)
        #expect(result.value == nil, "\(name)")
        #expect(result.error?.description.hasPrefix("block body: ") == true)
    }

    @Test("the well-formed twin of the malformed bodies decodes")
    func wellFormedTwin() {
        // `m f=0i` at time 0: one shape, one event.
        let body: [UInt8] = [1, 1, 0, 0x6D, 0, 0, 1, 0, 1, 0, 0x66, 2, 0, 0, 0, 0]
        let header = BlockHeader(
            codec: .none,
            firstOffset: 3,
            eventCount: 1,
            rawBytes: body.count,
            storedBytes: body.count,
            bodyCRC: CRC32C.checksum(body),
            minTime: 0,
            maxTime: 0
        )
        let expected = Event(offset: 3, time: 0, measurement: "m", fields: [Field("f", .int(0))])
        Self.expectDecodes(body, header: header, to: [expected])
    }

    // MARK: - Header

    @Test("headers encode to 52 bytes starting EVQB and decode to themselves")
    func headerRoundTrip() async {
        let gen = zip(
            Gen.int64(in: 0...Int64.max - Int64(Limits.blockEventCountMax)),
            Gen.int(in: 1...Limits.blockEventCountMax),
            Gen.int(in: 0...Limits.blockRawBytesMax),
            Gen.uint32(),
            Gen.int64(),
            Gen.int64(),
            Gen.bool
        )
        await propertyCheck(count: 500, input: gen) { t in
            let header = BlockHeader(
                codec: t.6 ? .lz4 : .none,
                firstOffset: t.0,
                eventCount: t.1,
                rawBytes: t.2,
                storedBytes: t.6 ? t.2 / 2 : t.2,
                bodyCRC: t.3,
                minTime: min(t.4, t.5),
                maxTime: max(t.4, t.5)
            )
            var bytes: [UInt8] = []
            header.encode(to: &bytes)
            #expect(bytes.count == BlockHeader.size)
            #expect(Array(bytes[0..<4]) == Array("EVQB".utf8))
            #expect(bytes[4] == BlockHeader.version)
            #expect(Self.decodeHeader(bytes) == .success(header))
            #expect(Self.decodeHeader(bytes + [1, 2, 3]) == .success(header))
            #expect(header.nextOffset == header.firstOffset + Int64(header.eventCount))
            #expect(header.totalBytes == BlockHeader.size + header.storedBytes)
        }
    }

    @Test("every single-byte flip of a header is rejected")
    func headerByteFlips() {
        let bytes = Self.sampleHeaderBytes()
        #expect(Self.decodeHeader(bytes) == .success(Self.sampleHeader))
        var accepted = 0
        for position in 0..<BlockHeader.size {
            for mask in 1...255 {
                var damaged = bytes
                damaged[position] ^= UInt8(mask)
                if case .success = Self.decodeHeader(damaged) { accepted += 1 }
            }
        }
        #expect(accepted == 0)
    }

    @Test("a header shorter than 52 bytes is rejected as truncated")
    func headerTruncated() {
        let bytes = Self.sampleHeaderBytes()
        for length in 0..<BlockHeader.size {
            #expect(Self.decodeHeader(Array(bytes[..<length])) == .failure(.short))
        }
    }

    /// A header field overwritten (little-endian) at `position`, with the header checksum recomputed or not.
    struct HeaderDamage: Sendable, CustomTestStringConvertible {
        var name: String
        var position: Int
        var bytes: [UInt8]
        var reseal = true
        var error: BlockHeader.DecodeError
        var testDescription: String { name }
    }

    static func le(_ v: UInt64, _ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) }
    }

    static let headerDamage: [HeaderDamage] = [
        HeaderDamage(name: "bad magic", position: 0, bytes: [0x46], error: .badMagic),
        HeaderDamage(name: "bad magic, stale checksum", position: 3, bytes: [0x41], reseal: false, error: .badMagic),
        HeaderDamage(name: "bad checksum", position: 48, bytes: [0], reseal: false, error: .badHeaderCRC),
        HeaderDamage(name: "version 2", position: 4, bytes: [2], error: .unsupportedVersion(2)),
        HeaderDamage(name: "version 0", position: 4, bytes: [0], error: .unsupportedVersion(0)),
        HeaderDamage(name: "codec 7", position: 5, bytes: [7], error: .invalidField("codec 7")),
        HeaderDamage(
            name: "negative first offset",
            position: 15,
            bytes: [0x80],
            error: .invalidField("negative first offset")
        ),
        HeaderDamage(name: "no events", position: 16, bytes: le(0, 4), error: .invalidField("event count 0")),
        HeaderDamage(
            name: "too many events",
            position: 16,
            bytes: le(UInt64(Limits.blockEventCountMax + 1), 4),
            error: .invalidField("event count 1048577")
        ),
        HeaderDamage(
            name: "raw size too large",
            position: 20,
            bytes: le(UInt64(Limits.blockRawBytesMax + 1), 4),
            error: .invalidField("raw size 16777217")
        ),
        HeaderDamage(
            name: "uncompressed body whose sizes differ",
            position: 24,
            bytes: le(99, 4),
            error: .invalidField("stored size 99 != raw size 100")
        ),
        HeaderDamage(
            name: "time range reversed",
            position: 40,
            bytes: le(UInt64(bitPattern: -6), 8),
            error: .invalidField("time range")
        ),
        HeaderDamage(
            name: "last offset beyond Int64.max",
            position: 8,
            bytes: le(UInt64(Int64.max - 1), 8),
            error: .invalidField("offset range overflows")
        ),
    ]

    @Test("damaged header fields are named, even under a valid checksum", arguments: headerDamage)
    func headerDamaged(_ damage: HeaderDamage) {
        var bytes = Self.sampleHeaderBytes()
        bytes.replaceSubrange(damage.position..<damage.position + damage.bytes.count, with: damage.bytes)
        if damage.reseal { Self.resealHeader(&bytes) }
        #expect(Self.decodeHeader(bytes) == .failure(damage.error))
    }

    @Test("an LZ4 header may store fewer bytes than the raw body")
    func lz4Sizes() {
        var header = Self.sampleHeader
        header.codec = .lz4
        header.storedBytes = 10
        var bytes: [UInt8] = []
        header.encode(to: &bytes)
        #expect(Self.decodeHeader(bytes) == .success(header))
    }

    @Test("header errors describe themselves")
    func headerErrorDescriptions() {
        #expect(BlockHeader.DecodeError.short.description == "truncated block header")
        #expect(BlockHeader.DecodeError.badMagic.description == "bad block magic")
        #expect(BlockHeader.DecodeError.badHeaderCRC.description == "block header checksum mismatch")
        #expect(BlockHeader.DecodeError.unsupportedVersion(9).description == "unsupported block format version 9")
        #expect(BlockHeader.DecodeError.invalidField("x").description == "invalid block header: x")
    }

    // MARK: - Helpers

    static let sampleHeader = BlockHeader(
        codec: .none,
        firstOffset: 1234,
        eventCount: 3,
        rawBytes: 100,
        storedBytes: 100,
        bodyCRC: 0xDEAD_BEEF,
        minTime: -5,
        maxTime: 5
    )

    static func sampleHeaderBytes() -> [UInt8] {
        var bytes: [UInt8] = []
        sampleHeader.encode(to: &bytes)
        return bytes
    }

    /// Recomputes the header checksum after a test changed a field.
    static func resealHeader(_ bytes: inout [UInt8]) {
        ByteWriter.storeU32(CRC32C.checksum(bytes[0..<48]), at: 48, in: &bytes)
    }

    static func decodeHeader(_ bytes: [UInt8]) -> Result<BlockHeader, BlockHeader.DecodeError> {
        do throws(BlockHeader.DecodeError) {
            return .success(try BlockHeader.decode(bytes))
        } catch {
            return .failure(error)
        }
    }

    /// Finishes the encoder's block and builds its uncompressed header.
    static func finish(_ encoder: inout BlockEncoder, firstOffset: Int64) -> (BlockHeader, [UInt8]) {
        let eventCount = encoder.eventCount
        let minTime = encoder.minTime
        let maxTime = encoder.maxTime
        let body = encoder.finish()
        let header = BlockHeader(
            codec: .none,
            firstOffset: firstOffset,
            eventCount: eventCount,
            rawBytes: body.count,
            storedBytes: body.count,
            bodyCRC: CRC32C.checksum(body),
            minTime: minTime,
            maxTime: maxTime
        )
        return (header, body)
    }

    static func decode(_ body: [UInt8], header: BlockHeader) -> Result<[Event], BlockDecodeError> {
        body.withUnsafeBytes { raw in
            var events: [Event] = []
            do throws(BlockDecodeError) {
                try BlockDecoder.decode(body: raw, header: header, into: &events)
                return .success(events)
            } catch {
                return .failure(error)
            }
        }
    }

    /// Decodes and compares losslessly with `events` renumbered from the header's first offset.
    static func expectDecodes(
        _ body: [UInt8],
        header: BlockHeader,
        to events: [Event],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        switch decode(body, header: header) {
        case .failure(let error):
            Issue.record("\(error)", sourceLocation: sourceLocation)
        case .success(let decoded):
            #expect(decoded.count == events.count, sourceLocation: sourceLocation)
            for (k, (got, want)) in zip(decoded, events).enumerated() {
                var want = want
                want.offset = header.firstOffset + Int64(k)
                if !got.isLosslessEqual(to: want) {
                    Issue.record(
                        "event \(k): got \(LineProtocolSerializer.line(got)) \(got.values), want \(want.values)",
                        sourceLocation: sourceLocation
                    )
                    return
                }
            }
        }
    }

    /// A few events over two shapes with every field type.
    static func smallBlock() -> (BlockHeader, [UInt8]) {
        var encoder = BlockEncoder()
        encoder.append(Event(time: 10, measurement: "cpu", tags: [Tag("host", "a")], fields: [Field("v", .float(0.5))]))
        encoder.append(
            Event(
                time: 11,
                receiveTime: 20,
                measurement: "log",
                fields: [
                    Field("s", .string("hello")), Field("i", .int(-3)), Field("u", .uint(7)), Field("b", .bool(true)),
                    Field("f", .float(.pi)),
                ]
            )
        )
        encoder.append(
            Event(time: 12, measurement: "cpu", tags: [Tag("host", "a")], fields: [Field("v", .float(0.75))])
        )
        encoder.append(
            Event(
                time: 13,
                measurement: "log",
                fields: [
                    Field("s", .string("hello")), Field("i", .int(4)), Field("u", .uint(8)), Field("b", .bool(false)),
                    Field("f", .float(-0.0)),
                ]
            )
        )
        return finish(&encoder, firstOffset: 50)
    }
}

extension Result {
    var value: Success? {
        if case .success(let s) = self { return s }
        return nil
    }

    var error: Failure? {
        if case .failure(let f) = self { return f }
        return nil
    }
}
