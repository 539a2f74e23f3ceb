import EvCore

/// The current health of every component, as a pure reducer over `health` and `heartbeat` events
/// (`spec/views.md`, "Health"). Age and freshness are computed against a reference time given at query time.
public struct HealthView: Sendable, Hashable {
    public internal(set) var components: [ComponentKey: ComponentHealth] = [:]

    public init() {}

    /// Applies one event; events of other kinds are ignored.
    ///
    /// - Parameter ahead: the event's time was beyond the future skew and is taken at its limit (counted).
    /// - Returns: the component's status colour after the event (`nil` if it has none, or for other events).
    @discardableResult
    public mutating func apply(_ event: Event, ahead: Bool = false) -> HealthColor? {
        guard event.kind == .health || event.kind == .heartbeat, let name = event.tag("component") else { return nil }
        let key = ComponentKey(component: name, host: event.tag("host") ?? event.field("host")?.stringValue)
        var entry = components[key] ?? ComponentHealth(key: key, lastSeen: event.time, offset: event.offset)
        entry.lastSeen = max(entry.lastSeen, event.time)
        entry.offset = event.offset
        if ahead { entry.futureEvents += 1 }
        // A late arrival (older than the current status) does not replace it — unless it arrived after the current
        // status and that status is dated after this arrival: a status from the future cannot hide what follows it.
        let current = entry.statusTime ?? .min
        let overtakes = event.receiveTime >= (entry.statusReceiveTime ?? .min) && current > event.receiveTime
        if event.kind == .health, event.time >= current || overtakes,
            let word = event.field("status")?.stringValue, let color = HealthColor(statusWord: word)
        {
            entry.statusTime = event.time
            entry.statusReceiveTime = event.receiveTime
            let status = word.lowercased()
            if entry.status != status {
                entry.status = status
                entry.since = event.time
                entry.message = nil  // a message explains a status: a new status without one clears it
            }
            entry.color = color
            if let latency = event.field("latency_ms")?.numericValue { entry.latencyMs = latency }
            if let message = (event.field("message") ?? event.field("msg"))?.stringValue { entry.message = message }
            if let port = event.field("port") { entry.port = Self.text(port) }
            if let client = event.field("client_id") { entry.clientID = Self.text(client) }
        }
        components[key] = entry
        return entry.color
    }

    /// The view as of `reference` (nanoseconds): components sorted, with ages, freshness, overall colour and score.
    public func report(at reference: Int64, thresholds: FreshnessThresholds = FreshnessThresholds()) -> HealthReport {
        let rows = components.values.sorted { $0.key < $1.key }.map { c in
            HealthReport.Row(
                health: c,
                ageNanoseconds: c.ageNanoseconds(at: reference),
                freshness: Freshness(ageNanoseconds: c.ageNanoseconds(at: reference), thresholds: thresholds),
                effectiveColor: c.effectiveColor(at: reference, thresholds: thresholds)
            )
        }
        return HealthReport(at: reference, rows: rows)
    }

    static func text(_ value: FieldValue) -> String {
        switch value {
        case .string(let s): s
        case .int(let i): String(i)
        case .uint(let u): String(u)
        case .float(let d): d.description
        case .bool(let b): b ? "true" : "false"
        }
    }
}
