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
    /// How far an event's time may lie ahead of its receive time (nanoseconds): beyond it, every view takes the
    /// event at `receiveTime + maxFutureSkew` (`spec/views.md`, "Event time"), so a client with a fast clock cannot
    /// hide what arrives after it nor empty a timeline. Configured (`max_future_skew`, default 1 s).
    public internal(set) var maxFutureSkew: Int64
    /// Events taken at an earlier time than their own because they lay beyond `maxFutureSkew`.
    public internal(set) var futureEvents = 0

    public static let defaultMaxFutureSkew: Int64 = 1_000_000_000

    public init(
        slots: SlotRegistry = SlotRegistry(),
        timelines: Timelines = Timelines(),
        rules: RuleEvaluator = RuleEvaluator(),
        maxFutureSkew: Int64 = Views.defaultMaxFutureSkew
    ) {
        precondition(maxFutureSkew >= 0, "a skew is not negative")
        self.slots = slots
        self.timelines = timelines
        self.rules = rules
        self.maxFutureSkew = maxFutureSkew
    }

    /// The time the views take `event` at: its own, or `receiveTime + maxFutureSkew` when that is earlier.
    @inline(__always)
    public func viewTime(of event: Event) -> Int64 {
        let (limit, overflow) = event.receiveTime.addingReportingOverflow(maxFutureSkew)
        return overflow || event.time <= limit ? event.time : limit
    }

    /// Applies one event to every view, then to the alert rules.
    ///
    /// - Returns: the alert events the rules raise or resolve because of it. Live, evqd appends them to the log;
    ///   a replay drops them, because the log already holds them.
    @discardableResult
    public mutating func apply(_ event: Event) -> [Event] {
        let time = viewTime(of: event)
        guard time == event.time else {
            var taken = event
            taken.time = time
            futureEvents += 1
            return apply(taken, ahead: true)
        }
        return apply(event, ahead: false)
    }

    private mutating func apply(_ event: Event, ahead: Bool) -> [Event] {
        var componentColor: HealthColor?
        switch event.kind {
        case .metric: timelines.apply(event)
        case .health, .heartbeat: componentColor = health.apply(event, ahead: ahead)
        case .slot: slots.apply(event)
        case .alert: alerts.apply(event)
        }
        nextOffset = event.offset + 1
        applied += 1
        if rules.rules.isEmpty { return [] }
        return rules.evaluate(event, slotsUsed: slots.used, slotLimit: slots.limit, componentColor: componentColor)
    }
}
