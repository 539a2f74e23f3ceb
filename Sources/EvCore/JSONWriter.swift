/// Minimal JSON output for `--json` (no Foundation): strings escaped per RFC 8259, numbers as Swift prints them.
public enum JSONWriter {
    public static func string(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                let hex = String(byte, radix: 16)
                out.append(contentsOf: ("\\u00" + (hex.count == 1 ? "0" : "") + hex).utf8)
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    public static func value(_ v: FieldValue, to out: inout [UInt8]) {
        switch v {
        case .float(let d): out.append(contentsOf: (d.isFinite ? d.description : "null").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .uint(let u): out.append(contentsOf: String(u).utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .string(let s): string(s, to: &out)
        }
    }

    /// One event as a JSON object (the `evq tail --json` shape, `spec/cli.md`).
    public static func event(_ e: Event, to out: inout [UInt8]) {
        out.append(contentsOf: "{\"offset\":\(e.offset),\"time\":".utf8)
        string(RFC3339.format(nanoseconds: e.time), to: &out)
        out.append(contentsOf: ",\"time_ns\":\(e.time),\"receive_time_ns\":\(e.receiveTime),\"kind\":".utf8)
        string(e.kind.description, to: &out)
        out.append(contentsOf: ",\"measurement\":".utf8)
        string(e.measurement, to: &out)
        out.append(contentsOf: ",\"tags\":{".utf8)
        for (k, tag) in e.tags.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            string(tag.key, to: &out)
            out.append(UInt8(ascii: ":"))
            string(tag.value, to: &out)
        }
        out.append(contentsOf: "},\"fields\":{".utf8)
        for (k, key) in e.shape.fieldKeys.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            string(key, to: &out)
            out.append(UInt8(ascii: ":"))
            value(e.values[k], to: &out)
        }
        out.append(contentsOf: "}}".utf8)
    }
}

extension JSONWriter {
    /// `"key":` (with a leading comma unless `first`).
    public static func key(_ key: String, first: Bool = false, to out: inout [UInt8]) {
        if !first { out.append(UInt8(ascii: ",")) }
        string(key, to: &out)
        out.append(UInt8(ascii: ":"))
    }

    /// An RFC 3339 time string, or `null`.
    public static func time(_ nanoseconds: Int64?, to out: inout [UInt8]) {
        guard let nanoseconds else {
            out.append(contentsOf: "null".utf8)
            return
        }
        string(RFC3339.format(nanoseconds: nanoseconds), to: &out)
    }

    /// A finite number, or `null`.
    public static func number(_ value: Double?, to out: inout [UInt8]) {
        guard let value, value.isFinite else {
            out.append(contentsOf: "null".utf8)
            return
        }
        if value == value.rounded() && abs(value) < 1e15 {
            out.append(contentsOf: String(Int64(value)).utf8)
        } else {
            out.append(contentsOf: value.description.utf8)
        }
    }

    /// A string, or `null`.
    public static func optionalString(_ value: String?, to out: inout [UInt8]) {
        guard let value else {
            out.append(contentsOf: "null".utf8)
            return
        }
        string(value, to: &out)
    }
}
