import ArgumentParser
import EvConfig
import EvCore
import EvEngine
import EvStorage
import EvRender
import EvViews

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Post-mortems: every view as of a moment (--at T), or the events of a time range (--from/--to).",
        discussion: """
            --at T rebuilds health, slots and alerts from the events up to T and ages them at T: the state the \
            live daemon showed at T. --from/--to list the events whose time is in the range, in log order.
            """
    )

    @OptionGroup var data: DataDirectoryOptions

    @Option(name: .long, parsing: .unconditional, help: "The moment to rebuild the views at.")
    var at: String?

    @Option(name: .long, parsing: .unconditional, help: "First event time to list.")
    var from: String?

    @Option(name: .long, parsing: .unconditional, help: "Last event time to list.")
    var to: String?

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @OptionGroup var remote: ServerOptions

    func validate() throws {
        guard (at != nil) != (from != nil || to != nil) else {
            throw ValidationError("give either --at T, or --from T and/or --to T")
        }
    }

    func run() async throws {
        let now = WallClock.nowNanoseconds()
        func parse(_ text: String?, _ name: String) throws -> Int64? { try parseTimeOption(text, name, now: now) }
        if let client = try remote.client() {
            if let at = try parse(at, "at") {
                try await client.printAnswer("/api/v1/state", ServerOptions.format(json: json) + [("at", "\(at)")])
            } else {
                let (minTime, maxTime) = (try parse(from, "from"), try parse(to, "to"))
                try await client.printEvents(
                    [("format", json ? "jsonl" : "text"), ("from", minTime.map { "\($0)" }), ("to", maxTime.map { "\($0)" })]
                )
            }
            return
        }
        let reader = try data.openReader()
        if let at = try parse(at, "at") {
            let configuration = try data.configuration()
            let views = try ViewBuilder.build(reader, at: at, configuration: configuration)
            let out = OutputStream()
            out.append { Renderer.terminal(json: json).state(views, at: at, thresholds: configuration.freshness, to: &$0) }
            out.flush()
            return
        }
        let (minTime, maxTime) = (try parse(from, "from"), try parse(to, "to"))
        let printer = EventPrinter(json: json)
        let report = try reader.forEach(minTime: minTime, maxTime: maxTime) { event in
            printer.print(event)
            return true
        }
        printer.flush()
        warn(report)
    }
}
