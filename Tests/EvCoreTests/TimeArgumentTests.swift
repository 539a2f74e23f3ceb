import EvCore
import Testing

@Suite("RFC 3339 and command-line times")
struct TimeArgumentTests {
    static let now: Int64 = 1_795_345_689_232_116_040  // 2026-11-22T11:08:09.23211604Z

    @Test(
        "RFC 3339 formats and parses back to the same nanosecond",
        arguments: [
            (Int64(0), "1970-01-01T00:00:00Z"),
            (1_700_000_000_000_000_000, "2023-11-14T22:13:20Z"),
            (1_795_345_689_232_116_040, "2026-11-22T11:08:09.23211604Z"),
            (951_782_400_000_000_001, "2000-02-29T00:00:00.000000001Z"),
            (-1, "1969-12-31T23:59:59.999999999Z"),
            (-5_000_000_000, "1969-12-31T23:59:55Z"),
        ]
    )
    func rfc3339RoundTrip(nanoseconds: Int64, text: String) {
        #expect(RFC3339.format(nanoseconds: nanoseconds) == text)
        #expect(RFC3339.parse(text) == nanoseconds)
    }

    @Test(
        "RFC 3339 accepts offsets, lower-case separators and any fraction length",
        arguments: [
            ("2023-11-14T23:13:20+01:00", Int64(1_700_000_000_000_000_000)),
            ("2023-11-14T17:13:20-05:00", 1_700_000_000_000_000_000),
            ("2023-11-14t22:13:20z", 1_700_000_000_000_000_000),
            ("2023-11-14 22:13:20Z", 1_700_000_000_000_000_000),
            ("2023-11-14T22:13:20.5Z", 1_700_000_000_500_000_000),
            ("2023-11-14T22:13:20.1234567891Z", 1_700_000_000_123_456_789),
        ]
    )
    func rfc3339Forms(text: String, nanoseconds: Int64) {
        #expect(RFC3339.parse(text) == nanoseconds)
    }

    @Test(
        "RFC 3339 rejects what is not a valid time",
        arguments: [
            "2023-11-14", "2023-11-14T22:13:20", "2023-13-14T22:13:20Z", "2023-02-29T00:00:00Z", "2023-11-14T24:00:00Z",
            "2023-11-14T22:13:20.Z", "2023-11-14T22:13:20+1:00", "2023-11-14T22:13:20Zjunk", "not a time",
        ]
    )
    func rfc3339Rejects(text: String) {
        #expect(RFC3339.parse(text) == nil)
    }

    @Test(
        "command-line times: RFC 3339, unix time in any unit, now and relative",
        arguments: [
            ("2023-11-14T22:13:20Z", Int64(1_700_000_000_000_000_000)),
            ("1700000000", 1_700_000_000_000_000_000),
            ("1700000000.25", 1_700_000_000_250_000_000),
            ("1700000000123", 1_700_000_000_123_000_000),
            ("1700000000123456", 1_700_000_000_123_456_000),
            ("1700000000123456789", 1_700_000_000_123_456_789),
            ("1700000000s", 1_700_000_000_000_000_000),
            ("1700000000123ms", 1_700_000_000_123_000_000),
            ("1700000000123456us", 1_700_000_000_123_456_000),
            ("5ns", 5),
            ("now", now),
            ("-15m", now - 900_000_000_000),
            ("now-2h", now - 7_200_000_000_000),
            ("+1d", now + 86_400_000_000_000),
            ("-30s", now - 30_000_000_000),
        ]
    )
    func commandLineTimes(text: String, nanoseconds: Int64) {
        #expect(TimeArgument.parse(text, now: Self.now) == nanoseconds)
    }

    @Test("command-line times reject garbage and overflow", arguments: ["", "yesterday", "-15x", "now-", "1e400", "99999999999999999999s", "-99999999999d"])
    func commandLineRejects(text: String) {
        #expect(TimeArgument.parse(text, now: Self.now) == nil)
    }
}
