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

    func run() async throws {
        let (reference, cutoff) = try time.resolve()
        let configuration = try data.configuration()
        let views = try ViewBuilder.build(try data.openReader(), at: cutoff, configuration: configuration)
        let report = views.health.report(at: reference, thresholds: configuration.freshness)
        let out = OutputStream()
        out.append { Renderer.terminal(json: time.json).health(report, to: &$0) }
        out.flush()
    }
}
