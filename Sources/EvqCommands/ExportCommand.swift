import ArgumentParser
import EvCore
import EvStorage

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write events as line protocol (nanosecond timestamps), in offset order.",
        discussion: "Lossless: pushing the output to another evqd stores the same events."
    )

    @OptionGroup var data: DataDirectoryOptions
    @OptionGroup var range: TimeRangeOptions
    @OptionGroup var filters: FilterOptions
    @OptionGroup var remote: ServerOptions

    func run() async throws {
        let (from, to) = try range.resolve()
        if let client = try remote.client() {
            try await client.printEvents([("format", "lp"), ("from", from.map { "\($0)" }), ("to", to.map { "\($0)" })] + filters.query)
            return
        }
        let reader = try data.openReader()
        let filter = filters.filter
        let out = OutputStream()
        let report = try reader.forEach(minTime: from, maxTime: to) { event in
            if filter.accepts(event) { out.append { LineProtocolSerializer.append(event, to: &$0) } }
            return true
        }
        out.flush()
        warn(report)
    }
}
