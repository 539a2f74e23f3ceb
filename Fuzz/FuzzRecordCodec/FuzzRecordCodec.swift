import EvCore
import EvStorage
import FuzzSupport

/// libFuzzer target: the per-event record encoding of a block (`BlockEncoder` rows: shape index, time deltas, values
/// against the previous value of their field) and the shape codec (`EventShapeCodec`).
///
/// The input is read as a program of choices (`FuzzReader`): up to 8 shapes of every field type, then up to 32
/// events over them with times and values that are small deltas, exact repeats, extremes or raw bit patterns (NaN
/// payloads, -0.0, Int64.min …). Properties checked:
/// - the events encode, and decode (with and without a shape interner) to the same events bit for bit;
/// - one encoder reused for a second block writes the same bytes as a fresh one (nothing leaks across `finish`);
/// - when every event is valid line protocol, the parser path (`append(parser)`) encodes the same body;
/// - the block header of the body round-trips through `encode` and `decode`;
/// - the raw input, when it is one well-formed shape key, re-encodes to exactly those bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecordCodec(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: size))
    RecordCodecTarget.shapeKey(bytes)
    var reader = FuzzReader(bytes)
    let events = RecordCodecTarget.events(&reader)
    RecordCodecTarget.roundTrip(events, firstOffset: Int64(reader.int(below: 1 << 16)), reuse: reader.int(below: 4) == 0)
    return 0
}

enum RecordCodecTarget {
    static let floats: [Double] = [
        0, -0.0, .nan, -.nan, .signalingNaN, Double(bitPattern: 0x7FF8_0000_DEAD_BEEF), .infinity, -.infinity,
        .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, .leastNormalMagnitude,
        9_007_199_254_740_992, 9_007_199_254_740_994, 0.1, 8.3, 1e-15, 1e-16, 123.456, 1e22, 1e23,
    ]
    static let integers: [Int64] = [0, 1, -1, .min, .max, .min + 1, .max - 1, 1 << 53, -(1 << 53)]

    static func shapeKey(_ bytes: [UInt8]) {
        guard let shape = EventShapeCodec.decode(bytes[...]) else { return }
        var again: [UInt8] = []
        EventShapeCodec.encode(shape, to: &again)
        Fuzz.check(again == bytes, "shape key \(Fuzz.visible(bytes)) re-encodes as \(Fuzz.visible(again))")
    }

    static func name(_ r: inout FuzzReader, empty: Bool) -> String {
        let raw = r.bytes(upTo: 12)
        let s = String(decoding: raw, as: UTF8.self)
        return s.isEmpty && !empty ? "m" : s
    }

    static func shape(_ r: inout FuzzReader) -> EventShape {
        let measurement = name(&r, empty: false)
        var tags: [Tag] = []
        for _ in 0..<r.int(below: 4) { tags.append(Tag(name(&r, empty: true), name(&r, empty: true))) }
        var keys: [String] = []
        var types: [FieldType] = []
        for _ in 0..<(1 + r.int(below: 6)) {
            keys.append(name(&r, empty: true))
            types.append(FieldType.allCases[r.int(below: FieldType.allCases.count)])
        }
        return EventShape(measurement: measurement, tags: tags, fieldKeys: keys, fieldTypes: types)
    }

    static func time(_ r: inout FuzzReader, previous: Int64) -> Int64 {
        switch r.int(below: 4) {
        case 0: previous
        case 1: previous &+ Int64(r.int(below: 1 << 16)) &- (1 << 15)
        case 2: integers[r.int(below: integers.count)]
        default: r.i64()
        }
    }

