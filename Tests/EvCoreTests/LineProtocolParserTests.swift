import EvCore
import Testing

/// Table tests from the InfluxDB line-protocol reference, plus evq's typed events and limits.
@Suite struct LineProtocolParserTests {
    // MARK: - Field values

    struct FloatCase: Sendable, CustomTestStringConvertible {
        var line: String
        var value: Double
        var testDescription: String { line }
    }

    static let floatCases: [FloatCase] = [
        FloatCase(line: "m f=1", value: 1),
        FloatCase(line: "m f=1.5", value: 1.5),
        FloatCase(line: "m f=-1.5e-3", value: -1.5e-3),
        FloatCase(line: "m f=1E10", value: 1e10),
        FloatCase(line: "m f=.5", value: 0.5),
        FloatCase(line: "m f=-.5", value: -0.5),
        FloatCase(line: "m f=1.", value: 1),
        FloatCase(line: "m f=+1.5", value: 1.5),
        FloatCase(line: "m f=0", value: 0),
        FloatCase(line: "m f=-0", value: -0.0),
        FloatCase(line: "m f=-0.0", value: -0.0),
        FloatCase(line: "m f=1e+3", value: 1000),
        FloatCase(line: "m f=2.5E-2", value: 0.025),
        FloatCase(line: "m f=0.1", value: 0.1),
        FloatCase(line: "m f=8.3", value: 8.3),
        FloatCase(line: "m f=0.000000000000000000001", value: 1e-21),
        FloatCase(line: "m f=1e22", value: 1e22),
        FloatCase(line: "m f=1e23", value: 1e23),
        FloatCase(line: "m f=0.30000000000000004", value: 0.30000000000000004),
        FloatCase(line: "m f=9007199254740993", value: 9_007_199_254_740_992),
        FloatCase(line: "m f=123456789012345678901234567890", value: 1.2345678901234568e29),
        FloatCase(line: "m f=1.7976931348623157e308", value: .greatestFiniteMagnitude),
        FloatCase(line: "m f=-1.7976931348623157e308", value: -.greatestFiniteMagnitude),
        FloatCase(line: "m f=2.2250738585072014e-308", value: .leastNormalMagnitude),
        FloatCase(line: "m f=4.9e-324", value: .leastNonzeroMagnitude),
        FloatCase(line: "m f=1e-400", value: 0),
    ]

    @Test("float field values in every form parse to the correctly rounded double", arguments: floatCases)
    func floatValue(_ c: FloatCase) throws {
        let event = try #require(parseLine(c.line).event)
        let value = try #require(event.field("f"))
        guard case .float(let v) = value else {
            Issue.record("expected a float, got \(value)")
            return
        }
        #expect(v.bitPattern == c.value.bitPattern, "got \(v), want \(c.value)")
    }

    static let integerCases: [(String, FieldValue)] = [
        ("m f=12i", .int(12)),
        ("m f=-3i", .int(-3)),
        ("m f=0i", .int(0)),
        ("m f=-0i", .int(0)),
        ("m f=9223372036854775807i", .int(.max)),
        ("m f=-9223372036854775808i", .int(.min)),
        ("m f=12u", .uint(12)),
        ("m f=0u", .uint(0)),
        ("m f=18446744073709551615u", .uint(.max)),
    ]

    @Test("integer and unsigned field values parse, extremes included", arguments: integerCases)
    func integerValue(line: String, value: FieldValue) throws {
        let event = try #require(parseLine(line).event)
        #expect(event.field("f") == value)
    }

