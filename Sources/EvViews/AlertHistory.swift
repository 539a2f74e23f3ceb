import EvCore

/// Every alert's lifecycle, as a pure reducer over `alert` events (`spec/views.md`, "Alerts"): active alerts,
/// counts by severity, and a bounded history of resolved ones.
public struct AlertHistory: Sendable, Hashable {
    /// Alerts are matched by name and labels.
    public struct Key: Sendable, Hashable {
        public var alert: String
        public var labels: [String: String]
    }

    public internal(set) var active: [Key: AlertRecord] = [:]
    /// Resolved alerts, newest last (bounded by count).
    public internal(set) var resolved: BoundedLog<AlertRecord>
    /// `ack` or `resolved` events for an alert that was not active (kept as counts, not records).
    public internal(set) var unmatched = 0
    /// Alerts fired in total, by severity.
    public internal(set) var firedBySeverity: [String: Int] = [:]

    public init(resolvedCapacity: Int = 10_000) {
        resolved = BoundedLog(capacity: resolvedCapacity)
    }

    public mutating func apply(_ event: Event) {
        guard event.kind == .alert, let name = event.tag("alert"), let severity = event.tag("severity")?.lowercased(),
            let state = event.field("state")?.stringValue?.lowercased()
        else { return }
        var labels: [String: String] = [:]
        for tag in event.tags where tag.key != "alert" && tag.key != "severity" { labels[tag.key] = tag.value }
        let key = Key(alert: name, labels: labels)
        let message = event.field("message")?.stringValue
        let value = event.field("value")?.numericValue
        switch state {
        case "firing":
            if var record = active[key] {
                record.refires += 1
                record.severity = severity
                record.message = message ?? record.message
                record.value = value ?? record.value
                record.offset = event.offset
                active[key] = record
            } else {
                active[key] = AlertRecord(
                    alert: name, labels: labels, severity: severity, state: .firing, firedAt: event.time,
                    ackedBy: nil, ackedAt: nil, resolvedAt: nil, message: message, value: value, refires: 0,
                    offset: event.offset
                )
                firedBySeverity[severity, default: 0] += 1
            }
        case "ack":
            guard var record = active[key] else {
                unmatched += 1
                return
            }
            record.state = .acknowledged
            record.ackedBy = event.field("by")?.stringValue ?? record.ackedBy
            record.ackedAt = event.time
            record.offset = event.offset
            active[key] = record
        case "resolved":
            guard var record = active.removeValue(forKey: key) else {
                unmatched += 1
                return
            }
            record.state = .resolved
            record.resolvedAt = event.time
            record.value = value ?? record.value
            record.message = message ?? record.message
            record.offset = event.offset
            resolved.append(record)
        default:
            break  // the parser admits only firing, ack and resolved
        }
    }

    /// Active alerts, oldest first.
    public var activeAlerts: [AlertRecord] { active.values.sorted { ($0.firedAt, $0.offset) < ($1.firedAt, $1.offset) } }

    /// Active and resolved alerts fired at or after `since`, oldest first.
    public func alerts(since: Int64? = nil, activeOnly: Bool = false) -> [AlertRecord] {
        var all = activeAlerts
        if !activeOnly { all = resolved.elements + all }
        all.sort { ($0.firedAt, $0.offset) < ($1.firedAt, $1.offset) }
        guard let since else { return all }
        return all.filter { $0.firedAt >= since || ($0.resolvedAt ?? .max) >= since }
    }

    /// Active alerts by severity.
    public var activeBySeverity: [String: Int] {
        active.values.reduce(into: [:]) { $0[$1.severity, default: 0] += 1 }
    }
}
