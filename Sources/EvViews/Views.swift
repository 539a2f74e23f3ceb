import EvCore

/// All materialized views together: the one reducer that replay and live ingest feed (`spec/views.md`).
/// A deterministic function of the event sequence: applying the same events in offset order gives the same views.
public struct Views: Sendable {
    public var health = HealthView()
    public var slots: SlotRegistry
    public var alerts = AlertHistory()
    public var timelines: Timelines
    /// The alert rules' state (what is pending, firing, when it last fired).
    public var rules: RuleEvaluator
    /// The offset after the last event applied.
    public internal(set) var nextOffset: Int64 = 0
    /// Events applied.
    public internal(set) var applied = 0

    public init(
        slots: SlotRegistry = SlotRegistry(),
        timelines: Timelines = Timelines(),
        rules: RuleEvaluator = RuleEvaluator()
    ) {
        self.slots = slots
        self.timelines = timelines
        self.rules = rules
    }

    /// Applies one event to every view, then to the alert rules.
    ///
    /// - Returns: the alert events the rules raise or resolve because of it. Live, evqd appends them to the log;
    ///   a replay drops them, because the log already holds them.
    @discardableResult
    public mutating func apply(_ event: Event) -> [Event] {
        var componentColor: HealthColor?
        switch event.kind {
        case .metric: timelines.apply(event)
        case .health, .heartbeat: componentColor = health.apply(event)
        case .slot: slots.apply(event)
        case .alert: alerts.apply(event)
        }
        nextOffset = event.offset + 1
        applied += 1
        if rules.rules.isEmpty { return [] }
        return rules.evaluate(event, slotsUsed: slots.used, slotLimit: slots.limit, componentColor: componentColor)
    }
}
