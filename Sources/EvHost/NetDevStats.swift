/// `/proc/net/dev`: per interface, bytes, packets, errors and drops received and sent.
public struct NetDevStats: Sendable, Hashable {
    public struct Counters: Sendable, Hashable {
        public var bytesRecv, packetsRecv, errIn, dropIn: UInt64
        public var bytesSent, packetsSent, errOut, dropOut: UInt64
    }

    public var interfaces: [String: Counters] = [:]

    /// Parses the file's text (two header lines, then `name: 16 numbers`); malformed lines are skipped.
    public static func parse(_ text: String) -> NetDevStats {
        var stats = NetDevStats()
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: " ")
            let v = line[line.index(after: colon)...].split(separator: " ").compactMap { UInt64($0) }
            guard !name.isEmpty, v.count >= 16 else { continue }
            stats.interfaces[name] = Counters(
                bytesRecv: v[0], packetsRecv: v[1], errIn: v[2], dropIn: v[3],
                bytesSent: v[8], packetsSent: v[9], errOut: v[10], dropOut: v[11]
            )
        }
        return stats
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}
