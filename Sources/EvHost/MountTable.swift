/// `/proc/self/mounts`, kept to the filesystems that hold data: those whose type `/proc/filesystems` does not mark
/// `nodev` (so not proc, sysfs, tmpfs, cgroup, overlay…), as psutil's `disk_partitions(all=False)` does; each mount
/// point once.
public struct MountTable: Sendable, Hashable {
    public struct Mount: Sendable, Hashable {
        public var device, path, type: String
    }

    public var mounts: [Mount] = []

    public static func parse(mounts text: String, filesystems: String) -> MountTable {
        var pseudo: Set<String> = []
        for line in filesystems.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if words.count == 2 && words[0] == "nodev" { pseudo.insert(String(words[1])) }
        }
        var table = MountTable()
        var seen: Set<String> = []
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard words.count >= 3 else { continue }
            let type = String(words[2])
            let path = unescape(words[1])
            guard !pseudo.contains(type), !seen.contains(path) else { continue }
            seen.insert(path)
            table.mounts.append(Mount(device: unescape(words[0]), path: path, type: type))
        }
        return table
    }

    /// The kernel writes space, tab, newline and backslash in paths as octal escapes (`\040`).
    static func unescape(_ text: Substring) -> String {
        var out: [UInt8] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\\"), i + 4 <= bytes.count,
                let value = UInt8(String(decoding: bytes[(i + 1)..<(i + 4)], as: UTF8.self), radix: 8)
            {
                out.append(value)
                i += 4
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
