/// Builds the uncompressed body of one block from events (`spec/segment-format.md`, "Block body").
///
/// Each distinct shape is stored once per block; each event is a row of varints: shape index, event time and
/// receive time as deltas, then its values, each encoded against the previous value of the same field of the
/// same shape in this block (delta integers, decimal floats with deltas of the mantissa, repeated strings as
/// one byte). Blocks are independent: a reader needs nothing but the block.
///
/// Not thread-safe: one encoder per writer (an ingest connection builds its own blocks).
public struct BlockEncoder: Sendable {
    /// Per-field memory of the previous value: the mantissa / integer / bit pattern / string position in `a`,
    /// the decimal scale / string length in `b`.
    struct FieldState: Sendable {
        var a: Int64 = 0
        var b: Int32 = 0
    }

    private var shapeTable: [UInt8] = []
    private var shapeStarts: [Int32] = []
    private var shapeLengths: [Int32] = []
    private var shapeFieldBase: [Int32] = []
    private var fieldStates: [FieldState] = []
    private var hashSlots: [Int32] = []
    private var hashMask = 0
    private var rows: [UInt8] = []

    private var previousShape = -1
    private var previousTime: Int64 = 0
    private var previousReceiveTime: Int64 = 0

    public private(set) var eventCount = 0
    public private(set) var minTime: Int64 = .max
    public private(set) var maxTime: Int64 = .min

    public init(rowCapacity: Int = 64 * 1024) {
        rows.reserveCapacity(rowCapacity)
        resetHash(capacity: 1024)
    }

    public var isEmpty: Bool { eventCount == 0 }
    /// The body size `finish()` would return, give or take a varint.
    public var rawBytes: Int { shapeTable.count + rows.count + 5 }
    public var shapeCount: Int { shapeStarts.count }

    /// Appends the event the parser holds.
    public mutating func append(_ parser: LineProtocolParser, receiveTime: Int64) {
        let shape = parser.shapeKey.withUnsafeBytes { intern($0) }
        appendRowHeader(shape: shape, time: parser.time, receiveTime: receiveTime)
        let base = Int(shapeFieldBase[shape])
        parser.stringBytes.withUnsafeBytes { strings in
            for k in parser.values.indices {
                let value = parser.values[k]
                switch value {
                case .float(let v): appendFloat(v, state: base + k)
                case .int(let v): appendInt(v, state: base + k)
                case .uint(let v): appendInt(Int64(bitPattern: v), state: base + k)
                case .bool(let v): rows.append(v ? 1 : 0)
                case .string(let r): appendString(UnsafeRawBufferPointer(rebasing: strings[r]), state: base + k)
                }
            }
        }
    }

    /// Appends an `Event` (its offset is ignored: the log assigns offsets).
    public mutating func append(_ event: Event) {
        var key: [UInt8] = []
        EventShapeCodec.encode(event.shape, to: &key)
        let shape = key.withUnsafeBytes { intern($0) }
        appendRowHeader(shape: shape, time: event.time, receiveTime: event.receiveTime)
        let base = Int(shapeFieldBase[shape])
        for k in event.values.indices {
            let value = event.values[k]
            switch value {
            case .float(let v): appendFloat(v, state: base + k)
            case .int(let v): appendInt(v, state: base + k)
            case .uint(let v): appendInt(Int64(bitPattern: v), state: base + k)
            case .bool(let v): rows.append(v ? 1 : 0)
            case .string(let s):
                var s = s
                s.withUTF8 { appendString(UnsafeRawBufferPointer($0), state: base + k) }
            }
        }
    }

    /// Returns the body (`varint shapeCount, shapes, rows`) and starts a new, empty block.
    public mutating func finish() -> [UInt8] {
        precondition(eventCount > 0, "a block holds at least one event")
        var body: [UInt8] = []
        body.reserveCapacity(rawBytes)
        ByteWriter.appendVarint(UInt64(shapeStarts.count), to: &body)
        body.append(contentsOf: shapeTable)
        body.append(contentsOf: rows)
        reset()
        return body
    }

    /// Forgets everything appended since the last `finish()`.
    public mutating func reset() {
        shapeTable.removeAll(keepingCapacity: true)
        shapeStarts.removeAll(keepingCapacity: true)
        shapeLengths.removeAll(keepingCapacity: true)
        shapeFieldBase.removeAll(keepingCapacity: true)
        fieldStates.removeAll(keepingCapacity: true)
        rows.removeAll(keepingCapacity: true)
        for i in hashSlots.indices { hashSlots[i] = -1 }
        previousShape = -1
        previousTime = 0
        previousReceiveTime = 0
        eventCount = 0
        minTime = .max
        maxTime = .min
    }

    // MARK: - Rows

    private mutating func appendRowHeader(shape: Int, time: Int64, receiveTime: Int64) {
        ByteWriter.appendVarint(ByteWriter.zigzag(Int64(shape - (previousShape + 1))), to: &rows)
        ByteWriter.appendVarint(ByteWriter.zigzag(time &- previousTime), to: &rows)
        ByteWriter.appendVarint(ByteWriter.zigzag(receiveTime &- previousReceiveTime), to: &rows)
        previousShape = shape
        previousTime = time
        previousReceiveTime = receiveTime
        eventCount += 1
        if time < minTime { minTime = time }
        if time > maxTime { maxTime = time }
    }

