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
        if relative.hasPrefix("-") || relative.hasPrefix("+") {
            let sign: Int64 = relative.hasPrefix("-") ? -1 : 1
            let body = relative.dropFirst()
            guard let unit = body.last, let amount = Int64(body.dropLast()), amount >= 0 else { return nil }
            let scale: Int64
            switch unit {
            case "s": scale = 1_000_000_000
            case "m": scale = 60_000_000_000
            case "h": scale = 3_600_000_000_000
            case "d": scale = 86_400_000_000_000
            default: return nil
            }
            let (delta, overflow) = amount.multipliedReportingOverflow(by: scale)
            return overflow ? nil : now + sign * delta
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
            return parts[0].hasPrefix("-") ? ns - fraction : ns + fraction
        }
        return nil
    }
}
