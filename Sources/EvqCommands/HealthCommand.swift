import ArgumentParser
import EvConfig
import EvCore
import EvEngine
import EvStorage
import EvRender
import EvViews

struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Every component's status, colour, freshness and age; the overall status and score."
    )

    @OptionGroup var data: DataDirectoryOptions
    @OptionGroup var time: ReferenceTimeOptions
    @OptionGroup var remote: ServerOptions

    func run() async throws {
        let (reference, cutoff) = try time.resolve()
        if let client = try remote.client() {
            try await client.printAnswer("/api/v1/health", ServerOptions.format(json: time.json) + [("at", cutoff.map { "\($0)" })])
            return
        }
        let configuration = try data.configuration()
        let views = try ViewBuilder.build(try data.openReader(), at: cutoff, configuration: configuration)
        let report = views.health.report(at: reference, thresholds: configuration.freshness)
        let out = OutputStream()
        out.append { Renderer.terminal(json: time.json).health(report, to: &$0) }
        out.flush()
    }
}
