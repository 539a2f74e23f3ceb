/// `/proc/diskstats`: per block device, reads and writes completed and sectors (512 bytes) read and written.
/// Loop, RAM and zram devices are left out (they are not disks), as psutil's users usually filter them.
public struct DiskStats: Sendable, Hashable {
    public struct Counters: Sendable, Hashable {
        public var reads, sectorsRead, writes, sectorsWritten: UInt64
    }

    public var devices: [String: Counters] = [:]

    public static func parse(_ text: String) -> DiskStats {
        var stats = DiskStats()
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard words.count >= 10 else { continue }
            let name = String(words[2])
            if name.hasPrefix("loop") || name.hasPrefix("ram") || name.hasPrefix("zram") { continue }
            guard let reads = UInt64(words[3]), let sectorsRead = UInt64(words[5]), let writes = UInt64(words[7]),
                let sectorsWritten = UInt64(words[9])
            else { continue }
            stats.devices[name] = Counters(reads: reads, sectorsRead: sectorsRead, writes: writes, sectorsWritten: sectorsWritten)
        }
        return stats
    }
}
