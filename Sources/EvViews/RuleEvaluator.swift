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
    /// What the rules know of one alert key.
    struct KeyState {
        /// Since when a series rule's condition has held (for its `for` duration).
        var pendingSince: Int64?
        /// When the alert fired, while it is firing.
        var firing: Int64?
        /// When it last fired (for the re-fire rate limit).
        var lastFired: Int64?
    }

    /// Keys get dense ids, so the per-event path indexes an array instead of hashing labels.
    private var keyIDs: [Key: Int] = [:]
    private var keys: [Key] = []
    private var states: [KeyState] = []

    /// Since when a series rule's condition has held, per key (for its `for` duration).
    public var pendingSince: [Key: Int64] { collect(\.pendingSince) }
    /// Alerts raised by rules and not resolved, with when they fired.
    public var firing: [Key: Int64] { collect(\.firing) }
    /// When each alert last fired (for the re-fire rate limit).
    public var lastFired: [Key: Int64] { collect(\.lastFired) }

    private func collect(_ field: KeyPath<KeyState, Int64?>) -> [Key: Int64] {
        var out: [Key: Int64] = [:]
        for (id, state) in states.enumerated() { if let v = state[keyPath: field] { out[keys[id]] = v } }
        return out
    }

    /// The dense id of `key`, assigned on first use.
    private mutating func id(_ key: Key) -> Int {
        if let id = keyIDs[key] { return id }
        keyIDs[key] = keys.count
        keys.append(key)
        states.append(KeyState())
        return keys.count - 1
    }

    /// After a replay: forgets firings the rules decided but the log does not hold (evqd stopped between the
    /// decision and the append), so those alerts fire again at the next sample instead of never.
    public mutating func reconcile(with alerts: AlertHistory) {
        for id in states.indices where states[id].firing != nil {
            let key = keys[id]
            var labels: [String: String] = [:]
            for tag in key.labels { labels[tag.key] = tag.value }
            if alerts.active[AlertHistory.Key(alert: rules[key.rule].name, labels: labels)] == nil {
                states[id].firing = nil
                states[id].lastFired = nil
            }
        }
    }

    /// Sets the state of one key (checkpoint restore).
    public mutating func restore(_ key: Key, pendingSince: Int64?, firing: Int64?, lastFired: Int64?) {
        let k = id(key)
        states[k] = KeyState(pendingSince: pendingSince, firing: firing, lastFired: lastFired)
    }
    private let ruleIndex: [String: Int]
    /// The series rules' parameters, unpacked once (per rule; `nil` for other rules) for the per-event path.
    private let seriesConditions: [SeriesCondition?]
    /// The series rules' numbers, per rule (zeros for other rules), read on the per-event path without copying strings.
    private let seriesLimits: [SeriesLimits]

    struct SeriesLimits {
        var comparison: AlertRule.Comparison = .above
        var threshold = 0.0
        var resolve = 0.0
        var durationNanoseconds: Int64 = 0
    }

    struct SeriesCondition {
        var matcher: SeriesMatcher
        var comparison: AlertRule.Comparison
        var threshold: Double
        var resolve: Double
        var durationNanoseconds: Int64
    }
    /// Per shape: the series rules that watch one of its fields, as triples (alert key id, field index, rule index).
    /// Most events cost one identity lookup here.
    private var seriesRuleMatches = ShapeMemo()
    /// The rules about components (status, staleness), by index.
    private let componentRules: [Int]
    /// Per `health`/`heartbeat` shape: the alert key of each of `componentRules`.
    private var componentRuleKeys = ShapeMemo()
    /// The current event's key of each of `componentRules` (scratch, reused).
    private var componentKeyIDs: [Int]

    public init(rules: [AlertRule] = AlertRule.defaults) {
        self.rules = rules
        var index: [String: Int] = [:]
        for (k, rule) in rules.enumerated() { index[rule.name] = k }
        ruleIndex = index
        componentRules = rules.indices.filter {
            switch rules[$0].condition {
            case .componentStatus, .stale: true
            default: false
            }
        }
        componentKeyIDs = Array(repeating: 0, count: componentRules.count)
        seriesLimits = rules.map { rule in
            guard case .series(_, let comparison, let threshold, let resolve, let duration) = rule.condition else {
                return SeriesLimits()
            }
            return SeriesLimits(comparison: comparison, threshold: threshold, resolve: resolve, durationNanoseconds: duration)
        }
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

    /// The alert events that `event` makes the rules raise or resolve. `slotsUsed` is the slot count after it;
    /// `componentColor` the status colour of its component after it (a late health event may not have changed it).
    public mutating func evaluate(
        _ event: Event,
        slotsUsed: Int,
        slotLimit: Int,
        componentColor: HealthColor? = nil
    ) -> [Event] {
        var out: [Event] = []
        switch event.kind {
        case .metric:
            let shape = event.shape
            let run = seriesRuleMatches.run(for: shape) ?? seriesRuleMatches.insert(shape, run: seriesRules(for: shape))
            for m in stride(from: run.lowerBound, to: run.upperBound, by: 3) {
                let key = Int(seriesRuleMatches.values[m])
                let r = Int(seriesRuleMatches.values[m + 2])
                guard let value = event.values[Int(seriesRuleMatches.values[m + 1])].numericValue else { continue }
                // Plain numbers only on this per-event path: the matcher's strings are read when an alert is made.
                let limits = seriesLimits[r]
                let (comparison, threshold, resolve, duration) = (
                    limits.comparison, limits.threshold, limits.resolve, limits.durationNanoseconds
                )
                let breach = comparison == .above ? value > threshold : value < threshold
                let clear = comparison == .above ? value <= resolve : value >= resolve
                if states[key].firing != nil {
                    if clear {
                        let series = event.shape.description + " " + (seriesConditions[r]?.matcher.field ?? "")
                        out.append(resolveAlert(key, time: event.time, value: value, message: "\(series) back to \(value)"))
                    }
                    continue
                }
                guard breach else {
                    states[key].pendingSince = nil
                    continue
                }
                let since = states[key].pendingSince ?? event.time
                states[key].pendingSince = since
                if event.time.saturatingDifference(since) >= duration, mayFire(key, at: event.time) {
                    let series = event.shape.description + " " + (seriesConditions[r]?.matcher.field ?? "")
                    let text = "\(series) \(comparison.rawValue) \(threshold)"
                        + (duration > 0 ? " for \(duration / 1_000_000_000)s" : "") + " (value \(value))"
                    out.append(fire(key, time: event.time, value: value, message: text))
                }
            }
        case .health, .heartbeat:
            guard let component = event.tag("component") else { break }
            loadComponentKeys(for: event, component: component)
            for k in componentRules.indices {
                let r = componentRules[k]
                let key = componentKeyIDs[k]
                let rule = rules[r]
                switch rule.condition {
                case .componentStatus(let worst):
                    guard event.kind == .health, let word = event.field("status")?.stringValue,
                        let color = componentColor ?? HealthColor(statusWord: word)
                    else { continue }
                    if color >= worst {
                        if states[key].firing == nil && mayFire(key, at: event.time) {
                            out.append(fire(key, time: event.time, value: nil, message: "\(component) is \(word)"))
                        }
                    } else if states[key].firing != nil {
                        out.append(resolveAlert(key, time: event.time, value: nil, message: "\(component) is \(word)"))
                    }
                case .stale:
                    if states[key].firing != nil {
                        out.append(resolveAlert(key, time: event.time, value: nil, message: "\(component) seen again"))
                    }
                default:
                    continue
                }
            }
        case .slot:
            for r in rules.indices {
                guard case .slotsUsed(let atLeast, let resolveBelow) = rules[r].condition else { continue }
                let key = id(Key(rule: r, labels: []))
                let used = slotsUsed
                if used >= atLeast && states[key].firing == nil && mayFire(key, at: event.time) {
                    out.append(fire(key, time: event.time, value: Double(used), message: "\(used) of \(slotLimit) slots used"))
                } else if used < resolveBelow && states[key].firing != nil {
                    out.append(resolveAlert(key, time: event.time, value: Double(used), message: "\(used) of \(slotLimit) slots used"))
                }
            }
        case .alert:
            observe(event)
        }
        return out
    }

    /// The alert key of each of `componentRules` for the component of a `health`/`heartbeat` event, kept in
    /// `componentKeyIDs`. Memoized per shape when the labels come from its tags alone (no `host` field standing in for
    /// a missing `host` tag), so most events hash nothing here.
    private mutating func loadComponentKeys(for event: Event, component: String) {
        let shape = event.shape
        if let run = componentRuleKeys.run(for: shape) {
            for (k, i) in run.enumerated() { componentKeyIDs[k] = Int(componentRuleKeys.values[i]) }
            return
        }
        var labels = [Tag("component", component)]
        if let host = event.tag("host") ?? event.field("host")?.stringValue { labels.append(Tag("host", host)) }
        for (k, r) in componentRules.enumerated() { componentKeyIDs[k] = id(Key(rule: r, labels: labels)) }
        if shape.tag("host") != nil || shape.fieldIndex("host") == nil {
            _ = componentRuleKeys.insert(shape, run: componentKeyIDs.map { Int32($0) })
        }
    }

    /// The series rules watching a field of `shape`, as triples (alert key id, field index, rule index).
    private mutating func seriesRules(for shape: EventShape) -> [Int32] {
        var matches: [Int32] = []
        for r in rules.indices {
            guard let matcher = seriesConditions[r]?.matcher, matcher.matches(shape),
                let index = shape.fieldIndex(matcher.field)
            else { continue }
            matches.append(Int32(id(Key(rule: r, labels: Self.labels(shape.tags)))))
            matches.append(Int32(index))
            matches.append(Int32(r))
        }
        return matches
    }

    /// Most alerts one `tick` raises: a silence of many components at once is reported over several ticks (in
    /// component order) rather than in one unbounded step under the views' lock.
    public static let tickAlertsMax = 10_000

    /// Time-driven rules (staleness) at `now`: raises `data_stale` for components not seen for too long, at most
    /// `limit` of them (the rest at the next tick: they are still stale and not yet firing).
    public mutating func tick(at now: Int64, health: HealthView, limit: Int = RuleEvaluator.tickAlertsMax) -> [Event] {
        var out: [Event] = []
        for (r, rule) in rules.enumerated() {
            guard case .stale(let after) = rule.condition else { continue }
            for component in health.components.values.sorted(by: { $0.key < $1.key }) {
                if out.count >= limit { return out }
                var labels = [Tag("component", component.key.component)]
                if let host = component.key.host { labels.append(Tag("host", host)) }
                let key = id(Key(rule: r, labels: labels))
                let age = now.saturatingDifference(component.lastSeen)
                if age > after && states[key].firing == nil && mayFire(key, at: now) {
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
        let key = id(Key(rule: r, labels: Self.labels(event.tags)))
        switch state {
        case "firing":
            states[key].firing = states[key].firing ?? event.time
            states[key].lastFired = max(states[key].lastFired ?? .min, event.time)
            states[key].pendingSince = nil
        case "resolved":
            states[key].firing = nil
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

    private func mayFire(_ key: Int, at time: Int64) -> Bool {
        guard let last = states[key].lastFired else { return true }
        return time.saturatingDifference(last) >= rules[keys[key].rule].refireAfterNanoseconds
    }

    private mutating func fire(_ key: Int, time: Int64, value: Double?, message: String) -> Event {
        states[key].firing = time
        states[key].lastFired = time
        states[key].pendingSince = nil
        return alertEvent(keys[key], state: "firing", time: time, value: value, message: message)
    }

    private mutating func resolveAlert(_ key: Int, time: Int64, value: Double?, message: String) -> Event {
        states[key].firing = nil
        states[key].pendingSince = nil
        return alertEvent(keys[key], state: "resolved", time: time, value: value, message: message)
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
