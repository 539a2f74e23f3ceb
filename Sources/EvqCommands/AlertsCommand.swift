import ArgumentParser
import EvCore
import EvStorage
import EvViews

struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Alerts with their lifecycle: fired, acknowledged (by whom), resolved."
    )

    @OptionGroup var data: DataDirectoryOptions
    @OptionGroup var time: ReferenceTimeOptions

    @Flag(name: .long, help: "Only alerts that are not resolved.")
    var active = false

    @Option(name: .long, parsing: .unconditional, help: "Only alerts fired or resolved at or after this time.")
    var since: String?

    func run() async throws {
        let (reference, cutoff) = try time.resolve()
        let sinceTime = try parseTimeOption(since, "since", now: reference)
        let views = try ViewBuilder.build(try data.openReader(), at: cutoff, configuration: try data.configuration())
        let records = views.alerts.alerts(since: sinceTime, activeOnly: active)
        let out = OutputStream()
        out.append { Self.render(records, history: views.alerts, json: time.json, to: &$0) }
        out.flush()
    }

    static func render(_ records: [AlertRecord], history: AlertHistory, json: Bool, to out: inout [UInt8]) {
        if json {
            ViewsJSON.alerts(records, history: history, to: &out)
            out.append(UInt8(ascii: "\n"))
            return
        }
        var table = TextTable(header: ["ALERT", "LABELS", "SEVERITY", "STATE", "FIRED", "ACKED BY", "ACKED", "RESOLVED", "MESSAGE"])
        for r in records {
            let color: HealthColor = r.state == .resolved ? .green : r.severity == "critical" ? .red : .yellow
            table.add([
                r.alert, r.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","),
                r.severity, TextTable.colored(r.state.rawValue, color), TextTable.time(r.firedAt), r.ackedBy ?? "-",
                TextTable.time(r.ackedAt), TextTable.time(r.resolvedAt), r.message ?? "",
            ])
        }
        out.append(contentsOf: table.render().utf8)
    }
}
