/// Writes events back as line protocol (`spec/wire-protocol.md`, "Export"): nanosecond timestamps, tags and
/// fields in their stored order, and the minimal escaping that the parser reads back to the same event.
public enum LineProtocolSerializer {
    /// Appends one line, `\n` included.
    public static func append(_ event: Event, to out: inout [UInt8]) {
        appendSeriesKey(measurement: event.measurement, tags: event.tags, to: &out)
        out.append(UInt8(ascii: " "))
        for (k, key) in event.shape.fieldKeys.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            appendEscaped(key, escapeEquals: true, to: &out)
            out.append(UInt8(ascii: "="))
            appendValue(event.values[k], to: &out)
        }
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: String(event.time).utf8)
        out.append(UInt8(ascii: "\n"))
    }

    /// The line for one event, without its newline.
    public static func line(_ event: Event) -> String {
        var out: [UInt8] = []
        append(event, to: &out)
        out.removeLast()
        return String(decoding: out, as: UTF8.self)
    }

    /// `measurement[,key=value…]`, escaped.
    public static func appendSeriesKey(measurement: String, tags: [Tag], to out: inout [UInt8]) {
        appendEscaped(measurement, escapeEquals: false, to: &out)
        for tag in tags {
            out.append(UInt8(ascii: ","))
            appendEscaped(tag.key, escapeEquals: true, to: &out)
            out.append(UInt8(ascii: "="))
            appendEscaped(tag.value, escapeEquals: true, to: &out)
        }
    }

    public static func appendValue(_ value: FieldValue, to out: inout [UInt8]) {
        switch value {
        case .float(let v):
            precondition(v.isFinite, "line protocol has no NaN or infinity")
            out.append(contentsOf: v.description.utf8)
        case .int(let v):
            out.append(contentsOf: String(v).utf8)
            out.append(UInt8(ascii: "i"))
        case .uint(let v):
            out.append(contentsOf: String(v).utf8)
            out.append(UInt8(ascii: "u"))
        case .bool(let v):
            out.append(contentsOf: (v ? "true" : "false").utf8)
        case .string(let s):
            out.append(UInt8(ascii: "\""))
            for byte in s.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
                out.append(byte)
            }
            out.append(UInt8(ascii: "\""))
        }
    }

    /// Escapes `,` and space (and `=` in keys and tag values) with a backslash. A backslash is doubled only where
    /// the parser would otherwise read it as an escape: before `,` `=` space `\` or at the end of the name.
    static func appendEscaped(_ name: String, escapeEquals: Bool, to out: inout [UInt8]) {
        let bytes = Array(name.utf8)
        for (i, byte) in bytes.enumerated() {
            switch byte {
            case UInt8(ascii: ","), UInt8(ascii: " "):
                out.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "="):
                if escapeEquals { out.append(UInt8(ascii: "\\")) }
            case UInt8(ascii: "\\"):
                if i + 1 == bytes.count || isEscapable(bytes[i + 1]) { out.append(UInt8(ascii: "\\")) }
            default:
                break
            }
            out.append(byte)
        }
    }

    private static func isEscapable(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ",") || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "=")
            || byte == UInt8(ascii: "\\")
    }
}
