/// A field value as the parser leaves it: numbers decoded, strings as a range of `LineProtocolParser.stringBytes`.
public enum ParsedValue: Sendable, Hashable {
    case float(Double)
    case int(Int64)
    case uint(UInt64)
    case bool(Bool)
    case string(Range<Int>)

    public var type: FieldType {
        switch self {
        case .float: .float
        case .int: .int
        case .uint: .uint
        case .string: .string
        case .bool: .bool
        }
    }
}
