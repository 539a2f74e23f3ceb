#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Parses InfluxDB line protocol, one line at a time, into reusable storage (`spec/wire-protocol.md`).
///
/// The result of a successful `parse` stays in the parser until the next call: the encoded shape key
/// (`shapeKey`, exactly the bytes a block's shape table stores), the field values (`values`), their string
/// bytes (`stringBytes`) and the event time (`time`). Nothing is allocated per line once the buffers have grown.
///
/// Not thread-safe: one parser per connection.
public struct LineProtocolParser: Sendable {
    /// What a line turned out to be.
    public enum Outcome: Sendable, Hashable {
        /// An event; read it from the parser's properties.
        case event
        /// An empty or all-blank line.
        case blank
        /// A `#` comment line, control lines (`#evq …`) included: the caller decides what a comment means.
        case comment
    }

    public var limits: Limits
    public var precision: Precision

    /// The shape of the last event: `u16 measurementLength, measurement, u16 tagCount, (u16 keyLength, key,
    /// u16 valueLength, value)*, u16 fieldCount, (u16 keyLength, key, u8 type)*`, little-endian, unescaped.
    public private(set) var shapeKey: [UInt8] = []
    /// The field values of the last event, in the order of the shape's fields.
    public private(set) var values: [ParsedValue] = []
    /// The bytes of the last event's string field values (`ParsedValue.string` ranges point here).
    public private(set) var stringBytes: [UInt8] = []
    /// The last event's time in nanoseconds: its timestamp scaled by `precision`, or the receive time.
    public private(set) var time: Int64 = 0
    /// Whether the last line carried its own timestamp.
    public private(set) var hasTimestamp = false
    /// The typed-event kind of the last event.
    public private(set) var kind: EventKind = .metric

    private var measurementRange: Range<Int> = 0..<0
    private var tagRanges: [(key: Range<Int>, value: Range<Int>)] = []
    private var fieldKeyRanges: [Range<Int>] = []
    private var fieldColumns: [Int] = []

    public init(limits: Limits = .default, precision: Precision = .nanoseconds) {
        self.limits = limits
        self.precision = precision
        shapeKey.reserveCapacity(256)
        values.reserveCapacity(16)
        stringBytes.reserveCapacity(256)
        tagRanges.reserveCapacity(8)
        fieldKeyRanges.reserveCapacity(16)
        fieldColumns.reserveCapacity(16)
    }