    static func events(_ r: inout FuzzReader) -> [Event] {
        var shapes: [EventShape] = []
        var previous: [ObjectIdentifier: [FieldValue]] = [:]
        var events: [Event] = []
        var time: Int64 = 1_700_000_000_000_000_000
        var receiveTime = time
        let count = 1 + r.int(below: 32)
        while events.count < count {
            let pick = r.int(below: shapes.count + 1)
            if pick == shapes.count && shapes.count < 8 { shapes.append(shape(&r)) }
            let shape = shapes[min(pick, shapes.count - 1)]
            let last = previous[ObjectIdentifier(shape)]
            var values: [FieldValue] = []
            for (k, type) in shape.fieldTypes.enumerated() {
                let mode = r.int(below: 4)
                if mode == 0, let last {
                    values.append(last[k])  // an exact repeat
                    continue
                }
                switch type {
                case .float:
                    switch mode {
                    case 1: values.append(.float(floats[r.int(below: floats.count)]))
                    case 2:
                        let mantissa = r.i64() % (1 << 53)
                        values.append(.float(DecimalFloat.value(mantissa: mantissa, scale: r.int(below: 18) % 16)))
                    default: values.append(.float(Double(bitPattern: r.u64())))
                    }
                case .int:
                    values.append(.int(mode == 1 ? integers[r.int(below: integers.count)] : r.i64()))
                case .uint:
                    values.append(.uint(mode == 1 ? UInt64(bitPattern: integers[r.int(below: integers.count)]) : r.u64()))
                case .string:
                    values.append(.string(String(decoding: r.bytes(upTo: 20), as: UTF8.self)))
                case .bool:
                    values.append(.bool(r.bool()))
                }
            }
            time = self.time(&r, previous: time)
            receiveTime = self.time(&r, previous: receiveTime)
            previous[ObjectIdentifier(shape)] = values
            events.append(
                Event(offset: Int64(events.count), time: time, receiveTime: receiveTime, shape: shape, values: values)
            )
        }
        return events
    }

    static func roundTrip(_ events: [Event], firstOffset: Int64, reuse: Bool) {
        var encoder = BlockEncoder(rowCapacity: 256)
        for event in events { encoder.append(event) }
        Fuzz.check(encoder.eventCount == events.count, "encoder counts \(encoder.eventCount) of \(events.count)")
        let minTime = encoder.minTime
        let maxTime = encoder.maxTime
        Fuzz.check(minTime == events.map(\.time).min() && maxTime == events.map(\.time).max(), "time range")
        let body = encoder.finish()
        Fuzz.check(encoder.isEmpty && encoder.shapeCount == 0, "finish leaves the encoder empty")

        // Reused encoder, second block: the same bytes as a fresh encoder's (one input in four: it costs two encodes).
        if reuse {
            for event in events.reversed() { encoder.append(event) }
            var fresh = BlockEncoder(rowCapacity: 256)
            for event in events.reversed() { fresh.append(event) }
            Fuzz.check(encoder.finish() == fresh.finish(), "a reused encoder writes a different second block")
        }

        let header = BlockHeader(
            codec: .none,
            firstOffset: firstOffset,
            eventCount: events.count,
            rawBytes: body.count,
            storedBytes: body.count,
            bodyCRC: CRC32C.checksum(body),
            minTime: minTime,
            maxTime: maxTime
        )
        var headerBytes: [UInt8] = []
        header.encode(to: &headerBytes)
        Fuzz.check((try? BlockHeader.decode(headerBytes)) == header, "block header does not round-trip")

        let interner = ShapeInterner()
        for pass in 0..<2 {
            var decoded: [Event] = []
            do throws(BlockDecodeError) {
                try BlockDecoder.forEach(body: body, header: header, interner: pass == 0 ? nil : interner) {
                    decoded.append($0)
                }
            } catch {
                Fuzz.fail("\(events.count) events do not decode (pass \(pass)): \(error)")
            }
            Fuzz.check(decoded.count == events.count, "\(events.count) events decode to \(decoded.count)")
            for (a, b) in zip(decoded, events) {
                var expected = b
                expected.offset = firstOffset + b.offset
                Fuzz.check(a.isLosslessEqual(to: expected), "event \(b.offset) decodes differently (pass \(pass))")
            }
        }
        parserPath(events, body: body)
    }

    /// When every event is valid line protocol (finite floats, names the parser reads back), the parser path must
    /// write the same body.
    static func parserPath(_ events: [Event], body: [UInt8]) {
        var parser = LineProtocolParser()
        var encoder = BlockEncoder(rowCapacity: 256)
        for event in events {
            for value in event.values {
                if case .float(let v) = value, !v.isFinite { return }
            }
            var line: [UInt8] = []
            LineProtocolSerializer.append(event, to: &line)
            line.removeLast()
            let accepted = line.withUnsafeBytes { raw -> Bool in
                do throws(LineProtocolError) {
                    return try parser.parse(raw, receiveTime: event.receiveTime) == .event
                } catch {
                    return false
                }
            }
            guard accepted, parser.makeEvent(offset: event.offset, receiveTime: event.receiveTime).isLosslessEqual(to: event)
            else { return }  // not line protocol (a newline in a name, a duplicate key, a typed event's rules…)
            encoder.append(parser, receiveTime: event.receiveTime)
        }
        Fuzz.check(encoder.finish() == body, "parser path encodes a different body")
    }
}
