import EvCore
import Testing

/// `#evq sync TOKEN` and `#evq precision s|ms|us|ns`, and the comments that are not controls.
@Suite struct ControlLineTests {
    static let controls: [(String, ControlLine)] = [
        ("#evq sync abc", .sync(token: "abc")),
        ("#evq sync 42\r", .sync(token: "42")),
        ("  #evq sync t-1", .sync(token: "t-1")),
        ("\t#evq sync x", .sync(token: "x")),
        ("#evq   sync   tok   ", .sync(token: "tok")),
        ("#evq sync " + String(repeating: "~", count: 128), .sync(token: String(repeating: "~", count: 128))),
        ("#evq sync !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", .sync(token: "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")),
        ("#evq precision s", .precision(.seconds)),
        ("#evq precision ms", .precision(.milliseconds)),
        ("#evq precision us", .precision(.microseconds)),
        ("#evq precision ns", .precision(.nanoseconds)),
        ("#evq precision ns\r", .precision(.nanoseconds)),
    ]

    @Test("control lines parse to their command", arguments: controls)
    func control(line: String, expected: ControlLine) {
        #expect(parseControl(line) == .success(expected))
    }

    static let ordinaryComments = [
        "# just a comment", "#", "#evqsync x", "#evq\tsync x", "#EVQ sync x", "# evq sync x", "#ev", "m f=1", "",
    ]

    @Test("other comments are not controls", arguments: ordinaryComments)
    func ordinary(line: String) {
        #expect(parseControl(line) == .success(nil))
    }

    static let errors: [(String, Int, String)] = [
        ("#evq", 1, "invalid control line: missing command after #evq"),
        ("#evq ", 1, "invalid control line: missing command after #evq"),
        ("  #evq   ", 3, "invalid control line: missing command after #evq"),
        ("#evq sync", 6, "invalid control line: usage: #evq sync TOKEN"),
        ("#evq sync a b", 6, "invalid control line: usage: #evq sync TOKEN"),
        (
            "#evq sync " + String(repeating: "x", count: 129), 11,
            "invalid control line: sync token must be 1-128 visible ASCII characters"
        ),
        ("#evq sync héllo", 11, "invalid control line: sync token must be 1-128 visible ASCII characters"),
        ("#evq sync a\tb", 11, "invalid control line: sync token must be 1-128 visible ASCII characters"),
        ("#evq  sync a\u{7F}", 12, "invalid control line: sync token must be 1-128 visible ASCII characters"),
        ("#evq precision", 6, "invalid control line: usage: #evq precision s|ms|us|ns"),
        ("#evq precision h", 6, "invalid control line: usage: #evq precision s|ms|us|ns"),
        ("#evq precision MS", 6, "invalid control line: usage: #evq precision s|ms|us|ns"),
        ("#evq precision s ms", 6, "invalid control line: usage: #evq precision s|ms|us|ns"),
        ("#evq flush", 6, #"unknown control line "flush""#),
        ("#evq SYNC x", 6, #"unknown control line "SYNC""#),
        (" #evq  hello world", 8, #"unknown control line "hello""#),
    ]

    @Test("malformed and unknown controls are errors with a column", arguments: errors)
    func error(line: String, column: Int, reason: String) {
        switch parseControl(line) {
        case .success(let control):
            Issue.record("expected an error, got \(String(describing: control))")
        case .failure(let error):
            #expect(error.column == column)
            #expect(error.description == reason)
        }
    }

    @Test("the parser reports control lines as comments, for the caller to interpret")
    func parserSeesComments() {
        for line in ["#evq sync abc", "#evq precision ms", "#evq bogus", "  #evq sync x"] {
            guard case .comment = parseLine(line) else {
                Issue.record("\(line) was not a comment")
                continue
            }
        }
    }

    @Test("a precision control changes how the next lines' timestamps scale")
    func precisionApplies() throws {
        var parser = LineProtocolParser()
        guard case .success(.precision(let precision)?) = parseControl("#evq precision ms") else {
            Issue.record("not a precision control")
            return
        }
        parser.precision = precision
        let event = try #require(parser.parseLine("m f=1 1700000000123").event)
        #expect(event.time == 1_700_000_000_123_000_000)
    }
}
