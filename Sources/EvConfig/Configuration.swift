import EvCore
import EvViews

/// Everything evq's views and rules can be configured with, in one file (`evq.example.yaml`, README
/// "Configuration"). Every key is optional; the defaults are the product's.
public struct Configuration: Sendable {
    public var freshness = FreshnessThresholds()
    public var slotLimit = 100
    public var slotWarningAt = 90
    public var tiers: [Timelines.Tier] = [Timelines.Tier(stepSeconds: 5, points: 720)]
    public var seriesMax = 25_000
    /// `timelines.memory_max`: the most the timeline rings may need with `seriesMax` series (checked at load).
    public var timelineMemoryMax = 4 << 30
    public var rules: [AlertRule] = AlertRule.defaults
    /// `max_future_skew`: how far ahead of its receive time an event's time is believed (nanoseconds).
    public var maxFutureSkew: Int64 = Views.defaultMaxFutureSkew

    public init() {}

    /// Empty views set up as configured.
    public func makeViews() -> Views {
        Views(
            slots: SlotRegistry(limit: slotLimit, warningAt: slotWarningAt),
            timelines: Timelines(tiers: tiers, seriesMax: seriesMax),
            rules: RuleEvaluator(rules: rules),
            maxFutureSkew: maxFutureSkew
        )
    }
}
