import ArgumentParser
import EvCore
import EvStorage
import NIOHTTP1

struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Show the last events, and follow new ones with -f."
    )

    @OptionGroup var data: DataDirectoryOptions
    @OptionGroup var filters: FilterOptions

    @Option(name: .short, help: "How many of the last matching events to show.")
    var n: Int = 10

    @Flag(name: .short, help: "Keep following new events (polls the directory every 200 ms).")
    var follow = false

    @Flag(name: .long, help: "One JSON object per event.")
    var json = false

    @OptionGroup var remote: ServerOptions

    func validate() throws {
        guard n >= 0 else { throw ValidationError("-n must not be negative") }
    }

    func run() async throws {
        if let client = try remote.client() {
            let format = json ? "jsonl" : "text"
            let body = try await client.get(ServerOptions.path("/api/v1/events", [("format", format), ("last", "\(n)")] + filters.query))
            guard body.status == 200 else { try ServerClient.fail(status: body.status, body: body.body) }
            let out = OutputStream()
            out.write(bytes: body.body)
            out.flush()
            guard follow, let next = body.headers.first(name: "Evq-Log-Next-Offset").flatMap({ Int64($0) }) else { return }
            try await client.follow(from: next, [("format", json ? "json" : "text")] + filters.query)
            return
        }
        let reader = try data.openReader()
        let filter = filters.filter
        let printer = EventPrinter(json: json)
        var last = try lastMatching(reader: reader, filter: filter)
        for event in last.events { printer.print(event) }
        printer.flush()
        guard follow else { return }
        while !Task.isCancelled {
            try await Task.sleep(for: .milliseconds(200))
            try reader.refresh()
            guard reader.nextOffset > last.next else { continue }
            try reader.forEach(from: last.next) { event in
                if filter.accepts(event) { printer.print(event) }
                return true
            }
            last.next = reader.nextOffset
            printer.flush()
        }
    }

    /// The last `n` matching events, and the offset to follow from.
    private func lastMatching(reader: LogReader, filter: EventFilter) throws -> (events: [Event], next: Int64) {
        guard n > 0 else { return ([], reader.nextOffset) }
        var tail = LastElements<Event>(capacity: n)
        let unfiltered = filters.kind.isEmpty && filters.component == nil && filters.match == nil
        let from = unfiltered ? max(0, reader.nextOffset - Int64(n)) : 0
        let report = try reader.forEach(from: from) { event in
            if filter.accepts(event) { tail.append(event) }
            return true
        }
        warn(report)
        return (tail.elements, reader.nextOffset)
    }
}

/// Tells the user, on stderr, about damaged blocks a read skipped.
func warn(_ report: LogReader.Report) {
    for corruption in report.corruptions {
        writeStandardError("evq: skipped damaged block: \(corruption)\n")
    }
    }
