import EvCore

/// How recently a component was seen, by the age of its last `health` or `heartbeat` event
/// (`spec/views.md`, "Health").
public enum Freshness: String, Sendable, Hashable, Comparable, CaseIterable {
    case fresh
    case warning
    case stale

    /// The class of `ageNanoseconds` under `thresholds`: fresh below `freshBelow`, stale above `staleAbove`.
    public init(ageNanoseconds: Int64, thresholds: FreshnessThresholds) {
        if ageNanoseconds < thresholds.freshBelowNanoseconds {
            self = .fresh
        } else if ageNanoseconds <= thresholds.staleAboveNanoseconds {
            self = .warning
        } else {
            self = .stale
        }
    }

    /// The colour this freshness stands for: fresh green, warning yellow, stale red.
    public var color: HealthColor {
        switch self {
        case .fresh: .green
        case .warning: .yellow
        case .stale: .red
        }
    }

    public static func < (lhs: Freshness, rhs: Freshness) -> Bool { lhs.color < rhs.color }
}

/// Freshness bounds: fresh below 30 s, warning from 30 s to 60 s, stale above 60 s by default.
public struct FreshnessThresholds: Sendable, Hashable {
    public var freshBelowNanoseconds: Int64
    public var staleAboveNanoseconds: Int64

    public init(freshBelowSeconds: Double = 30, staleAboveSeconds: Double = 60) {
        precondition(freshBelowSeconds <= staleAboveSeconds, "fresh bound not above the stale bound")
        freshBelowNanoseconds = Int64(freshBelowSeconds * 1e9)
        staleAboveNanoseconds = Int64(staleAboveSeconds * 1e9)
    }
}
