/// One alert's lifecycle: firing → (ack) → resolved (`spec/views.md`, "Alerts").
public struct AlertRecord: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        case firing
        case acknowledged = "ack"
        case resolved
    }

    /// The alert's name (its `alert` tag).
    public var alert: String
    /// Its other tags, `severity` excluded: `host=h1` tells two `cpu_high` alerts apart.
    public var labels: [String: String]
    public var severity: String
    public var state: State
    public var firedAt: Int64
    public var ackedBy: String?
    public var ackedAt: Int64?
    public var resolvedAt: Int64?
    public var message: String?
    public var value: Double?
    /// `firing` events received while already firing (re-notifications).
    public var refires: Int
    public var offset: Int64

    public var isActive: Bool { state != .resolved }
}
