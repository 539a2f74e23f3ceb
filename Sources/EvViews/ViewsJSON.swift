import EvCore

/// The JSON shapes of the views (`spec/views.md`, "JSON"): one encoder shared by `evq --json` and the HTTP API.
public enum ViewsJSON {
    public static func health(_ report: HealthReport, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        JSONWriter.key("at", first: true, to: &out)
        JSONWriter.time(report.at, to: &out)
        JSONWriter.key("overall", to: &out)
        JSONWriter.string(report.overall.description, to: &out)
        JSONWriter.key("score", to: &out)
        out.append(contentsOf: String(report.score).utf8)
        JSONWriter.key("components", to: &out)
        out.append(UInt8(ascii: "["))
        for (k, row) in report.rows.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            let c = row.health
            out.append(UInt8(ascii: "{"))
            JSONWriter.key("component", first: true, to: &out)
            JSONWriter.string(c.key.component, to: &out)
            JSONWriter.key("host", to: &out)
            JSONWriter.optionalString(c.key.host, to: &out)
            JSONWriter.key("status", to: &out)
            JSONWriter.optionalString(c.status, to: &out)
            JSONWriter.key("color", to: &out)
            JSONWriter.string(row.effectiveColor.description, to: &out)
            JSONWriter.key("status_color", to: &out)
            JSONWriter.optionalString(c.color?.description, to: &out)
            JSONWriter.key("since", to: &out)
            JSONWriter.time(c.since, to: &out)
            JSONWriter.key("last_seen", to: &out)
            JSONWriter.time(c.lastSeen, to: &out)
            JSONWriter.key("age_s", to: &out)
            JSONWriter.number(Double(row.ageNanoseconds / 1_000_000) / 1000, to: &out)
            JSONWriter.key("freshness", to: &out)
            JSONWriter.string(row.freshness.rawValue, to: &out)
            JSONWriter.key("latency_ms", to: &out)
            JSONWriter.number(c.latencyMs, to: &out)
            JSONWriter.key("message", to: &out)
            JSONWriter.optionalString(c.message, to: &out)
            JSONWriter.key("port", to: &out)
            JSONWriter.optionalString(c.port, to: &out)
            JSONWriter.key("client_id", to: &out)
            JSONWriter.optionalString(c.clientID, to: &out)
            JSONWriter.key("future_events", to: &out)
            out.append(contentsOf: String(c.futureEvents).utf8)
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: "]}".utf8)
    }

    public static func slots(_ registry: SlotRegistry, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        JSONWriter.key("used", first: true, to: &out)
        out.append(contentsOf: String(registry.used).utf8)
        JSONWriter.key("limit", to: &out)
        out.append(contentsOf: String(registry.limit).utf8)
        JSONWriter.key("warning_at", to: &out)
        out.append(contentsOf: String(registry.warningAt).utf8)
        JSONWriter.key("warning", to: &out)
        out.append(contentsOf: (registry.isWarning ? "true" : "false").utf8)
        JSONWriter.key("active", to: &out)
        out.append(UInt8(ascii: "["))
        for (k, slot) in registry.activeSlots.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "{"))
            JSONWriter.key("strategy", first: true, to: &out)
            JSONWriter.string(slot.strategy, to: &out)
            JSONWriter.key("conid", to: &out)
            JSONWriter.string(slot.conid, to: &out)
            JSONWriter.key("symbol", to: &out)
            JSONWriter.string(slot.symbol, to: &out)
            JSONWriter.key("since", to: &out)
            JSONWriter.time(slot.since, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
        JSONWriter.key("conflicts", to: &out)
        changes(registry.conflicts.elements, to: &out)
        JSONWriter.key("conflicts_total", to: &out)
        out.append(contentsOf: String(registry.conflicts.appended).utf8)
        out.append(UInt8(ascii: "}"))
    }

    static func changes(_ changes: [SlotRegistry.Change], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (k, change) in changes.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "{"))
            JSONWriter.key("kind", first: true, to: &out)
            JSONWriter.string(change.kind.rawValue, to: &out)
            JSONWriter.key("strategy", to: &out)
            JSONWriter.string(change.strategy, to: &out)
            JSONWriter.key("conid", to: &out)
            JSONWriter.string(change.conid, to: &out)
            JSONWriter.key("symbol", to: &out)
            JSONWriter.string(change.symbol, to: &out)
            JSONWriter.key("at", to: &out)
            JSONWriter.time(change.time, to: &out)
            JSONWriter.key("offset", to: &out)
            out.append(contentsOf: String(change.offset).utf8)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
    }

    public static func alerts(_ records: [AlertRecord], history: AlertHistory, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        JSONWriter.key("alerts", first: true, to: &out)
        out.append(UInt8(ascii: "["))
        for (k, r) in records.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "{"))
            JSONWriter.key("alert", first: true, to: &out)
            JSONWriter.string(r.alert, to: &out)
            JSONWriter.key("labels", to: &out)
            counts(r.labels.mapValues { $0 }, to: &out)
            JSONWriter.key("severity", to: &out)
            JSONWriter.string(r.severity, to: &out)
            JSONWriter.key("state", to: &out)
            JSONWriter.string(r.state.rawValue, to: &out)
            JSONWriter.key("fired_at", to: &out)
            JSONWriter.time(r.firedAt, to: &out)
            JSONWriter.key("acked_by", to: &out)
            JSONWriter.optionalString(r.ackedBy, to: &out)
            JSONWriter.key("acked_at", to: &out)
            JSONWriter.time(r.ackedAt, to: &out)
            JSONWriter.key("resolved_at", to: &out)
            JSONWriter.time(r.resolvedAt, to: &out)
            JSONWriter.key("message", to: &out)
            JSONWriter.optionalString(r.message, to: &out)
            JSONWriter.key("value", to: &out)
            JSONWriter.number(r.value, to: &out)
            JSONWriter.key("refires", to: &out)
            out.append(contentsOf: String(r.refires).utf8)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
        JSONWriter.key("active_by_severity", to: &out)
        counts(history.activeBySeverity.mapValues(String.init), numeric: true, to: &out)
        JSONWriter.key("fired_by_severity", to: &out)
        counts(history.firedBySeverity.mapValues(String.init), numeric: true, to: &out)
        out.append(UInt8(ascii: "}"))
    }

    /// A JSON object of sorted keys; values are strings, or raw numbers when `numeric`.
    static func counts(_ values: [String: String], numeric: Bool = false, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (k, key) in values.keys.sorted().enumerated() {
            JSONWriter.key(key, first: k == 0, to: &out)
            if numeric { out.append(contentsOf: values[key]!.utf8) } else { JSONWriter.string(values[key]!, to: &out) }
        }
        out.append(UInt8(ascii: "}"))
    }

    public static func timeline(_ timeline: Timeline, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        JSONWriter.key("series", first: true, to: &out)
        JSONWriter.string(timeline.series.description, to: &out)
        JSONWriter.key("step_s", to: &out)
        out.append(contentsOf: String(timeline.stepSeconds).utf8)
        JSONWriter.key("agg", to: &out)
        JSONWriter.string(timeline.aggregation.rawValue, to: &out)
        JSONWriter.key("points", to: &out)
        out.append(UInt8(ascii: "["))
        for (k, point) in timeline.points.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: "[\(point.time),".utf8)
            if let value = point.value, value.isFinite {
                out.append(contentsOf: (value == value.rounded() && abs(value) < 1e7 ? String(Int64(value)) : value.description).utf8)
            } else {
                out.append(contentsOf: "null".utf8)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(contentsOf: "]}".utf8)
    }
}
