import EvCore

/// The health view at one reference time: what `evq health` prints and `/api/v1/health` returns.
public struct HealthReport: Sendable, Hashable {
    public struct Row: Sendable, Hashable {
        public var health: ComponentHealth
        public var ageNanoseconds: Int64
        public var freshness: Freshness
        /// The worse of the status colour and the freshness colour.
        public var effectiveColor: HealthColor
    }

    public var at: Int64
    public var rows: [Row]

    /// The worst effective colour of any component; green when there are none.
    public var overall: HealthColor { rows.map(\.effectiveColor).max() ?? .green }

    /// 0–100: the mean over components of 100 (green), 50 (yellow) or 0 (red) by effective colour; 100 when
    /// there are none.
    public var score: Int {
        guard !rows.isEmpty else { return 100 }
        let total = rows.reduce(0) { sum, row in
            sum + (row.effectiveColor == .green ? 100 : row.effectiveColor == .yellow ? 50 : 0)
        }
        return Int((Double(total) / Double(rows.count)).rounded())
    }
}
