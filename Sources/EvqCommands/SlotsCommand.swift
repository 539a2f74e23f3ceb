import ArgumentParser
import EvCore
import EvEngine
import EvStorage
import EvRender
import EvViews

struct SlotsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slots",
        abstract: "Active strategy streaming slots, used / limit, and conflicts."
    )

    @OptionGroup var data: DataDirectoryOptions
    @OptionGroup var time: ReferenceTimeOptions
    @OptionGroup var remote: ServerOptions

    func run() async throws {
        let (_, cutoff) = try time.resolve()
        if let client = try remote.client() {
            try await client.printAnswer("/api/v1/slots", ServerOptions.format(json: time.json) + [("at", cutoff.map { "\($0)" })])
            return
        }
        let views = try ViewBuilder.build(try data.openReader(), at: cutoff, configuration: try data.configuration())
        let out = OutputStream()
        out.append { Renderer.terminal(json: time.json).slots(views.slots, to: &$0) }
        out.flush()
    }
}
