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
    public var rules: [AlertRule] = AlertRule.defaults

    public init() {}

    /// Empty views set up as configured.
    public func makeViews() -> Views {
        Views(
            slots: SlotRegistry(limit: slotLimit, warningAt: slotWarningAt),
            timelines: Timelines(tiers: tiers, seriesMax: seriesMax),
            rules: RuleEvaluator(rules: rules)
        )
    }
}
