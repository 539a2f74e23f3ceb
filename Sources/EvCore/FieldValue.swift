/// A line-protocol field value: one of InfluxDB's five field types.
public enum FieldValue: Sendable, Hashable {
    case float(Double)
    case int(Int64)
    case uint(UInt64)
    case string(String)
    case bool(Bool)

    public var type: FieldType {
        switch self {
        case .float: .float
        case .int: .int
        case .uint: .uint
        case .string: .string
        case .bool: .bool
        }
    }

    /// The value as a number, for numeric series; `nil` for strings. Booleans count as 0 or 1.
    public var numericValue: Double? {
        switch self {
        case .float(let v): v
        case .int(let v): Double(v)
        case .uint(let v): Double(v)
        case .bool(let v): v ? 1 : 0
        case .string: nil
        }
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// Equality that tells `-0.0` from `0.0` and treats NaN bit patterns as values: what "lossless" means on disk.
    public func isBitwiseEqual(to other: FieldValue) -> Bool {
        switch (self, other) {
        case (.float(let a), .float(let b)): a.bitPattern == b.bitPattern
        default: self == other
        }
    }
}

/// The type tag of a field, as stored in a block's shape table. Raw values are on disk: never reuse one.
public enum FieldType: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case float = 1
    case int = 2
    case uint = 3
    case string = 4
    case bool = 5

    public var description: String {
        switch self {
        case .float: "float"
        case .int: "integer"
        case .uint: "unsigned"
        case .string: "string"
        case .bool: "boolean"
        }
    }

    /// "a float", "an integer", …: for messages.
    public var withArticle: String {
        switch self {
        case .int, .uint: "an \(description)"
        default: "a \(description)"
        }
    }
}
