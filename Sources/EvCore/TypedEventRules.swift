/// The required tags, fields and words of the typed events (`spec/wire-protocol.md`, "Typed events").
public enum TypedEventRules {
    public static let slotActions = ["acquire", "release"]
    public static let alertSeverities = ["info", "warning", "critical"]
    public static let alertStates = ["firing", "resolved", "ack"]

    /// The tags an event of `kind` must carry.
    public static func requiredTags(_ kind: EventKind) -> [String] {
        switch kind {
        case .health, .heartbeat: ["component"]
        case .slot: ["strategy", "conid", "symbol"]
        case .alert: ["alert", "severity"]
        case .metric: []
        }
    }

    /// The string fields an event of `kind` must carry, with the words each may hold (`nil`: any word).
    static func requiredWordFields(_ kind: EventKind) -> [(field: String, words: [String]?)] {
        switch kind {
        case .health: [("status", nil)]  // checked against HealthColor.statusWords
        case .slot: [("action", slotActions)]
        case .alert: [("state", alertStates)]
        case .heartbeat, .metric: []
        }
    }
}