    static let stringCases: [(String, String)] = [
        (#"m f="hello""#, "hello"),
        (#"m f="""#, ""),
        (#"m f="say \"hi\"""#, #"say "hi""#),
        (#"m f="back\\slash""#, #"back\slash"#),
        (#"m f="trailing\\""#, #"trailing\"#),
        (#"m f="\\\"""#, #"\""#),
        (#"m f="a\nb""#, #"a\nb"#),
        (#"m f="a\b""#, #"a\b"#),
        (#"m f="a, b=c d""#, "a, b=c d"),
        (#"m f="  ""#, "  "),
        (#"m f="héllo ✓ 🙂""#, "héllo ✓ 🙂"),
        (#"m f="x=1i,y=2 3""#, "x=1i,y=2 3"),
    ]

    @Test("string field values unescape only \\\" and \\\\", arguments: stringCases)
    func stringValue(line: String, value: String) throws {
        let event = try #require(parseLine(line).event)
        #expect(event.field("f") == .string(value))
    }

    static let booleanCases: [(String, Bool)] = [
        ("t", true), ("T", true), ("true", true), ("True", true), ("TRUE", true),
        ("f", false), ("F", false), ("false", false), ("False", false), ("FALSE", false),
    ]

    @Test("booleans are accepted in all ten spellings", arguments: booleanCases)
    func booleanValue(word: String, value: Bool) throws {
        let event = try #require(parseLine("m b=\(word)").event)
        #expect(event.field("b") == .bool(value))
    }

    @Test("one line carries all five field types, in order")
    func allFieldTypes() throws {
        let event = try #require(parseLine(#"m a=1.5,b=-2i,c=3u,d="x y",e=T 17"#).event)
        #expect(event.shape.fieldKeys == ["a", "b", "c", "d", "e"])
        #expect(event.shape.fieldTypes == [.float, .int, .uint, .string, .bool])
        #expect(event.values == [.float(1.5), .int(-2), .uint(3), .string("x y"), .bool(true)])
        #expect(event.time == 17)
    }

    // MARK: - Names and escaping

    struct NameCase: Sendable, CustomTestStringConvertible {
        var line: String
        var measurement: String
        var tags: [Tag] = []
        var fieldKeys: [String] = ["f"]
        var testDescription: String { line }
    }

    static let nameCases: [NameCase] = [
        NameCase(line: #"my\ meas\,ure f=1"#, measurement: "my meas,ure"),
        NameCase(line: "m=eq f=1", measurement: "m=eq"),
        NameCase(line: #"m\=eq f=1"#, measurement: "m=eq"),
        NameCase(line: #"m\\ f=1"#, measurement: #"m\"#),
        NameCase(line: #"m\x f=1"#, measurement: #"m\x"#),
        NameCase(line: #"\ lead f=1"#, measurement: " lead"),
        NameCase(line: #""quoted" f=1"#, measurement: #""quoted""#),
        NameCase(line: #"m,t\ k\,e\=y=v\ a\,l\=ue f=1"#, measurement: "m", tags: [Tag("t k,e=y", "v a,l=ue")]),
        NameCase(line: #"m,t=a\b f=1"#, measurement: "m", tags: [Tag("t", #"a\b"#)]),
        NameCase(line: #"m,t=a\\b f=1"#, measurement: "m", tags: [Tag("t", #"a\b"#)]),
        NameCase(line: #"m,t=a\\ f=1"#, measurement: "m", tags: [Tag("t", #"a\"#)]),
        NameCase(line: #"m,t="q" f=1"#, measurement: "m", tags: [Tag("t", #""q""#)]),
        NameCase(line: "m,t=v=w f=1", measurement: "m", tags: [Tag("t", "v=w")]),
        NameCase(line: "m,b=2,a=1 f=1", measurement: "m", tags: [Tag("b", "2"), Tag("a", "1")]),
        NameCase(line: #"m f\ k\,e\=y=1"#, measurement: "m", fieldKeys: ["f k,e=y"]),
        NameCase(line: #"m f\\=1"#, measurement: "m", fieldKeys: [#"f\"#]),
        NameCase(line: #"m "f"=1"#, measurement: "m", fieldKeys: [#""f""#]),
        NameCase(line: "m #f=1", measurement: "m", fieldKeys: ["#f"]),
        NameCase(line: "m#x,#t=#v f=1", measurement: "m#x", tags: [Tag("#t", "#v")]),
        NameCase(
            line: #"température,lieu=salle\ à\ manger valeur=21.5"#,
            measurement: "température",
            tags: [Tag("lieu", "salle à manger")],
            fieldKeys: ["valeur"]
        ),
        NameCase(line: "測定,タグ=値 フィールド=1", measurement: "測定", tags: [Tag("タグ", "値")], fieldKeys: ["フィールド"]),
        NameCase(line: "🙂,😀=😃 🚀=1", measurement: "🙂", tags: [Tag("😀", "😃")], fieldKeys: ["🚀"]),
    ]

    @Test("measurements, tag keys, tag values and field keys unescape , space = and \\", arguments: nameCases)
    func names(_ c: NameCase) throws {
        let event = try #require(parseLine(c.line).event)
        #expect(event.measurement == c.measurement)
        #expect(event.tags == c.tags)
        #expect(event.shape.fieldKeys == c.fieldKeys)
    }

    // MARK: - Timestamps

    static let timestampCases: [(String, Int64, Bool)] = [
        ("m f=1", testReceiveTime, false),
        ("m f=1 1465839830100400200", 1_465_839_830_100_400_200, true),
        ("m f=1 0", 0, true),
        ("m f=1 -1", -1, true),
        ("m f=1 -9223372036854775808", .min, true),
        ("m f=1 9223372036854775807", .max, true),
        ("m f=1  123  ", 123, true),
        ("m  f=1", testReceiveTime, false),
        ("m f=1 ", testReceiveTime, false),
        ("m f=1   ", testReceiveTime, false),
    ]

    @Test("a line without a timestamp takes the receive time", arguments: timestampCases)
    func timestamp(line: String, time: Int64, hasTimestamp: Bool) throws {
        var parser = LineProtocolParser()
        let event = try #require(parser.parseLine(line).event)
        #expect(event.time == time)
        #expect(event.receiveTime == testReceiveTime)
        #expect(parser.hasTimestamp == hasTimestamp)
    }

    static let precisionCases: [(Precision, String, Int64)] = [
        (.seconds, "m f=1 1700000000", 1_700_000_000_000_000_000),
        (.milliseconds, "m f=1 1700000000123", 1_700_000_000_123_000_000),
        (.microseconds, "m f=1 1700000000123456", 1_700_000_000_123_456_000),
        (.nanoseconds, "m f=1 1700000000123456789", 1_700_000_000_123_456_789),
        (.seconds, "m f=1 -1", -1_000_000_000),
        (.seconds, "m f=1 9223372036", 9_223_372_036_000_000_000),
        (.seconds, "m f=1", testReceiveTime),
        (.milliseconds, "m f=1", testReceiveTime),
    ]

    @Test("timestamps are scaled by the connection's precision; receive times are not", arguments: precisionCases)
    func precision(precision: Precision, line: String, time: Int64) throws {
        let event = try #require(parseLine(line, precision: precision).event)
        #expect(event.time == time)
    }

    @Test("Precision names and units match #evq precision")
    func precisionUnits() {
        #expect(Precision.allCases.map(\.rawValue) == ["s", "ms", "us", "ns"])
        #expect(Precision.allCases.map(\.nanosecondsPerUnit) == [1_000_000_000, 1_000_000, 1_000, 1])
    }

    // MARK: - Line shapes

    static let crlfCases: [(String, Int64?)] = [
        ("m f=1 5\r", 5),
        ("m f=1\r", nil),
        ("m f=\"x\"\r", nil),
        ("m f=1 5 \r", 5),
    ]

    @Test("a trailing carriage return is ignored", arguments: crlfCases)
    func crlf(line: String, time: Int64?) throws {
        let event = try #require(parseLine(line).event)
        #expect(event.time == time ?? testReceiveTime)
        #expect(event.values.count == 1)
        if case .string(let s) = event.values[0] { #expect(s == "x") }
    }

    static let blankLines: [[UInt8]] = [[], [0x20], [0x09], Array("   \t ".utf8), [0x0D], Array(" \t\r".utf8)]

    @Test("empty and all-blank lines are blank", arguments: blankLines)
    func blank(_ bytes: [UInt8]) {
        let result = parseLine(bytes)
        guard case .blank = result else {
            Issue.record("\(visible(bytes)): \(result)")
            return
        }
    }

    static let commentLines: [[UInt8]] = [
        Array("#".utf8), Array("# comment".utf8), Array("   # indented".utf8), Array("\t#x".utf8),
        Array("#evq sync 1".utf8), Array("# m f=1".utf8), Array("#\r".utf8), [0x23, 0xFF, 0xFE],
    ]

    @Test("lines starting with # (after blanks) are comments, whatever follows", arguments: commentLines)
    func comment(_ bytes: [UInt8]) {
        let result = parseLine(bytes)
        guard case .comment = result else {
            Issue.record("\(visible(bytes)): \(result)")
            return
        }
    }

    @Test("leading spaces and tabs before the measurement are skipped", arguments: ["  m f=1", "\tm f=1", " \t m f=1"])
    func leadingBlanks(_ line: String) throws {
        let event = try #require(parseLine(line).event)
        #expect(event.measurement == "m")
    }

    // MARK: - Errors

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        var bytes: [UInt8]
        var column: Int
        var reason: String
        var limits: Limits = .default

        init(_ line: String, column: Int, _ reason: String, limits: Limits = .default) {
            self.bytes = Array(line.utf8)
            self.column = column
            self.reason = reason
            self.limits = limits
        }

        init(bytes: [UInt8], column: Int, _ reason: String) {
            self.bytes = bytes
            self.column = column
            self.reason = reason
        }

        var testDescription: String { visible(bytes) }
    }

    static let syntaxErrors: [ErrorCase] = [
        // Field values.
        ErrorCase("m f=12x", column: 5, #"invalid float field value "12x""#),
        ErrorCase("m f=12xi", column: 5, #"invalid integer field value "12xi""#),
        ErrorCase("m f=1.5i", column: 5, #"invalid integer field value "1.5i""#),
        ErrorCase("m f=i", column: 5, #"invalid integer field value "i""#),
        ErrorCase("m f=9223372036854775808i", column: 5, #"invalid integer field value "9223372036854775808i""#),
        ErrorCase("m f=-9223372036854775809i", column: 5, #"invalid integer field value "-9223372036854775809i""#),
        ErrorCase("m f=-1u", column: 5, #"invalid unsigned field value "-1u""#),
        ErrorCase("m f=18446744073709551616u", column: 5, #"invalid unsigned field value "18446744073709551616u""#),
        ErrorCase("m f=1e400", column: 5, #"invalid float field value "1e400""#),
        ErrorCase("m f=1.2.3", column: 5, #"invalid float field value "1.2.3""#),
        ErrorCase("m f=--1", column: 5, #"invalid float field value "--1""#),
        ErrorCase("m f=1e", column: 5, #"invalid float field value "1e""#),
        ErrorCase("m f=.", column: 5, #"invalid float field value ".""#),
        ErrorCase("m f=yes", column: 5, #"invalid float field value "yes""#),
        ErrorCase("m f=tr", column: 5, #"invalid field value "tr""#),
        ErrorCase("m f=fals", column: 5, #"invalid field value "fals""#),
        // A misspelt boolean ending in "u" or "i" is still reported as a bad boolean, not a bad number.
        ErrorCase("m f=tru", column: 5, #"invalid field value "tru""#),
        ErrorCase("m f=fi", column: 5, #"invalid field value "fi""#),
        ErrorCase("m f=True1", column: 5, #"invalid field value "True1""#),
        ErrorCase("m a=1,b=12x", column: 9, #"invalid float field value "12x""#),
        // Missing parts.
        ErrorCase("m", column: 2, "missing fields"),
        ErrorCase("m ", column: 3, "missing fields"),
        ErrorCase("m,t=v", column: 6, "missing fields"),
        ErrorCase("m,t=v   ", column: 9, "missing fields"),
        ErrorCase("m,t=v\r", column: 6, "missing fields"),
        ErrorCase(",t=v f=1", column: 1, "missing measurement"),
        ErrorCase("  ,t=v f=1", column: 3, "missing measurement"),
        ErrorCase("m,=v f=1", column: 3, "missing tag key"),
        ErrorCase("m, f=1", column: 3, "missing tag key"),
        ErrorCase("m,t f=1", column: 4, #"missing "=" after "t""#),
        ErrorCase("m,t= f=1", column: 5, #"missing tag value for "t""#),
        ErrorCase("m,t=,u=1 f=1", column: 5, #"missing tag value for "t""#),
        ErrorCase("m =1", column: 3, "missing field key"),
        ErrorCase("m f=1,", column: 7, "missing field key"),
        ErrorCase("m f", column: 4, #"missing "=" after "f""#),
        ErrorCase("m f g=1", column: 4, #"missing "=" after "f""#),
        ErrorCase("m f=", column: 5, #"missing field value for "f""#),
        ErrorCase("m f=,g=1", column: 5, #"missing field value for "f""#),
        ErrorCase("m f= 1", column: 5, #"missing field value for "f""#),
        // Duplicates.
        ErrorCase("m,t=1,t=2 f=1", column: 7, #"duplicate tag key "t""#),
        ErrorCase("m f=1,f=2", column: 7, #"duplicate field key "f""#),
        ErrorCase("m f=1,g=2i,f=\"x\"", column: 12, #"duplicate field key "f""#),
        ErrorCase(#"m a\ b=1,a\ b=2"#, column: 10, #"duplicate field key "a b""#),
        // Strings.
        ErrorCase("m f=\"abc", column: 5, "unterminated string field value"),
        ErrorCase(#"m f="abc\""#, column: 5, "unterminated string field value"),
        ErrorCase("m f=\"", column: 5, "unterminated string field value"),
        ErrorCase("m f=1i,g=\"x", column: 10, "unterminated string field value"),
        ErrorCase(#"m f="a"x"#, column: 8, #"invalid field value "\"a\"x""#),
        // Timestamps.
        ErrorCase("m f=1 12a", column: 7, #"invalid timestamp "12a""#),
        ErrorCase("m f=1 abc", column: 7, #"invalid timestamp "abc""#),
        ErrorCase("m f=1 +5", column: 7, #"invalid timestamp "+5""#),
        ErrorCase("m f=1 1.5", column: 7, #"invalid timestamp "1.5""#),
        ErrorCase("m f=1 -", column: 7, #"invalid timestamp "-""#),
        ErrorCase("m f=1 1e9", column: 7, #"invalid timestamp "1e9""#),
        ErrorCase("m f=1 99999999999999999999", column: 7, #"timestamp out of range "99999999999999999999""#),
        ErrorCase("m f=1 -99999999999999999999", column: 7, #"timestamp out of range "-99999999999999999999""#),
        ErrorCase("m f=1 1 2", column: 9, #"unexpected text after timestamp "2""#),
        ErrorCase("m f=1 1  2 3", column: 10, #"unexpected text after timestamp "2 3""#),
    ]

    @Test("malformed lines are rejected with the byte column and reason", arguments: syntaxErrors)
    func syntaxError(_ c: ErrorCase) {
        expectError(c)
    }

    static let limitErrors: [ErrorCase] = [
        ErrorCase("m a=1,b=2,c=3", column: 11, "too many fields (limit 2)", limits: Limits(fieldCountMax: 2)),
        ErrorCase("m,a=1,b=2 f=1", column: 7, "too many tags (limit 1)", limits: Limits(tagCountMax: 1)),
        ErrorCase("abcde f=1", column: 1, "name too long (limit 4 bytes)", limits: Limits(nameBytesMax: 4)),
        ErrorCase("m,abcde=1 f=1", column: 3, "name too long (limit 4 bytes)", limits: Limits(nameBytesMax: 4)),
        ErrorCase("m,k=abcde f=1", column: 5, "name too long (limit 4 bytes)", limits: Limits(nameBytesMax: 4)),
        ErrorCase("m abcde=1", column: 3, "name too long (limit 4 bytes)", limits: Limits(nameBytesMax: 4)),
        ErrorCase("mé\\ éé f=1", column: 1, "name too long (limit 4 bytes)", limits: Limits(nameBytesMax: 4)),
        ErrorCase(
            "m f=\"abcd\"",
            column: 5,
            "string field value too long (limit 3 bytes)",
            limits: Limits(stringFieldBytesMax: 3)
        ),
        ErrorCase(
            #"m f="a\"bc""#,
            column: 5,
            "string field value too long (limit 3 bytes)",
            limits: Limits(stringFieldBytesMax: 3)
        ),
        ErrorCase("m f=1234567", column: 11, "line too long (11 bytes > 10)", limits: Limits(lineBytesMax: 10)),
        ErrorCase("m f=1 23456789", column: 11, "line too long (14 bytes > 10)", limits: Limits(lineBytesMax: 10)),
    ]

    @Test("lines beyond the limits are rejected with the limit in the reason", arguments: limitErrors)
    func limitError(_ c: ErrorCase) {
        expectError(c)
    }

    static let withinLimits: [(String, Limits)] = [
        ("m a=1,b=2", Limits(fieldCountMax: 2)),
        ("m,a=1 f=1", Limits(tagCountMax: 1)),
        ("abcd,efgh=ijkl mnop=1", Limits(nameBytesMax: 4)),
        (#"a\ b\, f=1"#, Limits(nameBytesMax: 4)),
        ("m f=\"abc\"", Limits(stringFieldBytesMax: 3)),
        (#"m f="\"\\""#, Limits(stringFieldBytesMax: 2)),
        ("m f=123456", Limits(lineBytesMax: 10)),
        ("m f=123456\r", Limits(lineBytesMax: 10)),
    ]

    @Test("lines exactly at a limit are accepted (names and strings count unescaped bytes)", arguments: withinLimits)
    func atLimit(line: String, limits: Limits) {
        let result = parseLine(line, limits: limits)
        #expect(result.event != nil, "\(result)")
    }

    static let utf8Errors: [ErrorCase] = [
        ErrorCase(bytes: Array("m f=\"".utf8) + [0xFF, 0x22], column: 6, "invalid UTF-8"),
        ErrorCase(bytes: Array("m,t=".utf8) + [0xC0, 0x80] + Array(" f=1".utf8), column: 5, "invalid UTF-8"),
        ErrorCase(bytes: [0x78, 0xED, 0xA0, 0x80] + Array(" f=1".utf8), column: 2, "invalid UTF-8"),
        ErrorCase(bytes: Array("m f=\"".utf8) + [0xE2, 0x82], column: 6, "invalid UTF-8"),
        ErrorCase(bytes: Array("m f=1 ".utf8) + [0xE2, 0x82, 0x41], column: 7, "invalid UTF-8"),
        ErrorCase(bytes: [0x80] + Array(" f=1".utf8), column: 1, "invalid UTF-8"),
        ErrorCase(bytes: Array("m ".utf8) + [0xF5, 0x80, 0x80, 0x80] + Array("=1".utf8), column: 3, "invalid UTF-8"),
        ErrorCase(bytes: Array("m ".utf8) + [0xF4, 0x90, 0x80, 0x80] + Array("=1".utf8), column: 3, "invalid UTF-8"),
        ErrorCase(bytes: Array("m ".utf8) + [0xE0, 0x9F, 0xBF] + Array("=1".utf8), column: 3, "invalid UTF-8"),
        // The encoding is checked before the syntax.
        ErrorCase(bytes: Array("m f=12x ".utf8) + [0xFE], column: 9, "invalid UTF-8"),
    ]

    @Test("invalid UTF-8 anywhere in a line is rejected at its first bad byte", arguments: utf8Errors)
    func utf8Error(_ c: ErrorCase) {
        expectError(c)
    }

    @Test("valid multi-byte UTF-8 of every length is accepted")
    func utf8Valid() throws {
        // U+0080, U+07FF, U+0800, U+FFFF, U+10000, U+10FFFF: the boundaries of each encoding length.
        let s = "\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000}\u{10FFFF}"
        let event = try #require(parseLine("m \(s)=\"\(s)\"").event)
        #expect(event.field(s) == .string(s))
    }

    @Test("error descriptions quote and shorten what they echo")
    func errorQuoting() {
        let long = String(repeating: "x", count: 100)
        let result = parseLine("m f=\(long)")
        let expected = "invalid float field value \"" + String(repeating: "x", count: 64) + "…\""
        #expect(result.error?.description == expected)
        #expect(
            LineProtocolError(column: 1, .invalidTimestamp("a\tb\u{7}\\")).description
                == #"invalid timestamp "a\tb\x7\\""#
        )
    }

    // MARK: - Typed events

    static let healthWords: [(String, HealthColor)] = HealthColor.statusWords.map { ($0.word, $0.color) }

    @Test("health accepts each status word in any ASCII case", arguments: healthWords)
    func healthWord(word: String, color: HealthColor) throws {
        for spelling in [word, word.uppercased(), word.prefix(1).uppercased() + word.dropFirst()] {
            var parser = LineProtocolParser()
            let event = try #require(parser.parseLine("health,component=db status=\"\(spelling)\"").event)
            #expect(event.kind == .health)
            #expect(parser.kind == .health)
            #expect(HealthColor(statusWord: spelling.utf8) == color)
        }
    }

    static let validTypedLines: [(String, EventKind)] = [
        ("health,component=tws status=\"ok\",latency_ms=12.5,message=\"fine\",host=\"gw\",port=4001i", .health),
        ("health,host=a,component=db latency_ms=3,status=\"Degraded\" 1700000000000000000", .health),
        ("heartbeat,component=feed seq=1i", .heartbeat),
        ("heartbeat,component=feed,x=y lag=0.5,ok=true", .heartbeat),
        ("slot,strategy=s1,conid=265598,symbol=AAPL action=\"acquire\"", .slot),
        ("slot,symbol=AAPL,conid=265598,strategy=s1 qty=100i,action=\"RELEASE\"", .slot),
        ("alert,alert=disk_full,severity=critical state=\"firing\",message=\"95%\",value=95.5", .alert),
        ("alert,alert=disk_full,severity=Warning state=\"resolved\"", .alert),
        ("alert,alert=disk_full,severity=INFO state=\"ack\",by=\"ops\"", .alert),
        ("Health,x=1 status=\"whatever\"", .metric),
        ("healthcheck f=1", .metric),
        ("slots action=\"hold\"", .metric),
    ]

    @Test(
        "typed events with their required tags and words parse; near-miss names are metrics",
        arguments: validTypedLines
    )
    func typedValid(line: String, kind: EventKind) throws {
        let result = parseLine(line)
        let event = try #require(result.event, "\(result)")
        #expect(event.kind == kind)
    }

    static let typedErrors: [ErrorCase] = [
        ErrorCase("health status=\"ok\"", column: 1, #"health line needs tag "component""#),
        ErrorCase("health,component=db latency_ms=3", column: 1, #"health line needs field "status""#),
        ErrorCase("health,component=db status=1i", column: 28, #"field "status" must be a string, not an integer"#),
        ErrorCase(
            "health,component=db status=\"sleepy\"",
            column: 28,
            #"unknown status "sleepy" (expected one of ok, healthy, up, connected, warning, degraded, connecting, critical, down, disconnected, error, stale)"#
        ),
        ErrorCase(
            "health,component=db status=\"\"",
            column: 28,
            #"unknown status "" (expected one of ok, healthy, up, connected, warning, degraded, connecting, critical, down, disconnected, error, stale)"#
        ),
        ErrorCase("heartbeat seq=1i", column: 1, #"heartbeat line needs tag "component""#),
        ErrorCase("slot,strategy=s,conid=1 action=\"acquire\"", column: 1, #"slot line needs tag "symbol""#),
        ErrorCase("slot,conid=1,symbol=X action=\"acquire\"", column: 1, #"slot line needs tag "strategy""#),
        ErrorCase("slot,strategy=s,conid=1,symbol=X size=1", column: 1, #"slot line needs field "action""#),
        ErrorCase(
            "slot,strategy=s,conid=1,symbol=X action=\"hold\"",
            column: 41,
            #"unknown action "hold" (expected one of acquire, release)"#
        ),
        ErrorCase(
            "slot,strategy=s,conid=1,symbol=X action=t",
            column: 41,
            #"field "action" must be a string, not a boolean"#
        ),
        ErrorCase("alert,severity=critical state=\"firing\"", column: 1, #"alert line needs tag "alert""#),
        ErrorCase("alert,alert=disk state=\"firing\"", column: 1, #"alert line needs tag "severity""#),
        ErrorCase(
            "alert,alert=disk,severity=fatal state=\"firing\"",
            column: 1,
            #"unknown severity "fatal" (expected one of info, warning, critical)"#
        ),
        ErrorCase("alert,alert=disk,severity=info value=1", column: 1, #"alert line needs field "state""#),
        ErrorCase(
            "alert,alert=disk,severity=info state=\"open\"",
            column: 38,
            #"unknown state "open" (expected one of firing, resolved, ack)"#
        ),
    ]

    @Test("typed events without their tags, fields or known words are errors", arguments: typedErrors)
    func typedError(_ c: ErrorCase) {
        expectError(c)
    }

    // MARK: - The parser's own results

    @Test("the parser exposes the last event without allocating an Event")
    func accessors() throws {
        var parser = LineProtocolParser()
        let line = #"cpu,host=a\ b,region=eu usage=0.5,count=3i,label="x\"y",up=true 99"#
        let result = parser.parseLine(line)
        let event = try #require(result.event)
        #expect(Array(parser.measurementBytes) == Array("cpu".utf8))
        #expect(parser.tagValue("host").map { Array($0) } == Array("a b".utf8))
        #expect(parser.tagValue("nope") == nil)
        #expect(parser.fieldIndex("label") == 2)
        #expect(parser.fieldIndex("nope") == nil)
        #expect(parser.values.count == 4)
        #expect(parser.fieldValue(parser.values[2]) == .string(#"x"y"#))
        #expect(parser.time == 99)
        #expect(parser.hasTimestamp)
        #expect(parser.kind == .metric)
        #expect(event.offset == 0)
        var encoded: [UInt8] = []
        EventShapeCodec.encode(event.shape, to: &encoded)
        #expect(parser.shapeKey == encoded)
    }

    @Test("makeEvent numbers the event and keeps both times")
    func makeEventTimes() throws {
        var parser = LineProtocolParser()
        _ = parser.parseLine("m f=1 5")
        let event = parser.makeEvent(offset: 77, receiveTime: 9)
        #expect(event.offset == 77)
        #expect(event.time == 5)
        #expect(event.receiveTime == 9)
    }

    @Test("one parser reused across lines and errors keeps nothing from earlier lines")
    func reuse() throws {
        var parser = LineProtocolParser()
        let first = try #require(parser.parseLine(#"m,t=v,u=w s="abc",x=1,y=2i 5"#).event)
        #expect(first.values.count == 3)
        #expect(parser.parseLine("m,t=v s=\"unterminated").error != nil)
        #expect(parser.parseLine("   ").event == nil)
        let second = try #require(parser.parseLine(#"n z="q""#, receiveTime: 8).event)
        #expect(second.measurement == "n")
        #expect(second.tags.isEmpty)
        #expect(second.values == [.string("q")])
        #expect(second.time == 8)
        #expect(!parser.hasTimestamp)
        let again = try #require(parser.parseLine(#"m,t=v,u=w s="abc",x=1,y=2i 5"#).event)
        #expect(again.isLosslessEqual(to: first))
    }

    @Test("the examples of the line-protocol reference parse as documented")
    func referenceExamples() throws {
        let a = try #require(
            parseLine(#"myMeasurement,tag1=value1,tag2=value2 fieldKey="fieldValue" 1556813561098000000"#).event
        )
        #expect(a.measurement == "myMeasurement")
        #expect(a.tags == [Tag("tag1", "value1"), Tag("tag2", "value2")])
        #expect(a.fields == [Field("fieldKey", .string("fieldValue"))])
        #expect(a.time == 1_556_813_561_098_000_000)

        let b = try #require(
            parseLine(#"home,room=Kitchen temp=22.7,hum=36.1,co=1i 1641067200"#, precision: .seconds).event
        )
        #expect(b.values == [.float(22.7), .float(36.1), .int(1)])
        #expect(b.time == 1_641_067_200_000_000_000)

        let c = try #require(parseLine(#"my\ Measurement fieldKey="string value""#).event)
        #expect(c.measurement == "my Measurement")

        let d = try #require(parseLine(#"myMeasurement fieldKey="\"string\" within a string""#).event)
        #expect(d.field("fieldKey") == .string(#""string" within a string"#))

        let e = try #require(parseLine(#"myMeasurement,tagKey=\ tag\,value\= fieldKey=1i"#).event)
        #expect(e.tags == [Tag("tagKey", " tag,value=")])
    }

    // MARK: - Helpers

    private func expectError(_ c: ErrorCase, sourceLocation: SourceLocation = #_sourceLocation) {
        let result = parseLine(c.bytes, limits: c.limits)
        guard let error = result.error else {
            Issue.record("\(visible(c.bytes)): expected an error, got \(result)", sourceLocation: sourceLocation)
            return
        }
        #expect(error.column == c.column, "column", sourceLocation: sourceLocation)
        #expect(error.description == c.reason, sourceLocation: sourceLocation)
    }
}
