/// A time as users type it on the command line (`spec/cli.md`): RFC 3339, unix time with an optional unit
/// (`1700000000`, `1700000000.5`, `1700000000123ms`, `…us`, `…ns`; a bare integer of 16 or more digits is read
/// as nanoseconds, 13–15 as milliseconds… see `parse`), `now`, or a relative `-15m` / `now-2h` (s, m, h, d).
public enum TimeArgument {
    /// Nanoseconds since the epoch, or `nil` if `text` is none of the accepted forms.
    /// - Parameter now: the reference for `now` and relative forms (the core has no clock: callers pass it).
    public static func parse(_ text: String, now: Int64) -> Int64? {
        if let t = RFC3339.parse(text) { return t }
        if text == "now" { return now }
        var relative = Substring(text)
        if relative.hasPrefix("now") { relative = relative.dropFirst(3) }
        // Relative: a sign, a whole amount, one of s m h d. Anything else signed (`-1.5`, `-1700000000ms`) is read
        // as an absolute time below.
        if relative.hasPrefix("-") || relative.hasPrefix("+"), let unit = relative.last,
            let amount = Int64(relative.dropFirst().dropLast()), amount >= 0,
            let scale: Int64 = ["s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000, "d": 86_400_000_000_000][unit]
        {
            let sign = relative.hasPrefix("-") ? -1 : 1
            // Exact in 128 bits (a span longer than Int64 can still land inside it from the other end); past either
            // end of Int64 is no time, not a wrap and not a trap.
            let delta = Int128(amount) * Int128(scale)
            let t = Int128(now) + (sign < 0 ? -delta : delta)
            return t >= Int128(Int64.min) && t <= Int128(Int64.max) ? Int64(t) : nil
        }
        for (suffix, scale) in [("ns", Int64(1)), ("us", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000)]
        where text.hasSuffix(suffix) {
            guard let v = Int64(text.dropLast(suffix.count)) else { return nil }
            let (ns, overflow) = v.multipliedReportingOverflow(by: scale)
            return overflow ? nil : ns
        }
        if let v = Int64(text) {
            // Bare integers: the unit is inferred from the magnitude (digits of a current date in each unit).
            let digits = String(v.magnitude).count
            let scale: Int64 = digits >= 17 ? 1 : digits >= 14 ? 1_000 : digits >= 12 ? 1_000_000 : 1_000_000_000
            let (ns, overflow) = v.multipliedReportingOverflow(by: scale)
            return overflow ? nil : ns
        }
        // Decimal unix seconds, exactly: "1700000000.25" (up to nanosecond precision).
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 2, let whole = Int64(parts[0]), !parts[1].isEmpty, parts[1].count <= 9,
            parts[1].allSatisfy({ $0.isASCII && $0.isNumber })
        {
            let fraction = Int64(parts[1] + String(repeating: "0", count: 9 - parts[1].count))!
            let (ns, overflow) = whole.multipliedReportingOverflow(by: 1_000_000_000)
            guard !overflow else { return nil }
            let (t, beyond) = parts[0].hasPrefix("-") ? ns.subtractingReportingOverflow(fraction) : ns.addingReportingOverflow(fraction)
            return beyond ? nil : t
        }
        return nil
    }
}
