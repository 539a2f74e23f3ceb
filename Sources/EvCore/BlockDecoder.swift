/// Decodes an uncompressed block body back into events (`spec/segment-format.md`, "Block body").
///
/// The inverse of `BlockEncoder`. Every read is bounds-checked: a body that passed its CRC but does not decode
/// (a bug, or a collision) is reported as `BlockDecodeError`, never a trap.
public enum BlockDecoder {
    /// Appends the events of one block to `events`, numbering them from `header.firstOffset`.
    ///
    /// - Throws: `BlockDecodeError` when the body is malformed or disagrees with its header (event count, times).
    /// - Complexity: O(body bytes); one allocation per event (its value array) plus one per shape.
    public static func decode(
        body: UnsafeRawBufferPointer,
        header: BlockHeader,
        into events: inout [Event]
    ) throws(BlockDecodeError) {
        try forEach(body: body, header: header) { events.append($0) }
    }

    /// Calls `visit` with each event of the block held in `body`, in offset order.
    public static func forEach(
        body: [UInt8],
        header: BlockHeader,
        interner: ShapeInterner? = nil,
        _ visit: (Event) -> Void
    ) throws(BlockDecodeError) {
        let result: Result<Void, BlockDecodeError> = body.withUnsafeBytes { raw in
            do throws(BlockDecodeError) {
                try forEach(body: raw, header: header, interner: interner, visit)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    /// Calls `visit` with each event of the block, in offset order. With an `interner`, equal shapes of different
    /// blocks are the same `EventShape` instance.
    public static func forEach(
        body raw: UnsafeRawBufferPointer,
        header: BlockHeader,
        interner: ShapeInterner? = nil,
        _ visit: (Event) -> Void
    ) throws(BlockDecodeError) {
        var reader = ByteReader(raw)
        guard let shapeCount = reader.readVarint(), shapeCount > 0, shapeCount <= UInt64(header.eventCount) else {
            throw BlockDecodeError("bad shape count")
        }
        var shapes: [EventShape] = []
        // Per shape: where its fields start in `fieldTypes` (and the per-field decoder state), and how many it has.
        // The per-event loop reads these flat arrays, not the shape object's, which would cost reference counting.
        var fieldBase: [Int] = []
        var fieldCount: [Int] = []
        var fieldTypes: [FieldType] = []
        shapes.reserveCapacity(Int(shapeCount))
        var stateCount = 0
        for index in 0..<Int(shapeCount) {
            let shapeStart = reader.position
            let decoded: EventShape?
            if let interner {
                decoded =
                    EventShapeCodec.skip(&reader)
                    ? interner.shape(for: UnsafeRawBufferPointer(rebasing: raw[shapeStart..<reader.position])) : nil
            } else {
                decoded = EventShapeCodec.decode(from: &reader)
            }
            guard let shape = decoded else {
                throw BlockDecodeError("malformed shape \(index)")
            }
            shapes.append(shape)
            fieldBase.append(stateCount)
            fieldCount.append(shape.fieldTypes.count)
            fieldTypes.append(contentsOf: shape.fieldTypes)
            stateCount += shape.fieldTypes.count
        }
        var mantissas = [Int64](repeating: 0, count: stateCount)
        var scales = [Int](repeating: 0, count: stateCount)
        var strings = [String?](repeating: nil, count: stateCount)

        var values: [FieldValue] = []
        values.reserveCapacity(16)
        var previousShape = -1
        var previousTime: Int64 = 0
        var previousReceiveTime: Int64 = 0
        var offset = header.firstOffset
        for _ in 0..<header.eventCount {
            guard let shapeDelta = reader.readVarint(), let timeDelta = reader.readVarint(),
                let receiveDelta = reader.readVarint()
            else { throw BlockDecodeError("truncated event \(offset)") }
            // Wrapping: a corrupt delta near Int64.max must fail the range check below, not trap.
            let shapeIndex = previousShape &+ 1 &+ Int(truncatingIfNeeded: ByteWriter.unzigzag(shapeDelta))
            guard shapeIndex >= 0 && shapeIndex < shapes.count else {
                throw BlockDecodeError("shape index out of range at event \(offset)")
            }
            previousShape = shapeIndex
            let time = previousTime &+ ByteWriter.unzigzag(timeDelta)
            let receiveTime = previousReceiveTime &+ ByteWriter.unzigzag(receiveDelta)
            previousTime = time
            previousReceiveTime = receiveTime
            guard time >= header.minTime && time <= header.maxTime else {
                throw BlockDecodeError("event \(offset) time outside the header's range")
            }
            let base = fieldBase[shapeIndex]
            // One value buffer for the whole block: a visitor that does not keep the event leaves it uniquely
            // referenced, so it is reused without a new allocation per event.
            values.removeAll(keepingCapacity: true)
            for state in base..<(base + fieldCount[shapeIndex]) {
                let type = fieldTypes[state]
                switch type {
                case .float:
                    guard let h = reader.readVarint() else { throw BlockDecodeError("truncated float at \(offset)") }
                    if h & 1 == 0 {
                        mantissas[state] &+= ByteWriter.unzigzag(h >> 1)
                    } else {
                        guard let mode = reader.readU8() else { throw BlockDecodeError("truncated float at \(offset)") }
                        if mode == 0xFF {
                            guard let bits = reader.readU64() else {
                                throw BlockDecodeError("truncated float at \(offset)")
                            }
                            values.append(.float(Double(bitPattern: bits)))
                            continue
                        }
                        guard Int(mode) <= DecimalFloat.scaleMax else {
                            throw BlockDecodeError("bad float scale at \(offset)")
                        }
                        mantissas[state] = ByteWriter.unzigzag(h >> 1)
                        scales[state] = Int(mode)
                    }
                    values.append(.float(DecimalFloat.value(mantissa: mantissas[state], scale: scales[state])))
                case .int, .uint:
                    guard let d = reader.readVarint() else { throw BlockDecodeError("truncated integer at \(offset)") }
                    mantissas[state] &+= ByteWriter.unzigzag(d)
                    values.append(
                        type == .int ? .int(mantissas[state]) : .uint(UInt64(bitPattern: mantissas[state]))
                    )
                case .bool:
                    guard let b = reader.readU8(), b <= 1 else { throw BlockDecodeError("bad boolean at \(offset)") }
                    values.append(.bool(b == 1))
                case .string:
                    guard let n = reader.readVarint() else { throw BlockDecodeError("truncated string at \(offset)") }
                    if n == 0 {
                        guard let previous = strings[state] else {
                            throw BlockDecodeError("repeated string without a first one at \(offset)")
                        }
                        values.append(.string(previous))
                    } else {
                        guard n - 1 <= UInt64(reader.remaining), let raw = reader.readBytes(Int(n - 1)),
                            let s = String(validating: raw, as: UTF8.self)
                        else { throw BlockDecodeError("bad string at \(offset)") }
                        strings[state] = s
                        values.append(.string(s))
                    }
                }
            }
            visit(Event(offset: offset, time: time, receiveTime: receiveTime, shape: shapes[shapeIndex], values: values))
            offset += 1
        }
        guard reader.isAtEnd else { throw BlockDecodeError("\(reader.remaining) trailing bytes after the last event") }
    }
}
