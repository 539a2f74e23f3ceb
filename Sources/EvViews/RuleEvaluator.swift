import EvCore

/// Evaluates alert rules as events are applied (`spec/views.md`, "Alert rules"). Pure: time comes from events
/// (and from `tick(at:)` for staleness), so the same event sequence gives the same decisions.
///
/// The alerts it raises or resolves are returned as `alert` events (field `source="rule"`) for the caller to append
/// to the log. When those events come back from the log, `observe` keeps the state in step; a replay therefore
/// rebuilds the same state without appending anything (the caller drops what `evaluate` returns while replaying).
public struct RuleEvaluator: Sendable {
    /// An alert of one rule for one label set.
    public struct Key: Sendable, Hashable {
        public var rule: Int
        public var labels: [Tag]
    }

    public let rules: [AlertRule]
    /// Since when a series rule's condition has held, per key (for its `for` duration).
    public internal(set) var pendingSince: [Key: Int64] = [:]
    /// Alerts raised by rules and not resolved, with when they fired.
    public internal(set) var firing: [Key: Int64] = [:]
    /// When each alert last fired (for the re-fire rate limit).
    public internal(set) var lastFired: [Key: Int64] = [:]
    private let ruleIndex: [String: Int]
    /// The series rules' parameters, unpacked once (per rule; `nil` for other rules) for the per-event path.
    private let seriesConditions: [SeriesCondition?]

    struct SeriesCondition {
        var matcher: SeriesMatcher
        var comparison: AlertRule.Comparison
        var threshold: Double
        var resolve: Double
        var durationNanoseconds: Int64
    }
    /// Per shape instance: the series rules that watch one of its fields, and that field's index. Shapes are shared
    /// by all events of a block, so most events cost one dictionary lookup here.
    private var seriesRuleCache: [ObjectIdentifier: CachedMatches] = [:]

    /// A series rule watching a field of a shape, with the alert key it raises for that shape.
    struct SeriesRuleMatch {
        var key: Key
        var field: Int
    }

    struct CachedMatches {
        var shape: EventShape
        var matches: [SeriesRuleMatch]
    }

    public init(rules: [AlertRule] = AlertRule.defaults) {
        self.rules = rules
        var index: [String: Int] = [:]
        for (k, rule) in rules.enumerated() { index[rule.name] = k }
        ruleIndex = index
        seriesConditions = rules.map { rule in
            guard case .series(let matcher, let comparison, let threshold, let resolve, let duration) = rule.condition else {
                return nil
            }
            return SeriesCondition(
                matcher: matcher,
                comparison: comparison,
                threshold: threshold,
                resolve: resolve,
                durationNanoseconds: duration
            )
        }
    }

    /// The alert events that `event` makes the rules raise or resolve; `slotsUsed` is the slot count after it.
    public mutating func evaluate(_ event: Event, slotsUsed: Int, slotLimit: Int) -> [Event] {
        var out: [Event] = []
        switch event.kind {
        case .metric:
            for match in seriesRules(for: event.shape) {
                let key = match.key
                guard let condition = seriesConditions[key.rule], let value = event.values[match.field].numericValue
                else { continue }
                let (matcher, comparison, threshold, resolve, duration) = (
                    condition.matcher, condition.comparison, condition.threshold, condition.resolve,
                    condition.durationNanoseconds
                )
                let breach = comparison == .above ? value > threshold : value < threshold
                let clear = comparison == .above ? value <= resolve : value >= resolve
                if firing[key] != nil {
                    if clear {
                        let series = event.shape.description + " " + matcher.field
                        out.append(resolveAlert(key, time: event.time, value: value, message: "\(series) back to \(value)"))
                    }
                    continue
                }
                guard breach else {
                    pendingSince[key] = nil
                    continue
                }
                let since = pendingSince[key] ?? event.time
                pendingSince[key] = since
                if event.time - since >= duration, mayFire(key, at: event.time) {
                    let series = event.shape.description + " " + matcher.field
                    let text = "\(series) \(comparison.rawValue) \(threshold)"
                        + (duration > 0 ? " for \(duration / 1_000_000_000)s" : "") + " (value \(value))"
                    out.append(fire(key, time: event.time, value: value, message: text))
                }
            }
        case .health, .heartbeat:
            guard let component = event.tag("component") else { break }
            var labels = [Tag("component", component)]
            if let host = event.tag("host") ?? event.field("host")?.stringValue { labels.append(Tag("host", host)) }
            for r in rules.indices {
                let rule = rules[r]
                let key = Key(rule: r, labels: labels)
                switch rule.condition {
                case .componentStatus(let worst):
                    guard event.kind == .health, let word = event.field("status")?.stringValue,
                        let color = HealthColor(statusWord: word)
                    else { continue }
                    if color >= worst {
                        if firing[key] == nil && mayFire(key, at: event.time) {
                            out.append(fire(key, time: event.time, value: nil, message: "\(component) is \(word)"))
                        }
                    } else if firing[key] != nil {
                        out.append(resolveAlert(key, time: event.time, value: nil, message: "\(component) is \(word)"))
                    }
                case .stale:
                    if firing[key] != nil {
                        out.append(resolveAlert(key, time: event.time, value: nil, message: "\(component) seen again"))
                    }
                default:
                    continue
                }
            }
        case .slot:
            for r in rules.indices {
                guard case .slotsUsed(let atLeast, let resolveBelow) = rules[r].condition else { continue }
                let key = Key(rule: r, labels: [])
                let used = slotsUsed
                if used >= atLeast && firing[key] == nil && mayFire(key, at: event.time) {
                    out.append(fire(key, time: event.time, value: Double(used), message: "\(used) of \(slotLimit) slots used"))
                } else if used < resolveBelow && firing[key] != nil {
                    out.append(resolveAlert(key, time: event.time, value: Double(used), message: "\(used) of \(slotLimit) slots used"))
                }
            }
        case .alert:
            observe(event)
        }
        return out
    }

