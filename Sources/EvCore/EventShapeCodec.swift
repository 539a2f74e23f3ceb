/// Encodes and decodes an `EventShape` in its on-disk form, the one `LineProtocolParser.shapeKey` produces:
///
/// ```
/// u16 measurementLength, measurement,
/// u16 tagCount,   (u16 keyLength, key, u16 valueLength, value) × tagCount,
/// u16 fieldCount, (u16 keyLength, key, u8 fieldType) × fieldCount
/// ```
/// All integers little-endian, all names unescaped UTF-8.
public enum EventShapeCodec {
    public static func encode(_ shape: EventShape, to out: inout [UInt8]) {
        appendName(shape.measurement, to: &out)
        appendU16(shape.tags.count, to: &out)
        for tag in shape.tags {
            appendName(tag.key, to: &out)
            appendName(tag.value, to: &out)
        }
        appendU16(shape.fieldKeys.count, to: &out)
        for (key, type) in zip(shape.fieldKeys, shape.fieldTypes) {
            appendName(key, to: &out)
            out.append(type.rawValue)
        }
    }

    /// Decodes a whole shape key; `nil` if the bytes are not exactly one well-formed shape.
    public static func decode(_ bytes: ArraySlice<UInt8>) -> EventShape? {
        bytes.withUnsafeBytes { raw in
            var reader = ByteReader(raw)
            guard let shape = decode(from: &reader), reader.isAtEnd else { return nil }
            return shape
        }
    }

    /// Decodes one shape at the reader's position; `nil` (with the reader anywhere) if malformed.
    public static func decode(from reader: inout ByteReader) -> EventShape? {
        guard let measurement = reader.readName(), !measurement.isEmpty, let tagCount = reader.readU16() else {
            return nil
        }
        var tags: [Tag] = []
        tags.reserveCapacity(Int(tagCount))
        for _ in 0..<tagCount {
            guard let key = reader.readName(), let value = reader.readName() else { return nil }
            tags.append(Tag(key, value))
        }
        guard let fieldCount = reader.readU16(), fieldCount > 0 else { return nil }
        var keys: [String] = []
        var types: [FieldType] = []
        keys.reserveCapacity(Int(fieldCount))
        types.reserveCapacity(Int(fieldCount))
        for _ in 0..<fieldCount {
            guard let key = reader.readName(), let raw = reader.readU8(), let type = FieldType(rawValue: raw) else {
                return nil
            }
            keys.append(key)
            types.append(type)
        }
        return EventShape(measurement: measurement, tags: tags, fieldKeys: keys, fieldTypes: types)
    }

    private static func appendName(_ name: String, to out: inout [UInt8]) {
        let utf8 = name.utf8
        precondition(utf8.count <= Int(UInt16.max), "names are bounded by Limits.nameBytesMax")
        appendU16(utf8.count, to: &out)
        out.append(contentsOf: utf8)
    }

    private static func appendU16(_ v: Int, to out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: v))
        out.append(UInt8(truncatingIfNeeded: v >> 8))
    }

    /// Moves the reader past one well-formed shape without decoding its strings; `false` if malformed.
    static func skip(_ reader: inout ByteReader) -> Bool {
        func skipName(_ r: inout ByteReader) -> Bool {
            guard let n = r.readU16(), r.readBytes(Int(n)) != nil else { return false }
            return true
        }
        guard skipName(&reader), let tagCount = reader.readU16() else { return false }
        for _ in 0..<tagCount {
            guard skipName(&reader), skipName(&reader) else { return false }
        }
        guard let fieldCount = reader.readU16(), fieldCount > 0 else { return false }
        for _ in 0..<fieldCount {
            guard skipName(&reader), reader.readU8() != nil else { return false }
        }
        return true
    }
}
