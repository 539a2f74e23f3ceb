import EvCore
import EvViews

/// What `evq` prints for each view, as JSON (the documented shapes of `spec/views.md`, shared with the HTTP API) or
/// as tables for people. The HTTP API renders `format=text` with this same type, so `evq --server URL` prints
/// exactly what `evq` prints offline.
public struct Renderer: Sendable {
    /// JSON instead of tables.
    public var json: Bool
    /// ANSI colours in tables.
    public var colors: Bool

    public init(json: Bool, colors: Bool = false) {
        self.json = json
        self.colors = colors
    }

    private func colored(_ text: String, _ color: HealthColor) -> String {
        TextTable.colored(text, color, enabled: colors)
    }

    public func health(_ report: HealthReport, to out: inout [UInt8]) {
        if json {
            ViewsJSON.health(report, to: &out)
            out.append(UInt8(ascii: "\n"))
            return
        }
        var table = TextTable(header: ["COMPONENT", "HOST", "STATUS", "COLOR", "AGE", "FRESHNESS", "SINCE", "LATENCY", "MESSAGE"], colors: colors)
        for row in report.rows {
            let c = row.health
            table.add(
                [
                    c.key.component, c.key.host ?? "-", c.status ?? "-", row.effectiveColor.description,
                    TextTable.seconds(row.ageNanoseconds), row.freshness.rawValue, TextTable.time(c.since),
                    c.latencyMs.map { "\($0)ms" } ?? "-", c.message ?? "",
                ],
                colored: [3: row.effectiveColor]
            )
        }
        out.append(contentsOf: "overall \(colored(report.overall.description, report.overall))  score \(report.score)  at \(RFC3339.format(nanoseconds: report.at))\n".utf8)
        out.append(contentsOf: table.render().utf8)
        let ahead = report.rows.filter { $0.health.futureEvents > 0 }
        if !ahead.isEmpty {
            // Their times were taken as receive time + max_future_skew (spec/views.md, "Event time").
            let names = ahead.map { TextTable.printable("\($0.health.key)") + " (\($0.health.futureEvents))" }.joined(separator: ", ")
            out.append(contentsOf: "clock ahead: events dated beyond max_future_skew, taken at their receive time: \(names)\n".utf8)
        }
    }

    public func slots(_ slots: SlotRegistry, to out: inout [UInt8]) {
        if json {
            ViewsJSON.slots(slots, to: &out)
            out.append(UInt8(ascii: "\n"))
            return
        }
        let level: HealthColor = slots.used >= slots.limit ? .red : slots.isWarning ? .yellow : .green
        out.append(contentsOf: "slots used \(colored("\(slots.used) / \(slots.limit)", level))\n".utf8)
        var table = TextTable(header: ["STRATEGY", "CONID", "SYMBOL", "SINCE"])
        for slot in slots.activeSlots { table.add([slot.strategy, slot.conid, slot.symbol, TextTable.time(slot.since)]) }
        out.append(contentsOf: table.render().utf8)
        let conflicts = slots.conflicts.elements
        if !conflicts.isEmpty {
            out.append(contentsOf: "conflicts (\(slots.conflicts.appended) in total)\n".utf8)
            var c = TextTable(header: ["KIND", "STRATEGY", "CONID", "SYMBOL", "AT", "OFFSET"])
            for x in conflicts { c.add([x.kind.rawValue, x.strategy, x.conid, x.symbol, TextTable.time(x.time), String(x.offset)]) }
            out.append(contentsOf: c.render().utf8)
        }
    }

    public func alerts(_ records: [AlertRecord], history: AlertHistory, to out: inout [UInt8]) {
        if json {
            ViewsJSON.alerts(records, history: history, to: &out)
            out.append(UInt8(ascii: "\n"))
            return
        }
        var table = TextTable(header: ["ALERT", "LABELS", "SEVERITY", "STATE", "FIRED", "ACKED BY", "ACKED", "RESOLVED", "MESSAGE"], colors: colors)
        for r in records {
            let color: HealthColor = r.state == .resolved ? .green : r.severity == "critical" ? .red : .yellow
            table.add(
                [
                    r.alert, r.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","),
                    r.severity, r.state.rawValue, TextTable.time(r.firedAt), r.ackedBy ?? "-",
                    TextTable.time(r.ackedAt), TextTable.time(r.resolvedAt), r.message ?? "",
                ],
                colored: [3: color]
            )
        }
        out.append(contentsOf: table.render().utf8)
    }

    public func timeline(_ timeline: Timeline, to out: inout [UInt8]) {
        if json {
            ViewsJSON.timeline(timeline, to: &out)
            out.append(UInt8(ascii: "\n"))
            return
        }
        out.append(contentsOf: "\(TextTable.printable(timeline.series.description))  step \(timeline.stepSeconds)s  \(timeline.aggregation.rawValue)\n".utf8)
        for point in timeline.points {
            let value = point.value.map { $0.description } ?? "null"
            out.append(contentsOf: "\(RFC3339.format(nanoseconds: point.time * 1_000_000_000))\t\(value)\n".utf8)
        }
    }

    public func series(_ names: [SeriesName], to out: inout [UInt8]) {
        if json {
            out.append(contentsOf: "{\"series\":[".utf8)
            for (k, name) in names.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                JSONWriter.string(name.description, to: &out)
            }
            out.append(contentsOf: "]}\n".utf8)
            return
        }
        for name in names { out.append(contentsOf: (TextTable.printable(name.description) + "\n").utf8) }
    }

    /// Every view as of `at` (`evq replay --at T`, `GET /api/v1/state?at=T`).
    public func state(_ views: Views, at: Int64, thresholds: FreshnessThresholds, to out: inout [UInt8]) {
        let report = views.health.report(at: at, thresholds: thresholds)
        let alerts = views.alerts.alerts()
        if json {
            out.append(contentsOf: "{\"at\":".utf8)
            JSONWriter.time(at, to: &out)
            out.append(contentsOf: ",\"events\":\(views.applied),\"health\":".utf8)
            ViewsJSON.health(report, to: &out)
            out.append(contentsOf: ",\"slots\":".utf8)
            ViewsJSON.slots(views.slots, to: &out)
            out.append(contentsOf: ",\"alerts\":".utf8)
            ViewsJSON.alerts(alerts, history: views.alerts, to: &out)
            out.append(contentsOf: "}\n".utf8)
            return
        }
        out.append(contentsOf: "state at \(RFC3339.format(nanoseconds: at)) (\(views.applied) events)\n\n".utf8)
        health(report, to: &out)
        out.append(UInt8(ascii: "\n"))
        slots(views.slots, to: &out)
        out.append(UInt8(ascii: "\n"))
        self.alerts(alerts, history: views.alerts, to: &out)
    }

    /// One event: a JSON object, or offset, RFC 3339 time, kind and the line without its timestamp, tab-separated.
    public func event(_ event: Event, to out: inout [UInt8]) {
        if json {
            JSONWriter.event(event, to: &out)
        } else {
            out.append(contentsOf: "\(event.offset)\t\(RFC3339.format(nanoseconds: event.time))\t\(event.kind)\t".utf8)
            var line: [UInt8] = []
            LineProtocolSerializer.append(event, to: &line)
            // Drop " <timestamp>\n": the time is already shown.
            if let space = line.lastIndex(of: UInt8(ascii: " ")) { line.removeSubrange(space...) }
            TextTable.appendPrintable(line, to: &out)
        }
        out.append(UInt8(ascii: "\n"))
    }
}
