import ArgumentParser
import EvCore
import EvEngine
import EvStorage
import EvViews

struct AckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ack",
        abstract: "Acknowledge an active alert: sends an 'alert … state=\"ack\",by=NAME' event to evqd.",
        discussion: """
            The alert's severity and labels are looked up among the active alerts of --data-dir (every active \
            alert of that name is acknowledged, or only those with the given --label values); with --severity \
            the lookup is skipped and the alert is identified by the name and the --label values alone.
            """
    )

    @OptionGroup var data: DataDirectoryOptions

    @Argument(help: "The alert's name (its 'alert' tag).")
    var alert: String

    @Option(name: .long, help: "Who acknowledges it.")
    var by: String

    @Option(name: .long, help: "evqd's ingest address.")
    var to: String = "127.0.0.1:8094"

    @Option(name: .long, help: "Only the alert with this label value, KEY=VALUE (repeatable).")
    var label: [String] = []

    @Option(name: .long, help: "The alert's severity; skips the lookup in --data-dir.")
    var severity: String?

    @Option(name: .long, help: "evqd's shared token, if it requires one (default: $EVQ_AUTH_TOKEN).")
    var token: String?

    @Option(name: .long, help: "An optional note.")
    var message: String?

    func validate() throws {
        for l in label where !l.contains("=") { throw ValidationError("--label must be KEY=VALUE, got '\(l)'") }
        guard !by.isEmpty else { throw ValidationError("--by must name who acknowledges") }
        if let severity, !TypedEventRules.alertSeverities.contains(severity) {
            throw ValidationError("--severity must be info, warning or critical")
        }
    }

    func run() async throws {
        var wanted: [String: String] = [:]
        for l in label {
            let parts = l.split(separator: "=", maxSplits: 1)
            wanted[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        var targets: [(severity: String, labels: [String: String])] = []
        if let severity {
            targets = [(severity, wanted)]
        } else {
            let views = try ViewBuilder.build(try data.openReader(), at: nil, configuration: try data.configuration())
            for record in views.alerts.activeAlerts where record.alert == alert {
                if wanted.allSatisfy({ record.labels[$0.key] == $0.value }) { targets.append((record.severity, record.labels)) }
            }
            guard !targets.isEmpty else {
                writeStandardError("evq ack: no active alert '\(alert)'\(label.isEmpty ? "" : " with \(label.joined(separator: ","))") in \(data.dataDir)\n")
                throw ExitCode(1)
            }
        }
        var lines: [UInt8] = []
        for target in targets {
            var tags = [Tag("alert", alert), Tag("severity", target.severity)]
            for key in target.labels.keys.sorted() { tags.append(Tag(key, target.labels[key]!)) }
            var fields = [Field("state", .string("ack")), Field("by", .string(by))]
            if let message { fields.append(Field("message", .string(message))) }
            let event = Event(time: WallClock.nowNanoseconds(), measurement: "alert", tags: tags, fields: fields)
            LineProtocolSerializer.append(event, to: &lines)
        }
        var pending: [UInt8]? = lines
        let preamble = (token ?? ServerOptions.environmentToken).map { ["#evq auth \($0)"] } ?? []
        let outcome = try await LineSender.send(to: to, source: "ack", sync: true, preamble: preamble) {
            defer { pending = nil }
            return pending
        }
        guard outcome.rejected == 0, outcome.lastOffset != nil else {
            writeStandardError("evq ack: evqd did not store the acknowledgement\n")
            throw ExitCode(1)
        }
        writeStandardError("acknowledged \(targets.count) alert\(targets.count == 1 ? "" : "s") '\(alert)' as \(by)\n")
    }
}