    /// `varint(zigzag(Δmantissa) << 1)` when the scale is unchanged; `varint(zigzag(mantissa) << 1 | 1), u8 scale`
    /// when it changes; `varint(1), u8 0xFF, u64 bits` for a value with no short decimal form.
    private mutating func appendFloat(_ v: Double, state index: Int) {
        let previous = fieldStates[index]
        let decimal =
            previous.b > 0
            ? (DecimalFloat.decompose(v, minimumScale: Int(previous.b)) ?? DecimalFloat.decompose(v))
            : DecimalFloat.decompose(v)
        guard let (mantissa, scale) = decimal else {
            ByteWriter.appendVarint(1, to: &rows)
            rows.append(0xFF)
            ByteWriter.appendU64(v.bitPattern, to: &rows)
            return
        }
        if scale == Int(previous.b) {
            ByteWriter.appendVarint(ByteWriter.zigzag(mantissa &- previous.a) << 1, to: &rows)
        } else {
            ByteWriter.appendVarint(ByteWriter.zigzag(mantissa) << 1 | 1, to: &rows)
            rows.append(UInt8(scale))
        }
        fieldStates[index] = FieldState(a: mantissa, b: Int32(scale))
    }

    /// `varint(zigzag(value − previous))`, wrapping; unsigned values use their bit pattern.
    private mutating func appendInt(_ v: Int64, state index: Int) {
        ByteWriter.appendVarint(ByteWriter.zigzag(v &- fieldStates[index].a), to: &rows)
        fieldStates[index].a = v
    }

    /// `varint(0)` when equal to the previous value of the field, else `varint(length + 1), bytes`.
    private mutating func appendString(_ s: UnsafeRawBufferPointer, state index: Int) {
        let previous = fieldStates[index]
        if previous.b >= 0 && Int(previous.b) == s.count {
            let start = Int(previous.a)
            let same = rows.withUnsafeBytes { r in
                UnsafeRawBufferPointer(rebasing: r[start..<start + s.count]).elementsEqual(s)
            }
            if same {
                rows.append(0)
                return
            }
        }
        ByteWriter.appendVarint(UInt64(s.count) + 1, to: &rows)
        let start = rows.count
        rows.append(contentsOf: s)
        fieldStates[index] = FieldState(a: Int64(start), b: Int32(s.count))
    }

    // MARK: - Shape interning

    private mutating func intern(_ key: UnsafeRawBufferPointer) -> Int {
        let hash = Self.hash(key)
        var slot = Int(truncatingIfNeeded: hash) & hashMask
        while true {
            let candidate = Int(hashSlots[slot])
            if candidate < 0 { break }
            if Int(shapeLengths[candidate]) == key.count {
                let start = Int(shapeStarts[candidate])
                let equal = shapeTable.withUnsafeBytes {
                    UnsafeRawBufferPointer(rebasing: $0[start..<start + key.count]).elementsEqual(key)
                }
                if equal { return candidate }
            }
            slot = (slot + 1) & hashMask
        }
        let index = shapeStarts.count
        shapeStarts.append(Int32(shapeTable.count))
        shapeLengths.append(Int32(key.count))
        shapeTable.append(contentsOf: key)
        shapeFieldBase.append(Int32(fieldStates.count))
        for type in Self.fieldTypes(ofShapeKey: key) {
            // Strings start with "no previous value" (b = -1) so an empty first string is still written out.
            fieldStates.append(type == .string ? FieldState(a: 0, b: -1) : FieldState())
        }
        hashSlots[slot] = Int32(index)
        if shapeStarts.count * 2 > hashSlots.count { rehash() }
        return index
    }

    private mutating func resetHash(capacity: Int) {
        hashSlots = [Int32](repeating: -1, count: capacity)
        hashMask = capacity - 1
    }

    private mutating func rehash() {
        resetHash(capacity: hashSlots.count * 2)
        for index in shapeStarts.indices {
            let start = Int(shapeStarts[index])
            let length = Int(shapeLengths[index])
            let hash = shapeTable.withUnsafeBytes { Self.hash(UnsafeRawBufferPointer(rebasing: $0[start..<start + length])) }
            var slot = Int(truncatingIfNeeded: hash) & hashMask
            while hashSlots[slot] >= 0 { slot = (slot + 1) & hashMask }
            hashSlots[slot] = Int32(index)
        }
    }

    /// A fast 64-bit hash of a shape key (8 bytes at a time, multiply–xorshift mixing).
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(key.count)
        var i = 0
        while key.count - i >= 8 {
            h = (h ^ key.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < key.count {
            tail |= UInt64(key[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 29)
    }

    /// The field types at the end of a well-formed shape key.
    static func fieldTypes(ofShapeKey key: UnsafeRawBufferPointer) -> [FieldType] {
        func u16(_ at: Int) -> Int { Int(key[at]) | Int(key[at + 1]) << 8 }
        var i = 2 + u16(0)
        let tagCount = u16(i)
        i += 2
        for _ in 0..<tagCount {
            i += 2 + u16(i)
            i += 2 + u16(i)
        }
        let fieldCount = u16(i)
        i += 2
        var types: [FieldType] = []
        types.reserveCapacity(fieldCount)
        for _ in 0..<fieldCount {
            i += 2 + u16(i)
            types.append(FieldType(rawValue: key[i])!)
            i += 1
        }
        return types
    }
}
