import ArgumentParser
import EvCore
import EvEngine
import EvStorage
import EvRender
import EvViews

struct TimelineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline",
        abstract: "A series' rolling timeline: exactly N points of one step, aligned, gaps as null.",
        discussion: """
            SERIES is a series name as 'evq series' prints it ('cpu,host=h0,core=0 usage_user'), a glob over \
            those names, or MEASUREMENT.FIELD for that field of every tag set. Every matching series is printed.
            """
    )

    @OptionGroup var data: DataDirectoryOptions
    @OptionGroup var time: ReferenceTimeOptions
    @OptionGroup var remote: ServerOptions

    @Argument(help: "Series name, glob, or MEASUREMENT.FIELD.")
    var series: String

    @Option(name: .long, help: "How many points (at most the tier size, 720 by default).")
    var points: Int = 720

    @Option(name: .long, help: "Step: a multiple of a tier step, e.g. 5s, 1m, 10m.")
    var step: String?

    @Option(name: .long, help: "Bucket aggregate: avg, min, max or last.")
    var agg: String = "avg"

    func validate() throws {
        guard Timelines.Aggregation(rawValue: agg) != nil else { throw ValidationError("--agg '\(agg)' is not one of avg, min, max, last") }
        if let step, StepArgument.seconds(step) == nil { throw ValidationError("--step '\(step)' is not a duration like 5s, 1m or 10m") }
        guard points >= 1 else { throw ValidationError("--points must be at least 1") }
    }

    /// Resolves the pattern on evqd (as offline: exact name, glob, MEASUREMENT.FIELD), then asks for each timeline.
    private func runOnline(_ client: ServerClient, cutoff: Int64?) async throws {
        let listed = try await client.fetch(ServerOptions.path("/api/v1/series", [("format", "text"), ("resolve", series)]))
        let names = String(decoding: listed, as: UTF8.self).split(separator: "\n").map(String.init)
        guard !names.isEmpty else {
            writeStandardError("evq: no series matches '\(series)' (see evq series)\n")
            throw ExitCode(1)
        }
        for name in names {
            let query: [(String, String?)] = [
                ("series", name), ("points", "\(points)"), ("step", step.flatMap(StepArgument.seconds).map { "\($0)s" }),
                ("agg", agg), ("at", cutoff.map { "\($0)" }),
            ]
            let (status, _, body) = try await client.get(ServerOptions.path("/api/v1/timeline", ServerOptions.format(json: time.json) + query))
            if status == 400 {
                // A bad --points or --step: the same usage error as offline.
                let message = String(decoding: body, as: UTF8.self)
                if let range = message.firstRange(of: "': ") {
                    throw ValidationError(String(message[range.upperBound...].dropLast(3)))
                }
            }
            guard status == 200 else { try ServerClient.fail(status: status, body: body) }
            let out = OutputStream()
            out.write(bytes: body)
            out.flush()
        }
    }

    func run() async throws {
        let (reference, cutoff) = try time.resolve()
        if let client = try remote.client() {
            try await runOnline(client, cutoff: cutoff)
            return
        }
        let views = try ViewBuilder.build(try data.openReader(), at: cutoff, configuration: try data.configuration())
        let matches = views.timelines.resolve(series)
        guard !matches.isEmpty else {
            writeStandardError("evq: no series matches '\(series)' (see evq series)\n")
            throw ExitCode(1)
        }
        let out = OutputStream()
        for index in matches {
            let timeline: Timeline
            do {
                timeline = try views.timelines.query(
                    series: index,
                    end: reference,
                    points: points,
                    stepSeconds: step.flatMap(StepArgument.seconds),
                    aggregation: Timelines.Aggregation(rawValue: agg)!
                )
            } catch {
                throw ValidationError(error.description)
            }
            out.append { Renderer.terminal(json: time.json).timeline(timeline, to: &$0) }
        }
        out.flush()
    }
}
