/// Why a line was rejected, and at which byte column (1-based) of the line.
///
/// Its `description` is the `REASON` of the wire reply `err line=N col=C REASON` (`spec/wire-protocol.md`).
public struct LineProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    public var column: Int
    public var reason: Reason

    public init(column: Int, _ reason: Reason) {
        self.column = column
        self.reason = reason
    }

    public var description: String { reason.description }

    public enum Reason: Sendable, Hashable, CustomStringConvertible {
        case lineTooLong(bytes: Int, limit: Int)
        case invalidUTF8
        case missingMeasurement
        case missingTagKey
        case missingTagValue(key: String)
        case missingEquals(after: String)
        case duplicateTag(String)
        case tooManyTags(limit: Int)
        case missingFields
        case missingFieldKey
        case missingFieldValue(key: String)
        case duplicateField(String)
        case tooManyFields(limit: Int)
        case nameTooLong(limit: Int)
        case stringTooLong(limit: Int)
        case unterminatedString
        case invalidFloat(String)
        case invalidInteger(String)
        case invalidUnsigned(String)
        case invalidFieldValue(String)
        case invalidTimestamp(String)
        case timestampOutOfRange(String)
        case unexpectedText(String)
        case missingRequiredTag(measurement: String, tag: String)
        case missingRequiredField(measurement: String, field: String)
        case wrongFieldType(field: String, expected: FieldType, got: FieldType)
        case unknownWord(field: String, word: String, allowed: [String])
        case unknownControl(String)
        case invalidControl(String)
        /// The server requires a token and the connection has not sent `#evq auth TOKEN` yet.
        case authRequired
        /// `#evq auth` with a token that is not the server's (the connection is closed).
        case authFailed

        /// A short, stable name of the reason (the `reason` label of evqd's rejected-lines counter).
        public var code: String {
            switch self {
            case .lineTooLong: "line_too_long"
            case .invalidUTF8: "invalid_utf8"
            case .missingMeasurement: "missing_measurement"
            case .missingTagKey: "missing_tag_key"
            case .missingTagValue: "missing_tag_value"
            case .missingEquals: "missing_equals"
            case .duplicateTag: "duplicate_tag"
            case .tooManyTags: "too_many_tags"
            case .missingFields: "missing_fields"
            case .missingFieldKey: "missing_field_key"
            case .missingFieldValue: "missing_field_value"
            case .duplicateField: "duplicate_field"
            case .tooManyFields: "too_many_fields"
            case .nameTooLong: "name_too_long"
            case .stringTooLong: "string_too_long"
            case .unterminatedString: "unterminated_string"
            case .invalidFloat: "invalid_float"
            case .invalidInteger: "invalid_integer"
            case .invalidUnsigned: "invalid_unsigned"
            case .invalidFieldValue: "invalid_field_value"
            case .invalidTimestamp: "invalid_timestamp"
            case .timestampOutOfRange: "timestamp_out_of_range"
            case .unexpectedText: "unexpected_text"
            case .missingRequiredTag: "missing_required_tag"
            case .missingRequiredField: "missing_required_field"
            case .wrongFieldType: "wrong_field_type"
            case .unknownWord: "unknown_word"
            case .unknownControl: "unknown_control"
            case .invalidControl: "invalid_control"
            case .authRequired: "auth_required"
            case .authFailed: "auth_failed"
            }
        }

        public var description: String {
            switch self {
            case .lineTooLong(let bytes, let limit): "line too long (\(bytes) bytes > \(limit))"
            case .invalidUTF8: "invalid UTF-8"
            case .missingMeasurement: "missing measurement"
            case .missingTagKey: "missing tag key"
            case .missingTagValue(let key): "missing tag value for \(quoted(key))"
            case .missingEquals(let after): "missing \"=\" after \(quoted(after))"
            case .duplicateTag(let key): "duplicate tag key \(quoted(key))"
            case .tooManyTags(let limit): "too many tags (limit \(limit))"
            case .missingFields: "missing fields"
            case .missingFieldKey: "missing field key"
            case .missingFieldValue(let key): "missing field value for \(quoted(key))"
            case .duplicateField(let key): "duplicate field key \(quoted(key))"
            case .tooManyFields(let limit): "too many fields (limit \(limit))"
            case .nameTooLong(let limit): "name too long (limit \(limit) bytes)"
            case .stringTooLong(let limit): "string field value too long (limit \(limit) bytes)"
            case .unterminatedString: "unterminated string field value"
            case .invalidFloat(let text): "invalid float field value \(quoted(text))"
            case .invalidInteger(let text): "invalid integer field value \(quoted(text))"
            case .invalidUnsigned(let text): "invalid unsigned field value \(quoted(text))"
            case .invalidFieldValue(let text): "invalid field value \(quoted(text))"
            case .invalidTimestamp(let text): "invalid timestamp \(quoted(text))"
            case .timestampOutOfRange(let text): "timestamp out of range \(quoted(text))"
            case .unexpectedText(let text): "unexpected text after timestamp \(quoted(text))"
            case .missingRequiredTag(let m, let t): "\(m) line needs tag \(quoted(t))"
            case .missingRequiredField(let m, let f): "\(m) line needs field \(quoted(f))"
            case .wrongFieldType(let f, let expected, let got):
                "field \(quoted(f)) must be \(expected.withArticle), not \(got.withArticle)"
            case .unknownWord(let f, let word, let allowed):
                "unknown \(f) \(quoted(word)) (expected one of \(allowed.joined(separator: ", ")))"
            case .unknownControl(let text): "unknown control line \(quoted(text))"
            case .invalidControl(let text): "invalid control line: \(text)"
            case .authRequired: "auth required: send '#evq auth TOKEN' first"
            case .authFailed: "auth failed: wrong token"
            }
        }

        private func quoted(_ s: String) -> String {
            // Keep replies on one line and short, whatever the input held.
            var out = "\""
            var count = 0
            for scalar in s.unicodeScalars {
                if count == 64 {
                    out += "…"
                    break
                }
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                default:
                    if scalar.value < 0x20 || scalar.value == 0x7F {
                        out += "\\x" + String(scalar.value, radix: 16)
                    } else {
                        out.unicodeScalars.append(scalar)
                    }
                }
                count += 1
            }
            return out + "\""
        }
    }
}
