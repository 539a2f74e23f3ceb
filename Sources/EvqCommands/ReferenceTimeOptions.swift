import ArgumentParser
import EvCore
import EvStorage

/// `--at T`: the views as of a past moment (events after T are left out; ages are measured at T).
struct ReferenceTimeOptions: ParsableArguments {
    @Option(name: .long, parsing: .unconditional, help: "Show the state as of this time (RFC 3339, unix time, now, -15m).")
    var at: String?

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    /// The time to evaluate at, and whether it was given (`nil` means all events, aged at now).
    func resolve() throws -> (reference: Int64, cutoff: Int64?) {
        let now = WallClock.nowNanoseconds()
        guard let t = try parseTimeOption(at, "at", now: now) else { return (now, nil) }
        return (t, t)
    }
}
