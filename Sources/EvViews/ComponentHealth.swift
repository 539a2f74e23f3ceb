import EvCore

/// What the health view knows of one component (`spec/views.md`, "Health").
public struct ComponentHealth: Sendable, Hashable {
    public var key: ComponentKey
    /// The last status word sent (`nil` while only heartbeats were seen).
    public var status: String?
    public var color: HealthColor?
    /// Event time of the last change of status word.
    public var since: Int64?
    /// Event time of the `health` event the current status comes from: an older one arriving late does not
    /// replace it.
    public var statusTime: Int64?
    /// Receive time of that `health` event.
    public var statusReceiveTime: Int64?
    /// Event time of the last `health` or `heartbeat` event.
    public var lastSeen: Int64
    public var latencyMs: Double?
    public var message: String?
    public var port: String?
    public var clientID: String?
    /// Offset of the last event that changed this component.
    public var offset: Int64
    /// This component's events dated beyond the future skew (taken at receive time + skew): its clock is ahead.
    public var futureEvents = 0

    public init(key: ComponentKey, lastSeen: Int64, offset: Int64) {
        self.key = key
        self.lastSeen = lastSeen
        self.offset = offset
    }

    /// Age of the last sighting at `reference` (never negative: events from the future count as just seen;
    /// `Int64.max` when the distance does not fit).
    public func ageNanoseconds(at reference: Int64) -> Int64 { max(0, reference.saturatingDifference(lastSeen)) }

    /// The colour shown for the component: the worse of its status colour and its freshness colour.
    public func effectiveColor(at reference: Int64, thresholds: FreshnessThresholds) -> HealthColor {
        let freshness = Freshness(ageNanoseconds: ageNanoseconds(at: reference), thresholds: thresholds).color
        return max(color ?? .green, freshness)
    }
}
