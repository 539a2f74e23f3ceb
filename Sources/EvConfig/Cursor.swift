import Yams

/// A YAML node with its key path, for error messages that name where the problem is.
struct Cursor {
    let node: Node
    let path: String
    let file: String

    func error(_ message: String) -> ConfigurationError {
        let line = node.mark.map { " (line \($0.line))" } ?? ""
        return ConfigurationError(file: file, path: path + line, message)
    }

    func child(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    /// A mapping whose keys must all be in `allowed`.
    func mapping(allowed: Set<String>) throws(ConfigurationError) -> [String: Cursor] {
        guard case .mapping(let m) = node else { throw error("expected a mapping") }
        var out: [String: Cursor] = [:]
        for (k, v) in m {
            guard let key = k.string else { throw error("keys must be strings") }
            guard allowed.contains(key) else {
                throw error("unknown key \"\(key)\" (expected one of \(allowed.sorted().joined(separator: ", ")))")
            }
            out[key] = Cursor(node: v, path: child(key), file: file)
        }
        return out
    }

    /// A mapping of any keys, in file order.
    func pairs() throws(ConfigurationError) -> [(String, Cursor)] {
        guard case .mapping(let m) = node else { throw error("expected a mapping") }
        var out: [(String, Cursor)] = []
        for (k, v) in m {
            guard let key = k.string else { throw error("keys must be strings") }
            out.append((key, Cursor(node: v, path: child(key), file: file)))
        }
        return out
    }

    func sequence() throws(ConfigurationError) -> [Cursor] {
        guard case .sequence(let s) = node else { throw error("expected a list") }
        return s.enumerated().map { Cursor(node: $1, path: "\(path)[\($0)]", file: file) }
    }

    func string() throws(ConfigurationError) -> String {
        guard case .scalar(let s) = node else { throw error("expected a string") }
        return s.string
    }

    func number() throws(ConfigurationError) -> Double {
        guard case .scalar(let s) = node, let v = Double(s.string), v.isFinite else {
            throw error("expected a number, got \(describe())")
        }
        return v
    }

    func integer(min: Int = Int.min, max: Int = Int.max) throws(ConfigurationError) -> Int {
        guard case .scalar(let s) = node, let v = Int(s.string) else { throw error("expected a whole number, got \(describe())") }
        guard v >= min && v <= max else { throw error("must be between \(min) and \(max), got \(v)") }
        return v
    }

    func boolean() throws(ConfigurationError) -> Bool {
        guard case .scalar(let s) = node else { throw error("expected true or false") }
        switch s.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error("expected true or false, got \(describe())")
        }
    }

    /// The longest duration accepted (about 31 years): anything in nanoseconds fits in 64 bits with room to add.
    static let maxDurationSeconds: Double = 1_000_000_000

    /// Seconds, from `500ms`, `30s`, `10m`, `1h`, `1d` or a plain number of seconds, at most `maxDurationSeconds`.
    func duration() throws(ConfigurationError) -> Double {
        guard case .scalar(let s) = node else { throw error("expected a duration like 30s or 10m") }
        let text = s.string
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        var seconds: Double?
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let v = Double(text.dropLast(suffix.count)), v >= 0, v.isFinite { seconds = v * scale }
            break
        }
        if seconds == nil, let v = Double(text), v >= 0, v.isFinite { seconds = v }
        guard let seconds else { throw error("expected a duration like 30s or 10m, got \(describe())") }
        guard seconds <= Self.maxDurationSeconds else {
            throw error("a duration is at most \(Int(Self.maxDurationSeconds))s (about 31 years), got \(describe())")
        }
        return seconds
    }

    /// A size: `512MiB`, `4GiB`, `100KiB`, `1000000` (bytes); binary units K/M/G/T with or without `iB`/`B`.
    func bytes() throws(ConfigurationError) -> Int {
        guard case .scalar(let s) = node else { throw error("expected a size like 512MiB or 4GiB") }
        var text = Substring(s.string)
        for suffix in ["iB", "B"] where text.hasSuffix(suffix) {
            text = text.dropLast(suffix.count)
            break
        }
        var scale = 1
        if let unit = text.last, let power = ["K": 10, "M": 20, "G": 30, "T": 40][unit] {
            scale = 1 << power
            text = text.dropLast()
        }
        guard let v = Int(text), v >= 0 else { throw error("expected a size like 512MiB or 4GiB, got \(describe())") }
        let (bytes, overflow) = v.multipliedReportingOverflow(by: scale)
        guard !overflow, bytes <= 1 << 50 else { throw error("a size is at most 1PiB, got \(describe())") }
        return bytes
    }

    static func formatBytes(_ n: Int) -> String {
        n >= 1 << 30 ? "\(n >> 30) GiB" : n >= 1 << 20 ? "\(n >> 20) MiB" : "\(n) bytes"
    }

    func describe() -> String {
        if case .scalar(let s) = node { return "\"\(s.string)\"" }
        if case .mapping = node { return "a mapping" }
        return "a list"
    }
}
