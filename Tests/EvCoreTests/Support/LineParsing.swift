import EvCore

/// `Testing` has a `Tag` too; in these tests a tag is always a line-protocol tag.
typealias Tag = EvCore.Tag

/// The receive time the parser tests pass unless a case says otherwise.
let testReceiveTime: Int64 = 1_700_000_000_000_000_042

/// What one line turned into, with the parser's own `Event` for events.
enum LineResult: CustomStringConvertible {
    case event(Event)
    case blank
    case comment
    case failure(LineProtocolError)

    var event: Event? {
        if case .event(let e) = self { return e }
        return nil
    }

    var error: LineProtocolError? {
        if case .failure(let e) = self { return e }
        return nil
    }

    var description: String {
        switch self {
        case .event(let e): "event \(LineProtocolSerializer.line(e))"
        case .blank: "blank"
        case .comment: "comment"
        case .failure(let e): "error col=\(e.column) \(e.description)"
        }
    }
}

extension LineProtocolParser {
    /// Parses `bytes` (one line without its `\n`) and turns the outcome into a `LineResult`.
    mutating func parseLine(_ bytes: [UInt8], receiveTime: Int64 = testReceiveTime, offset: Int64 = 0) -> LineResult {
        let outcome: Result<Outcome, LineProtocolError> = bytes.withUnsafeBytes { raw in
            do throws(LineProtocolError) {
                return .success(try parse(raw, receiveTime: receiveTime))
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case .success(.event): return .event(makeEvent(offset: offset, receiveTime: receiveTime))
        case .success(.blank): return .blank
        case .success(.comment): return .comment
        case .failure(let error): return .failure(error)
        }
    }

    mutating func parseLine(_ line: String, receiveTime: Int64 = testReceiveTime, offset: Int64 = 0) -> LineResult {
        parseLine(Array(line.utf8), receiveTime: receiveTime, offset: offset)
    }
}

/// Parses one line with a fresh parser.
func parseLine(
    _ bytes: [UInt8],
    limits: Limits = .default,
    precision: Precision = .nanoseconds,
    receiveTime: Int64 = testReceiveTime
) -> LineResult {
    var parser = LineProtocolParser(limits: limits, precision: precision)
    return parser.parseLine(bytes, receiveTime: receiveTime)
}

func parseLine(
    _ line: String,
    limits: Limits = .default,
    precision: Precision = .nanoseconds,
    receiveTime: Int64 = testReceiveTime
) -> LineResult {
    parseLine(Array(line.utf8), limits: limits, precision: precision, receiveTime: receiveTime)
}

/// Parses a control line, catching its typed error.
func parseControl(_ line: String) -> Result<ControlLine?, LineProtocolError> {
    Array(line.utf8).withUnsafeBytes { raw in
        do throws(LineProtocolError) {
            return .success(try ControlLine.parse(raw))
        } catch {
            return .failure(error)
        }
    }
}

/// A short, readable rendering of bytes for test names: printable ASCII as is, everything else as `\xNN`.
func visible(_ bytes: [UInt8]) -> String {
    var out = ""
    for b in bytes {
        switch b {
        case 0x0D: out += "\\r"
        case 0x09: out += "\\t"
        case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(b))
        default:
            let hex = String(b, radix: 16, uppercase: true)
            out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
        }
    }
    return out
}
