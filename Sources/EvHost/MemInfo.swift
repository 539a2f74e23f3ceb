/// `/proc/meminfo`: every `Key: N kB` line, in bytes.
public struct MemInfo: Sendable, Hashable {
    public var bytes: [String: UInt64] = [:]

    public init(bytes: [String: UInt64] = [:]) { self.bytes = bytes }

    /// Parses the file's text; `nil` without `MemTotal`. Malformed lines are skipped.
    public static func parse(_ text: String) -> MemInfo? {
        var info = MemInfo()
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = String(line[..<colon])
            let words = line[line.index(after: colon)...].split(separator: " ")
            guard let first = words.first, let n = UInt64(first) else { continue }
            let scale: UInt64 = words.count > 1 && words[1] == "kB" ? 1024 : 1
            info.bytes[key] = n.multipliedReportingOverflow(by: scale).overflow ? .max : n * scale
        }
        return info.bytes["MemTotal"] == nil ? nil : info
    }

    public subscript(_ key: String) -> UInt64 { bytes[key] ?? 0 }
}
