import ArgumentParser
import EvCore
import EvStorage
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

    func run() async throws {
        let views = try ViewBuilder.build(try data.openReader(), at: nil, configuration: try data.configuration())
        let glob = match.map(Glob.init)
        let names = views.timelines.series.filter { glob?.matches($0.description) ?? true }.sorted()
        let out = OutputStream()
        if json {
            out.append { buffer in
                buffer.append(contentsOf: "{\"series\":[".utf8)
                for (k, name) in names.enumerated() {
                    if k > 0 { buffer.append(UInt8(ascii: ",")) }
                    JSONWriter.string(name.description, to: &buffer)
                }
                buffer.append(contentsOf: "]}\n".utf8)
            }
        } else {
            for name in names { out.write(name.description + "\n") }
        }
        out.flush()
    }
}
