import ArgumentParser
import EvConfig
import EvCore
import EvStorage
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

    func validate() throws {
        guard (at != nil) != (from != nil || to != nil) else {
            throw ValidationError("give either --at T, or --from T and/or --to T")
        }
    }

    func run() async throws {
        let now = WallClock.nowNanoseconds()
        func parse(_ text: String?, _ name: String) throws -> Int64? { try parseTimeOption(text, name, now: now) }
        let reader = try data.openReader()
        if let at = try parse(at, "at") {
            let configuration = try data.configuration()
            let views = try ViewBuilder.build(reader, at: at, configuration: configuration)
            let out = OutputStream()
            out.append { buffer in
                if json {
                    buffer.append(contentsOf: "{\"at\":".utf8)
                    JSONWriter.time(at, to: &buffer)
                    buffer.append(contentsOf: ",\"events\":\(views.applied),\"health\":".utf8)
                    ViewsJSON.health(views.health.report(at: at, thresholds: configuration.freshness), to: &buffer)
                    buffer.append(contentsOf: ",\"slots\":".utf8)
                    ViewsJSON.slots(views.slots, to: &buffer)
                    buffer.append(contentsOf: ",\"alerts\":".utf8)
                    ViewsJSON.alerts(views.alerts.alerts(), history: views.alerts, to: &buffer)
                    buffer.append(contentsOf: "}\n".utf8)
                } else {
                    buffer.append(contentsOf: "state at \(RFC3339.format(nanoseconds: at)) (\(views.applied) events)\n\n".utf8)
                    HealthCommand.render(views.health.report(at: at, thresholds: configuration.freshness), json: false, to: &buffer)
                    buffer.append(UInt8(ascii: "\n"))
                    SlotsCommand.render(views.slots, json: false, to: &buffer)
                    buffer.append(UInt8(ascii: "\n"))
                    AlertsCommand.render(views.alerts.alerts(), history: views.alerts, json: false, to: &buffer)
                }
            }
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
