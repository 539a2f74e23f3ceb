import ArgumentParser
import EvConfig
import EvCore
import EvStorage
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
        out.append { Self.render(report, json: time.json, to: &$0) }
        out.flush()
    }

    static func render(_ report: HealthReport, json: Bool, to out: inout [UInt8]) {
        if json {
            ViewsJSON.health(report, to: &out)
            out.append(UInt8(ascii: "\n"))
            return
        }
        var table = TextTable(header: ["COMPONENT", "HOST", "STATUS", "COLOR", "AGE", "FRESHNESS", "SINCE", "LATENCY", "MESSAGE"])
        for row in report.rows {
            let c = row.health
            table.add([
                c.key.component, c.key.host ?? "-", c.status ?? "-",
                TextTable.colored(row.effectiveColor.description, row.effectiveColor),
                TextTable.seconds(row.ageNanoseconds), row.freshness.rawValue, TextTable.time(c.since),
                c.latencyMs.map { "\($0)ms" } ?? "-", c.message ?? "",
            ])
        }
        out.append(contentsOf: "overall \(TextTable.colored(report.overall.description, report.overall))  score \(report.score)  at \(RFC3339.format(nanoseconds: report.at))\n".utf8)
        out.append(contentsOf: table.render().utf8)
    }
}
