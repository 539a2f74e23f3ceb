/// `/proc/net/tcp` and `/proc/net/tcp6`: connections counted by state.
public enum TCPStates {
    /// The kernel's state numbers (include/net/tcp_states.h), named as `ss` and psutil name them.
    public static let names: [UInt8: String] = [
        0x01: "established", 0x02: "syn_sent", 0x03: "syn_recv", 0x04: "fin_wait1", 0x05: "fin_wait2",
        0x06: "time_wait", 0x07: "close", 0x08: "close_wait", 0x09: "last_ack", 0x0A: "listen", 0x0B: "closing",
    ]

    /// Adds the connections of one file's text to `counts` (by state name); the header and malformed lines are
    /// skipped.
    public static func count(_ text: String, into counts: inout [String: Int]) {
        for line in text.split(separator: "\n").dropFirst() {
            let words = line.split(separator: " ")
            guard words.count > 3, let state = UInt8(words[3], radix: 16), let name = names[state] else { continue }
            counts[name, default: 0] += 1
        }
    }
}
