#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvCore
import EvViews
import Yams

/// Reads the YAML configuration file (`evq.example.yaml` shows every key with its default).
public enum ConfigurationLoader {
    /// Parses YAML text; `file` names it in errors.
    public static func parse(_ text: String, file: String = "config") throws(ConfigurationError) -> Configuration {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError(file: file, path: "", "not valid YAML: \(error)")
        }
        var config = Configuration()
        guard let node else { return config }
        let root = try Cursor(node: node, path: "", file: file).mapping(allowed: ["health", "slots", "timelines", "rules", "max_future_skew"])
        if let skew = root["max_future_skew"] {
            config.maxFutureSkew = Int64((try skew.duration() * 1e9).rounded())
        }
        if let health = root["health"] {
            let h = try health.mapping(allowed: ["fresh_below", "stale_above"])
            let fresh = try h["fresh_below"]?.duration() ?? 30
            let stale = try h["stale_above"]?.duration() ?? 60
            guard fresh <= stale else { throw health.error("fresh_below must not be above stale_above") }
            config.freshness = FreshnessThresholds(freshBelowSeconds: fresh, staleAboveSeconds: stale)
        }
        if let slots = root["slots"] {
            let s = try slots.mapping(allowed: ["limit", "warning_at"])
            config.slotLimit = try s["limit"]?.integer(min: 1) ?? config.slotLimit
            config.slotWarningAt = try s["warning_at"]?.integer(min: 1) ?? config.slotWarningAt
        }
        if let timelines = root["timelines"] {
            let t = try timelines.mapping(allowed: ["series_max", "tiers", "memory_max"])
            config.seriesMax = try t["series_max"]?.integer(min: 1) ?? config.seriesMax
            if let tiers = t["tiers"] {
                config.tiers = []
                for tier in try tiers.sequence() {
                    let m = try tier.mapping(allowed: ["step", "points"])
                    guard let stepCursor = m["step"] else { throw tier.error("a tier needs a step") }
                    let step = try stepCursor.duration()
                    guard step >= 1, step == step.rounded() else { throw stepCursor.error("a step is a whole number of seconds") }
                    let points = try m["points"]?.integer(min: 1, max: 100_000) ?? 720
                    config.tiers.append(Timelines.Tier(stepSeconds: Int64(step), points: points))
                }
                guard !config.tiers.isEmpty else { throw tiers.error("at least one tier") }
            }
            config.timelineMemoryMax = try t["memory_max"]?.bytes() ?? config.timelineMemoryMax
            // What the rings can grow to with every series present (16 bytes a point), against the budget: a
            // valid but absurd configuration is refused at start, not met as a memory exhaustion hours later.
            let pointsPerSeries = config.tiers.reduce(0) { $0 + $1.points }
            let (bytes, overflow) = pointsPerSeries.multipliedReportingOverflow(by: 16 * config.seriesMax)
            guard !overflow, bytes <= config.timelineMemoryMax else {
                throw timelines.error(
                    "timelines could need \(overflow ? "more than 2^63" : Cursor.formatBytes(bytes)) (series_max \(config.seriesMax) × "
                        + "\(pointsPerSeries) points × 16 bytes), above memory_max \(Cursor.formatBytes(config.timelineMemoryMax)): "
                        + "lower series_max or points, or raise memory_max"
                )
            }
        }
        if let rules = root["rules"] {
            let r = try rules.mapping(allowed: ["builtin", "disable", "custom"])
            var list = try r["builtin"]?.boolean() ?? true ? AlertRule.defaults : []
            if let disable = r["disable"] {
                for name in try disable.sequence() {
                    let n = try name.string()
                    guard list.contains(where: { $0.name == n }) else { throw name.error("no rule named \"\(n)\"") }
                    list.removeAll { $0.name == n }
                }
            }
            if let custom = r["custom"] {
                for item in try custom.sequence() {
                    let rule = try parseRule(item)
                    list.removeAll { $0.name == rule.name }  // a custom rule replaces a built-in one of its name
                    list.append(rule)
                }
            }
            config.rules = list
        }
        return config
    }

    /// Largest configuration file read: a real one is a few KiB; `/dev/zero` or a log file by mistake is refused.
    public static let fileBytesMax = 1 << 20

    /// Reads and parses a file: a regular file of at most `fileBytesMax` bytes.
    public static func load(path: String) throws(ConfigurationError) -> Configuration {
        try parse(try readText(path, limit: fileBytesMax), file: path)
    }

    static func parseRule(_ item: Cursor) throws(ConfigurationError) -> AlertRule {
        let m = try item.mapping(allowed: [
            "name", "severity", "series", "above", "below", "resolve", "for", "refire_after", "component_status",
            "stale_after", "slots_at_least", "resolve_below",
        ])
        guard let name = try m["name"]?.string(), !name.isEmpty else { throw item.error("a rule needs a name") }
        let severity = try m["severity"]?.string() ?? "warning"
        guard TypedEventRules.alertSeverities.contains(severity) else {
            throw m["severity"]!.error("severity must be info, warning or critical")
        }
        let refire = try m["refire_after"]?.duration() ?? 600
        let condition: AlertRule.Condition
        if let series = m["series"] {
            let s = try series.mapping(allowed: ["measurement", "field", "tags"])
            guard let measurement = try s["measurement"]?.string(), let field = try s["field"]?.string() else {
                throw series.error("a series needs a measurement and a field")
            }
            var tags: [String: String] = [:]
            if let t = s["tags"] {
                for (key, value) in try t.pairs() { tags[key] = try value.string() }
            }
            let comparison: AlertRule.Comparison
            let threshold: Double
            switch (m["above"], m["below"]) {
            case (let above?, nil):
                comparison = .above
                threshold = try above.number()
            case (nil, let below?):
                comparison = .below
                threshold = try below.number()
            default:
                throw item.error("a series rule needs exactly one of above or below")
            }
            let resolve = try m["resolve"]?.number() ?? threshold
            guard comparison == .above ? resolve <= threshold : resolve >= threshold else {
                throw m["resolve"]!.error("resolve must be on the safe side of the threshold")
            }
            condition = .series(
                SeriesMatcher(measurement: measurement, field: field, tags: tags),
                comparison,
                threshold: threshold,
                resolve: resolve,
                forNanoseconds: Int64((try m["for"]?.duration() ?? 0) * 1e9)
            )
        } else if let status = m["component_status"] {
            let word = try status.string()
            guard let color = HealthColor.allCases.first(where: { $0.description == word }) else {
                throw status.error("component_status must be yellow or red")
            }
            condition = .componentStatus(color)
        } else if let stale = m["stale_after"] {
            condition = .stale(afterNanoseconds: Int64(try stale.duration() * 1e9))
        } else if let slots = m["slots_at_least"] {
            let atLeast = try slots.integer(min: 1)
            condition = .slotsUsed(atLeast: atLeast, resolveBelow: try m["resolve_below"]?.integer(min: 1) ?? atLeast)
        } else {
            throw item.error("a rule needs one of series, component_status, stale_after or slots_at_least")
        }
        return AlertRule(name: name, severity: severity, condition: condition, refireAfterNanoseconds: Int64(refire * 1e9))
    }

    /// The file's text, or why not: not openable, not a regular file (a directory, a FIFO, a device), larger than
    /// `limit`, not UTF-8.
    static func readText(_ path: String, limit: Int) throws(ConfigurationError) -> String {
        func failure(_ reason: String) -> ConfigurationError { ConfigurationError(file: path, path: "", reason) }
        // O_NONBLOCK: opening a FIFO does not wait for a writer; the type check below refuses it.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw failure("cannot read the file: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw failure("cannot read the file: \(String(cString: strerror(errno)))") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw failure("not a regular file") }
        guard st.st_size <= limit else { throw failure("the file is \(st.st_size) bytes; a configuration is at most \(limit)") }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while bytes.count <= limit {
            let n = read(fd, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw failure("cannot read the file: \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            bytes += buffer[0..<n]
        }
        guard bytes.count <= limit else { throw failure("the file grew past \(limit) bytes while read") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw failure("not UTF-8 text") }
        return text
    }
}
