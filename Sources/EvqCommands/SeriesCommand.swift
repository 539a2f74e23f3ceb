import ArgumentParser
import EvCore
import EvEngine
import EvStorage
import EvRender
import EvViews

struct SeriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "series",
        abstract: "List the numeric series that have timelines ('measurement,tags field')."
    )

    @OptionGroup var data: DataDirectoryOptions

    @Option(name: .long, help: "Only series whose name matches this glob.")
    var match: String?

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @OptionGroup var remote: ServerOptions

    func run() async throws {
        if let client = try remote.client() {
            try await client.printAnswer("/api/v1/series", ServerOptions.format(json: json) + [("match", match)])
            return
        }
        let views = try ViewBuilder.build(try data.openReader(), at: nil, configuration: try data.configuration())
        let glob = match.map(Glob.init)
        let names = views.timelines.series.filter { glob?.matches($0.description) ?? true }.sorted()
        let out = OutputStream()
        out.append { Renderer.terminal(json: json).series(names, to: &$0) }
        out.flush()
    }
}
