import ArgumentParser
import EvCore
import EvEngine
import EvStorage
import EvRender
import EvViews

struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Alerts with their lifecycle: fired, acknowledged (by whom), resolved."
    )

    @OptionGroup var data: DataDirectoryOptions
    @OptionGroup var time: ReferenceTimeOptions
    @OptionGroup var remote: ServerOptions

    @Flag(name: .long, help: "Only alerts that are not resolved.")
    var active = false

    @Option(name: .long, parsing: .unconditional, help: "Only alerts fired or resolved at or after this time.")
    var since: String?

    func run() async throws {
        let (reference, cutoff) = try time.resolve()
        let sinceTime = try parseTimeOption(since, "since", now: reference)
        if let client = try remote.client() {
            try await client.printAnswer(
                "/api/v1/alerts",
                ServerOptions.format(json: time.json) + [
                    ("at", cutoff.map { "\($0)" }), ("since", sinceTime.map { "\($0)" }), ("active", active ? "true" : nil),
                ]
            )
            return
        }
        let views = try ViewBuilder.build(try data.openReader(), at: cutoff, configuration: try data.configuration())
        let records = views.alerts.alerts(since: sinceTime, activeOnly: active)
        let out = OutputStream()
        out.append { Renderer.terminal(json: time.json).alerts(records, history: views.alerts, to: &$0) }
        out.flush()
    }
}