    private mutating func seriesRules(for shape: EventShape) -> [SeriesRuleMatch] {
        let id = ObjectIdentifier(shape)
        if let cached = seriesRuleCache[id], cached.shape === shape { return cached.matches }
        if seriesRuleCache.count >= 4096 { seriesRuleCache.removeAll(keepingCapacity: true) }
        var matches: [SeriesRuleMatch] = []
        for r in rules.indices {
            guard let matcher = seriesConditions[r]?.matcher, matcher.matches(shape),
                let index = shape.fieldIndex(matcher.field)
            else { continue }
            matches.append(SeriesRuleMatch(key: Key(rule: r, labels: Self.labels(shape.tags)), field: index))
        }
        // The cache keeps the shape alive, so its identifier cannot be reused by another shape meanwhile.
        seriesRuleCache[id] = CachedMatches(shape: shape, matches: matches)
        return matches
    }

    /// Time-driven rules (staleness) at `now`: raises `data_stale` for components not seen for too long.
    public mutating func tick(at now: Int64, health: HealthView) -> [Event] {
        var out: [Event] = []
        for (r, rule) in rules.enumerated() {
            guard case .stale(let after) = rule.condition else { continue }
            for component in health.components.values.sorted(by: { $0.key < $1.key }) {
                var labels = [Tag("component", component.key.component)]
                if let host = component.key.host { labels.append(Tag("host", host)) }
                let key = Key(rule: r, labels: labels)
                let age = now - component.lastSeen
                if age > after && firing[key] == nil && mayFire(key, at: now) {
                    out.append(
                        fire(key, time: now, value: Double(age / 1_000_000) / 1000, message: "\(component.key) not seen for \(age / 1_000_000_000)s")
                    )
                }
            }
        }
        return out
    }

    /// Keeps `firing` in step with the rule alerts found in the log (on replay, and the echo of live ones).
    public mutating func observe(_ event: Event) {
        guard event.kind == .alert, event.field("source")?.stringValue == "rule", let name = event.tag("alert"),
            let r = ruleIndex[name], let state = event.field("state")?.stringValue
        else { return }
        let key = Key(rule: r, labels: Self.labels(event.tags))
        switch state {
        case "firing":
            firing[key] = firing[key] ?? event.time
            lastFired[key] = max(lastFired[key] ?? .min, event.time)
            pendingSince[key] = nil
        case "resolved":
            firing[key] = nil
        default:
            break
        }
    }

    /// An alert's labels: the tags of what it is about, sorted, without `alert` and `severity` (its own tags).
    static func labels(_ tags: [Tag]) -> [Tag] {
        tags.filter { $0.key != "alert" && $0.key != "severity" }.sorted { $0.key < $1.key }
    }

    /// The index of the rule named `name`.
    public func index(ofRule name: String) -> Int? { ruleIndex[name] }

    private func mayFire(_ key: Key, at time: Int64) -> Bool {
        guard let last = lastFired[key] else { return true }
        return time - last >= rules[key.rule].refireAfterNanoseconds
    }

    private mutating func fire(_ key: Key, time: Int64, value: Double?, message: String) -> Event {
        firing[key] = time
        lastFired[key] = time
        pendingSince[key] = nil
        return alertEvent(key, state: "firing", time: time, value: value, message: message)
    }

    private mutating func resolveAlert(_ key: Key, time: Int64, value: Double?, message: String) -> Event {
        firing[key] = nil
        pendingSince[key] = nil
        return alertEvent(key, state: "resolved", time: time, value: value, message: message)
    }

    private func alertEvent(_ key: Key, state: String, time: Int64, value: Double?, message: String) -> Event {
        let rule = rules[key.rule]
        var fields = [Field("state", .string(state)), Field("message", .string(message)), Field("source", .string("rule"))]
        if let value { fields.append(Field("value", .float(value))) }
        return Event(
            time: time,
            measurement: "alert",
            tags: [Tag("alert", rule.name), Tag("severity", rule.severity)] + key.labels,
            fields: fields
        )
    }
}