    /// Parses one line.
    ///
    /// - Parameters:
    ///   - line: the line's bytes without its `\n`; a trailing `\r` is ignored.
    ///   - receiveTime: nanoseconds since the epoch, the event time of a line without a timestamp.
    /// - Returns: whether the line was an event, blank or a comment.
    /// - Throws: `LineProtocolError` naming the 1-based byte column and the reason.
    /// - Complexity: O(line length + fields²) (duplicate keys are checked pairwise; fields are bounded).
    public mutating func parse(
        _ line: UnsafeRawBufferPointer,
        receiveTime: Int64
    ) throws(LineProtocolError) -> Outcome {
        var end = line.count
        if end > 0 && line[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        if end > limits.lineBytesMax {
            throw LineProtocolError(column: limits.lineBytesMax + 1, .lineTooLong(bytes: end, limit: limits.lineBytesMax))
        }
        var i = 0
        while i < end && (line[i] == UInt8(ascii: " ") || line[i] == UInt8(ascii: "\t")) { i += 1 }
        if i == end { return .blank }
        if line[i] == UInt8(ascii: "#") { return .comment }
        if let bad = Self.firstInvalidUTF8(line, end: end) {
            throw LineProtocolError(column: bad + 1, .invalidUTF8)
        }

        shapeKey.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        stringBytes.removeAll(keepingCapacity: true)
        tagRanges.removeAll(keepingCapacity: true)
        fieldKeyRanges.removeAll(keepingCapacity: true)
        fieldColumns.removeAll(keepingCapacity: true)

        // Measurement.
        let measurementStart = i
        measurementRange = try readName(line, &i, end, stopAtEquals: false)
        if measurementRange.isEmpty { throw LineProtocolError(column: measurementStart + 1, .missingMeasurement) }
        kind = EventKind(measurement: shapeKey[measurementRange])

        // Tag set.
        let tagCountPosition = shapeKey.count
        appendU16(0)
        while i < end && line[i] == UInt8(ascii: ",") {
            i += 1
            let keyStart = i
            let key = try readName(line, &i, end, stopAtEquals: true)
            if key.isEmpty { throw LineProtocolError(column: keyStart + 1, .missingTagKey) }
            guard i < end && line[i] == UInt8(ascii: "=") else {
                throw LineProtocolError(column: i + 1, .missingEquals(after: text(key)))
            }
            i += 1
            let valueStart = i
            let value = try readName(line, &i, end, stopAtEquals: false)
            if value.isEmpty { throw LineProtocolError(column: valueStart + 1, .missingTagValue(key: text(key))) }
            if tagRanges.count == limits.tagCountMax {
                throw LineProtocolError(column: keyStart + 1, .tooManyTags(limit: limits.tagCountMax))
            }
            for other in tagRanges where equalRanges(other.key, key) {
                throw LineProtocolError(column: keyStart + 1, .duplicateTag(text(key)))
            }
            tagRanges.append((key, value))
        }
        storeU16(UInt16(tagRanges.count), at: tagCountPosition)

        // Field set.
        guard i < end && line[i] == UInt8(ascii: " ") else {
            throw LineProtocolError(column: i + 1, .missingFields)
        }
        while i < end && line[i] == UInt8(ascii: " ") { i += 1 }
        if i == end { throw LineProtocolError(column: i + 1, .missingFields) }
        let fieldCountPosition = shapeKey.count
        appendU16(0)
        while true {
            let keyStart = i
            let key = try readName(line, &i, end, stopAtEquals: true)
            if key.isEmpty { throw LineProtocolError(column: keyStart + 1, .missingFieldKey) }
            guard i < end && line[i] == UInt8(ascii: "=") else {
                throw LineProtocolError(column: i + 1, .missingEquals(after: text(key)))
            }
            i += 1
            if fieldKeyRanges.count == limits.fieldCountMax {
                throw LineProtocolError(column: keyStart + 1, .tooManyFields(limit: limits.fieldCountMax))
            }
            for other in fieldKeyRanges where equalRanges(other, key) {
                throw LineProtocolError(column: keyStart + 1, .duplicateField(text(key)))
            }
            let valueStart = i
            let value = try readFieldValue(line, &i, end, key: key)
            fieldKeyRanges.append(key)
            fieldColumns.append(valueStart + 1)
            values.append(value)
            shapeKey.append(value.type.rawValue)
            if i < end && line[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            break
        }
        storeU16(UInt16(values.count), at: fieldCountPosition)

        // Timestamp.
        hasTimestamp = false
        time = receiveTime
        if i < end {
            guard line[i] == UInt8(ascii: " ") else {
                throw LineProtocolError(column: i + 1, .invalidFieldValue(text(line, valueStartBefore(line, i), i + 1)))
            }
            while i < end && line[i] == UInt8(ascii: " ") { i += 1 }
            if i < end {
                let start = i
                while i < end && line[i] != UInt8(ascii: " ") { i += 1 }
                time = try parseTimestamp(line, start, i)
                hasTimestamp = true
                while i < end && line[i] == UInt8(ascii: " ") { i += 1 }
                if i < end { throw LineProtocolError(column: i + 1, .unexpectedText(text(line, i, end))) }
            }
        }

        if kind != .metric { try validateTypedEvent() }
        return .event
    }

    /// The unescaped bytes of the last event's measurement.
    public var measurementBytes: ArraySlice<UInt8> { shapeKey[measurementRange] }

    /// The unescaped value of tag `key` of the last event.
    public func tagValue(_ key: String) -> ArraySlice<UInt8>? {
        for tag in tagRanges where shapeKey[tag.key].elementsEqual(key.utf8) { return shapeKey[tag.value] }
        return nil
    }

    /// The index of field `key` of the last event.
    public func fieldIndex(_ key: String) -> Int? {
        fieldKeyRanges.firstIndex(where: { shapeKey[$0].elementsEqual(key.utf8) })
    }

    /// The last event as an `Event` (allocates; for tools and tests, not the ingest path).
    public func makeEvent(offset: Int64 = 0, receiveTime: Int64) -> Event {
        let shape = EventShapeCodec.decode(shapeKey[...])!
        let fieldValues: [FieldValue] = values.map { fieldValue($0) }
        return Event(offset: offset, time: time, receiveTime: receiveTime, shape: shape, values: fieldValues)
    }

    /// A parsed value as a `FieldValue`.
    public func fieldValue(_ value: ParsedValue) -> FieldValue {
        switch value {
        case .float(let v): .float(v)
        case .int(let v): .int(v)
        case .uint(let v): .uint(v)
        case .bool(let v): .bool(v)
        case .string(let r): .string(String(decoding: stringBytes[r], as: UTF8.self))
        }
    }

    // MARK: - Names

    /// Reads a measurement, tag key, tag value or field key, unescaping `\,` `\ ` `\=` `\\`, and appends it to
    /// `shapeKey` behind a u16 length. Stops before an unescaped `,` or space, or `=` when `stopAtEquals`.
    private mutating func readName(
        _ p: UnsafeRawBufferPointer,
        _ i: inout Int,
        _ end: Int,
        stopAtEquals: Bool
    ) throws(LineProtocolError) -> Range<Int> {
        let start = i
        let lengthPosition = shapeKey.count
        appendU16(0)
        let bytesStart = shapeKey.count
        var runStart = i
        while i < end {
            let c = p[i]
            if c == UInt8(ascii: ",") || c == UInt8(ascii: " ") || (stopAtEquals && c == UInt8(ascii: "=")) { break }
            if c == UInt8(ascii: "\\") && i + 1 < end {
                let next = p[i + 1]
                if next == UInt8(ascii: ",") || next == UInt8(ascii: " ") || next == UInt8(ascii: "=")
                    || next == UInt8(ascii: "\\")
                {
                    shapeKey.append(contentsOf: UnsafeRawBufferPointer(rebasing: p[runStart..<i]))
                    shapeKey.append(next)
                    i += 2
                    runStart = i
                    continue
                }
            }
            i += 1
        }
        shapeKey.append(contentsOf: UnsafeRawBufferPointer(rebasing: p[runStart..<i]))
        let length = shapeKey.count - bytesStart
        if length > limits.nameBytesMax {
            throw LineProtocolError(column: start + 1, .nameTooLong(limit: limits.nameBytesMax))
        }
        storeU16(UInt16(length), at: lengthPosition)
        return bytesStart..<shapeKey.count
    }

    // MARK: - Field values

    private mutating func readFieldValue(
        _ p: UnsafeRawBufferPointer,
        _ i: inout Int,
        _ end: Int,
        key: Range<Int>
    ) throws(LineProtocolError) -> ParsedValue {
        let start = i
        if i == end || p[i] == UInt8(ascii: ",") || p[i] == UInt8(ascii: " ") {
            throw LineProtocolError(column: start + 1, .missingFieldValue(key: text(key)))
        }
        if p[i] == UInt8(ascii: "\"") {
            i += 1
            let bytesStart = stringBytes.count
            var runStart = i
            while true {
                guard i < end else { throw LineProtocolError(column: start + 1, .unterminatedString) }
                let c = p[i]
                if c == UInt8(ascii: "\"") { break }
                if c == UInt8(ascii: "\\") && i + 1 < end
                    && (p[i + 1] == UInt8(ascii: "\"") || p[i + 1] == UInt8(ascii: "\\"))
                {
                    stringBytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: p[runStart..<i]))
                    stringBytes.append(p[i + 1])
                    i += 2
                    runStart = i
                    continue
                }
                i += 1
            }
            stringBytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: p[runStart..<i]))
            i += 1  // closing quote
            if stringBytes.count - bytesStart > limits.stringFieldBytesMax {
                throw LineProtocolError(column: start + 1, .stringTooLong(limit: limits.stringFieldBytesMax))
            }
            if i < end && p[i] != UInt8(ascii: ",") && p[i] != UInt8(ascii: " ") {
                throw LineProtocolError(column: i + 1, .invalidFieldValue(text(p, start, tokenEnd(p, i, end))))
            }
            return .string(bytesStart..<stringBytes.count)
        }
        while i < end && p[i] != UInt8(ascii: ",") && p[i] != UInt8(ascii: " ") { i += 1 }
        let last = p[i - 1]
        let first = p[start]
        // Numbers never start with a letter: t/T/f/F is a boolean or nothing (so "tru" is not read as unsigned).
        if first == UInt8(ascii: "t") || first == UInt8(ascii: "T") || first == UInt8(ascii: "f")
            || first == UInt8(ascii: "F")
        {
            if let b = Self.parseBool(p, start, i) { return .bool(b) }
            throw LineProtocolError(column: start + 1, .invalidFieldValue(text(p, start, i)))
        }
        if last == UInt8(ascii: "i") {
            guard let v = Self.parseInt64(p, start, i - 1) else {
                throw LineProtocolError(column: start + 1, .invalidInteger(text(p, start, i)))
            }
            return .int(v)
        }
        if last == UInt8(ascii: "u") {
            guard let v = Self.parseUInt64(p, start, i - 1) else {
                throw LineProtocolError(column: start + 1, .invalidUnsigned(text(p, start, i)))
            }
            return .uint(v)
        }
        guard let v = Self.parseDouble(p, start, i) else {
            throw LineProtocolError(column: start + 1, .invalidFloat(text(p, start, i)))
        }
        return .float(v)
    }

    static func parseBool(_ p: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Bool? {
        let token = UnsafeRawBufferPointer(rebasing: p[start..<end])
        for word in ["t", "T", "true", "True", "TRUE"] where token.elementsEqual(word.utf8) { return true }
        for word in ["f", "F", "false", "False", "FALSE"] where token.elementsEqual(word.utf8) { return false }
        return nil
    }

    /// `-?[0-9]+` with overflow checks.
    static func parseInt64(_ p: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int64? {
        var i = start
        var negative = false
        if i < end && p[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        } else if i < end && p[i] == UInt8(ascii: "+") {
            i += 1
        }
        guard i < end else { return nil }
        var magnitude: UInt64 = 0
        while i < end {
            let d = p[i] &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(d))
            if o1 || o2 { return nil }
            magnitude = s
            i += 1
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    /// `[0-9]+` with overflow checks.
    static func parseUInt64(_ p: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> UInt64? {
        guard start < end else { return nil }
        var v: UInt64 = 0
        for i in start..<end {
            let d = p[i] &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(d))
            if o1 || o2 { return nil }
            v = s
        }
        return v
    }

    /// `[+-]?(digits[.digits*]|.digits)([eE][+-]?digits)?`, correctly rounded, finite. Short decimals take the
    /// exact fast path (an integer mantissa below 2^53 times or over an exact power of ten); the rest go to strtod.
    static func parseDouble(_ p: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Double? {
        var i = start
        var negative = false
        if i < end && (p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+")) {
            negative = p[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var significant = 0
        var fractionDigits = 0
        var sawDigit = false
        while i < end, case let d = p[i] &- UInt8(ascii: "0"), d < 10 {
            sawDigit = true
            if significant < 19 {
                mantissa = mantissa * 10 + UInt64(d)
                if mantissa != 0 { significant += 1 }
            } else {
                digits += 1  // dropped integer digit: shifts the exponent
            }
            i += 1
        }
        if i < end && p[i] == UInt8(ascii: ".") {
            i += 1
            while i < end, case let d = p[i] &- UInt8(ascii: "0"), d < 10 {
                sawDigit = true
                if significant < 19 {
                    mantissa = mantissa * 10 + UInt64(d)
                    if mantissa != 0 { significant += 1 }
                    fractionDigits += 1
                }
                i += 1
            }
        }
        guard sawDigit else { return nil }
        var exponent = 0
        if i < end && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
            i += 1
            var expNegative = false
            if i < end && (p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+")) {
                expNegative = p[i] == UInt8(ascii: "-")
                i += 1
            }
            guard i < end else { return nil }
            while i < end {
                let d = p[i] &- UInt8(ascii: "0")
                guard d < 10 else { return nil }
                if exponent < 100_000 { exponent = exponent * 10 + Int(d) }
                i += 1
            }
            if expNegative { exponent = -exponent }
        }
        guard i == end else { return nil }
        let scale = exponent - fractionDigits + digits
        if significant < 19 && mantissa < (1 << 53) && scale >= -22 && scale <= 22 {
            var v = Double(mantissa)
            if scale < 0 { v /= DecimalFloat.powersOfTen[-scale] } else if scale > 0 { v *= DecimalFloat.powersOfTen[scale] }
            return negative ? -v : v
        }
        // Slow path: the C library's correctly rounded conversion on a NUL-terminated copy.
        let count = end - start
        let v: Double = withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { buffer in
            for k in 0..<count { buffer[k] = CChar(bitPattern: p[start + k]) }
            buffer[count] = 0
            return strtod(buffer.baseAddress!, nil)
        }
        return v.isFinite ? v : nil
    }

    private func parseTimestamp(
        _ p: UnsafeRawBufferPointer,
        _ start: Int,
        _ end: Int
    ) throws(LineProtocolError) -> Int64 {
        guard let raw = Self.parseInt64(p, start, end), p[start] != UInt8(ascii: "+") else {
            let digits = p[start] == UInt8(ascii: "-") ? start + 1 : start
            let allDigits = digits < end && (digits..<end).allSatisfy { p[$0] &- UInt8(ascii: "0") < 10 }
            throw LineProtocolError(
                column: start + 1,
                allDigits ? .timestampOutOfRange(text(p, start, end)) : .invalidTimestamp(text(p, start, end))
            )
        }
        let (scaled, overflow) = raw.multipliedReportingOverflow(by: precision.nanosecondsPerUnit)
        if overflow { throw LineProtocolError(column: start + 1, .timestampOutOfRange(text(p, start, end))) }
        return scaled
    }

    // MARK: - Typed events

    private func validateTypedEvent() throws(LineProtocolError) {
        let measurement = text(measurementRange)
        for tag in TypedEventRules.requiredTags(kind) where tagValue(tag) == nil {
            throw LineProtocolError(column: 1, .missingRequiredTag(measurement: measurement, tag: tag))
        }
        if kind == .alert, let severity = tagValue("severity"),
            !TypedEventRules.alertSeverities.contains(where: { asciiCaseInsensitiveEqual(severity, $0.utf8) })
        {
            throw LineProtocolError(
                column: 1,
                .unknownWord(
                    field: "severity",
                    word: String(decoding: severity, as: UTF8.self),
                    allowed: TypedEventRules.alertSeverities
                )
            )
        }
        for (name, words) in TypedEventRules.requiredWordFields(kind) {
            guard let index = fieldIndex(name) else {
                throw LineProtocolError(column: 1, .missingRequiredField(measurement: measurement, field: name))
            }
            guard case .string(let range) = values[index] else {
                throw LineProtocolError(
                    column: fieldColumns[index],
                    .wrongFieldType(field: name, expected: .string, got: values[index].type)
                )
            }
            let word = stringBytes[range]
            let known: Bool
            let allowed: [String]
            if let words {
                known = words.contains(where: { asciiCaseInsensitiveEqual(word, $0.utf8) })
                allowed = words
            } else {
                known = word.withUnsafeBytes { HealthColor.match($0) } != nil
                allowed = HealthColor.statusWords.map(\.word)
            }
            if !known {
                throw LineProtocolError(
                    column: fieldColumns[index],
                    .unknownWord(field: name, word: String(decoding: word, as: UTF8.self), allowed: allowed)
                )
            }
        }
    }

    // MARK: - Helpers

    private mutating func appendU16(_ v: UInt16) {
        shapeKey.append(UInt8(truncatingIfNeeded: v))
        shapeKey.append(UInt8(truncatingIfNeeded: v >> 8))
    }

    private mutating func storeU16(_ v: UInt16, at position: Int) {
        shapeKey[position] = UInt8(truncatingIfNeeded: v)
        shapeKey[position + 1] = UInt8(truncatingIfNeeded: v >> 8)
    }

    private func equalRanges(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
        a.count == b.count && shapeKey[a].elementsEqual(shapeKey[b])
    }

    private func text(_ range: Range<Int>) -> String {
        String(decoding: shapeKey[range], as: UTF8.self)
    }

    private func text(_ p: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: p[start..<min(end, p.count)]), as: UTF8.self)
    }

    private func tokenEnd(_ p: UnsafeRawBufferPointer, _ i: Int, _ end: Int) -> Int {
        var j = i
        while j < end && p[j] != UInt8(ascii: ",") && p[j] != UInt8(ascii: " ") { j += 1 }
        return j
    }

    private func valueStartBefore(_ p: UnsafeRawBufferPointer, _ i: Int) -> Int {
        var j = i
        while j > 0 && p[j - 1] != UInt8(ascii: "=") { j -= 1 }
        return j
    }

    /// The index of the first byte that is not part of valid UTF-8, or `nil`. ASCII lines take one quick pass.
    static func firstInvalidUTF8(_ p: UnsafeRawBufferPointer, end: Int) -> Int? {
        var i = 0
        while i < end {
            let c = p[i]
            if c < 0x80 {
                i += 1
                continue
            }
            let need: Int
            var minimum: UInt32
            var scalar: UInt32
            switch c {
            case 0xC2...0xDF:
                need = 1
                minimum = 0x80
                scalar = UInt32(c & 0x1F)
            case 0xE0...0xEF:
                need = 2
                minimum = 0x800
                scalar = UInt32(c & 0x0F)
            case 0xF0...0xF4:
                need = 3
                minimum = 0x10000
                scalar = UInt32(c & 0x07)
            default: return i
            }
            guard i + need < end else { return i }
            for k in 1...need {
                let cc = p[i + k]
                guard cc & 0xC0 == 0x80 else { return i }
                scalar = scalar << 6 | UInt32(cc & 0x3F)
            }
            if scalar < minimum || scalar > 0x10FFFF || (scalar >= 0xD800 && scalar <= 0xDFFF) { return i }
            i += need + 1
        }
        return nil
    }
}
