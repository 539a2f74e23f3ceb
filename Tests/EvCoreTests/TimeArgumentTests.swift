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

/// Every time a user can type near the ends of `Int64` nanoseconds is either a time or `nil`: never a trap
/// (issue 15: `?at=+106000d`, `?at=9223372036.999999999` and `?at=2262-04-11T23:47:16.999999999Z` killed evqd).
@Suite("Times at the ends of the range")
struct TimeArgumentExtremeTests {
    static let references: [Int64] = [.min, .min + 1, -1, 0, TimeArgumentTests.now, .max - 1, .max]

    @Test(
        "relative and absolute times past the ends of Int64 are rejected, those inside are exact",
        arguments: [
            "+106000d", "now+106000d", "+106751d", "-106751d", "+106750d", "now-106752d", "9223372036.999999999",
            "-9223372036.999999999", "9223372036.854775807", "9223372036.854775808", "-9223372036.854775808",
            "-9223372036.854775809", "2262-04-11T23:47:16.999999999Z", "2262-04-11T23:47:16.854775807Z",
            "2262-04-11T23:47:16.854775808Z", "1677-09-21T00:12:43.145224192Z", "1677-09-21T00:12:43.145224191Z",
            "9999-12-31T23:59:59.999999999Z", "0000-01-01T00:00:00Z", "2262-04-11T23:47:16.854775807-23:59",
            "1677-09-21T00:12:43.145224192+23:59", "9223372036854775807", "-9223372036854775808", "9223372036854775807ns",
            "-9223372036854775808ns", "9223372036854775us", "9223372036855ms", "9223372037s", "-9223372037s",
            "+9223372036854775807s", "-9223372036854775808d", "+0d", "-0s",
        ]
    )
    func extremes(text: String) {
        for now in Self.references {
            guard let t = TimeArgument.parse(text, now: now) else { continue }
            // The value, where it exists, is the exact one (checked in wider arithmetic).
            #expect(Self.exact(text, now: now) == t, "\(text) at \(now)")
        }
        #expect(TimeArgument.parse("+106000d", now: TimeArgumentTests.now) == nil)
        #expect(TimeArgument.parse("9223372036.999999999", now: 0) == nil)
        #expect(RFC3339.parse("2262-04-11T23:47:16.999999999Z") == nil)
        #expect(RFC3339.parse("2262-04-11T23:47:16.854775807Z") == .max)
        #expect(RFC3339.parse("1677-09-21T00:12:43.145224192Z") == .min)
        #expect(TimeArgument.parse("9223372036.854775807", now: 0) == .max)
        #expect(TimeArgument.parse("-9223372036.854775808", now: 0) == .min)
        #expect(TimeArgument.parse("-106751d", now: .min) == nil)
    }

    @Test("random relative offsets from random references are a time or nil, and exact when a time")
    func relativeProperty() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let now = Int64.random(in: .min ... .max, using: &rng)
            let unit = ["s", "m", "h", "d"].randomElement(using: &rng)!
            let amount = Int64.random(in: 0...Int64.max >> Int64.random(in: 0...62, using: &rng), using: &rng)
            let text = (Bool.random(using: &rng) ? "+" : "-") + "\(amount)\(unit)"
            let t = TimeArgument.parse(text, now: now)
            #expect(t == Self.exact(text, now: now), "\(text) at \(now)")
        }
    }

    /// The time `text` names, computed in 128-bit arithmetic and rejected when outside `Int64` (the test's oracle).
    static func exact(_ text: String, now: Int64) -> Int64? {
        var body = Substring(text)
        if body.hasPrefix("now") { body = body.dropFirst(3) }
        if let sign = body.first, sign == "+" || sign == "-", let unit = body.last,
            let amount = Int64(body.dropFirst().dropLast()), amount >= 0,
            let scale: Int64 = ["s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000, "d": 86_400_000_000_000][unit]
        {
            let delta = Int128(amount) * Int128(scale)
            let value = Int128(now) + (sign == "-" ? -delta : delta)
            return value >= Int128(Int64.min) && value <= Int128(Int64.max) ? Int64(value) : nil
        }
        return TimeArgument.parse(text, now: now)  // absolute forms: checked by the explicit expectations above
    }
}
