import ArgumentParser
import EvCore
import EvStorage

/// `--from T` / `--to T` on event time; T is RFC 3339, unix time (s/ms/us/ns), `now` or `-15m`.
struct TimeRangeOptions: ParsableArguments {
    @Option(name: .long, parsing: .unconditional, help: "Only events at or after this time (RFC 3339, unix seconds or ns, now, -15m).")
    var from: String?

    @Option(name: .long, parsing: .unconditional, help: "Only events at or before this time.")
    var to: String?

    func resolve() throws -> (Int64?, Int64?) {
        let now = WallClock.nowNanoseconds()
        return (try parseTimeOption(from, "from", now: now), try parseTimeOption(to, "to", now: now))
    }
}

/// The value of a time option (`--from`, `--at`, …), or a usage error naming the option.
func parseTimeOption(_ text: String?, _ name: String, now: Int64) throws -> Int64? {
    guard let text else { return nil }
    guard let t = TimeArgument.parse(text, now: now) else {
        throw ValidationError("--\(name) '\(text)' is not a time: use RFC 3339, unix seconds/ms/us/ns, now or -15m")
    }
    return t
}
