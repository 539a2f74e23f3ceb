/// `/proc/[pid]/stat`: what a process is called, its state, CPU time, start time and resident size.
public struct ProcessStat: Sendable, Hashable {
    public var pid: Int
    public var name: String
    /// R running, S sleeping, D disk wait, Z zombie, T stopped, I idle…
    public var state: Character
    /// User plus system time, clock ticks.
    public var cpuTicks: UInt64
    /// Clock ticks after boot when it started.
    public var startTicks: UInt64
    public var threads: Int
    /// Resident set size, pages.
    public var rssPages: UInt64

    /// Parses the one-line file. The name (`comm`) is between the first `(` and the last `)`: it may itself hold
    /// spaces and parentheses.
    public static func parse(_ text: String) -> ProcessStat? {
        guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"), open < close,
            let pid = Int(text[..<open].trimmingCharacters(in: " "))
        else { return nil }
        let name = String(text[text.index(after: open)..<close])
        let rest = text[text.index(after: close)...].split(separator: " ")
        // rest[0] is field 3 (state); utime is field 14, stime 15, num_threads 20, starttime 22, rss 24.
        guard rest.count >= 22, let state = rest[0].first, let utime = UInt64(rest[11]), let stime = UInt64(rest[12]),
            let threads = Int(rest[17]), let start = UInt64(rest[19]), let rss = Int64(rest[21])
        else { return nil }
        return ProcessStat(
            pid: pid, name: name, state: state, cpuTicks: utime &+ stime, startTicks: start, threads: threads,
            rssPages: UInt64(max(0, rss))
        )
    }
}
