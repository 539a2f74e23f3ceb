import EvCore

/// One alert rule (`spec/views.md`, "Alert rules"). Rules raise and resolve alerts by appending `alert` events to
/// the log, so a replay reproduces them from the log instead of evaluating rules again.
public struct AlertRule: Sendable, Hashable {
    public enum Comparison: String, Sendable, Hashable {
        case above, below
    }

    public enum Condition: Sendable, Hashable {
        /// A sample of a matching series beyond `threshold`, continuously for `forNanoseconds`; resolves once a
        /// sample is back past `resolve` (hysteresis: `resolve` lies on the safe side of `threshold`).
        case series(SeriesMatcher, Comparison, threshold: Double, resolve: Double, forNanoseconds: Int64)
        /// A component whose status colour is at least this bad (`red`: down, disconnected, error, …).
        case componentStatus(HealthColor)
        /// A component not seen (no `health` or `heartbeat`) for longer than this.
        case stale(afterNanoseconds: Int64)
        /// Slots used at or above `atLeast`; resolves below `resolveBelow`.
        case slotsUsed(atLeast: Int, resolveBelow: Int)
    }

    public var name: String
    public var severity: String
    public var condition: Condition
    /// After an alert of this rule fired, the same alert (same labels) does not fire again sooner than this.
    public var refireAfterNanoseconds: Int64

    public init(name: String, severity: String, condition: Condition, refireAfterNanoseconds: Int64 = 600_000_000_000) {
        self.name = name
        self.severity = severity
        self.condition = condition
        self.refireAfterNanoseconds = refireAfterNanoseconds
    }

    /// The built-in rules, from the operators' documents evq replaces (all configurable).
    public static let defaults: [AlertRule] = {
        let minute: Int64 = 60_000_000_000
        return [
            AlertRule(
                name: "cpu_high", severity: "warning",
                condition: .series(SeriesMatcher(measurement: "cpu", field: "usage_idle"), .below, threshold: 20, resolve: 25, forNanoseconds: 10 * minute)
            ),
            AlertRule(
                name: "cpu_critical", severity: "critical",
                condition: .series(SeriesMatcher(measurement: "cpu", field: "usage_idle"), .below, threshold: 10, resolve: 15, forNanoseconds: 5 * minute)
            ),
            AlertRule(
                name: "memory_high", severity: "warning",
                condition: .series(SeriesMatcher(measurement: "mem", field: "used_percent"), .above, threshold: 85, resolve: 80, forNanoseconds: 0)
            ),
            AlertRule(
                name: "memory_critical", severity: "critical",
                condition: .series(SeriesMatcher(measurement: "mem", field: "used_percent"), .above, threshold: 95, resolve: 90, forNanoseconds: 0)
            ),
            AlertRule(
                name: "disk_low", severity: "warning",
                condition: .series(SeriesMatcher(measurement: "disk", field: "used_percent"), .above, threshold: 80, resolve: 75, forNanoseconds: 0)
            ),
            AlertRule(
                name: "disk_critical", severity: "critical",
                condition: .series(SeriesMatcher(measurement: "disk", field: "used_percent"), .above, threshold: 90, resolve: 85, forNanoseconds: 0)
            ),
            AlertRule(name: "component_down", severity: "critical", condition: .componentStatus(.red)),
            AlertRule(name: "data_stale", severity: "warning", condition: .stale(afterNanoseconds: minute)),
            AlertRule(name: "slots_high", severity: "warning", condition: .slotsUsed(atLeast: 90, resolveBelow: 85)),
        ]
    }()
}

/// Which series a series rule watches: a measurement, a field, and optional required tag values.
public struct SeriesMatcher: Sendable, Hashable {
    public var measurement: String
    public var field: String
    public var tags: [String: String]

    public init(measurement: String, field: String, tags: [String: String] = [:]) {
        self.measurement = measurement
        self.field = field
        self.tags = tags
    }

    public func matches(_ shape: EventShape) -> Bool {
        shape.measurement == measurement && tags.allSatisfy { shape.tag($0.key) == $0.value }
    }
}
