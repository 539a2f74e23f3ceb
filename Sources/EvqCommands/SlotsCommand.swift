import ArgumentParser
import EvCore
import EvStorage
import EvViews

struct SlotsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slots",
        abstract: "Active strategy streaming slots, used / limit, and conflicts."
    )

    @OptionGroup var data: DataDirectoryOptions
    @OptionGroup var time: ReferenceTimeOptions

    func run() async throws {
        let (_, cutoff) = try time.resolve()
        let views = try ViewBuilder.build(try data.openReader(), at: cutoff, configuration: try data.configuration())
        let out = OutputStream()
        out.append { Self.render(views.slots, json: time.json, to: &$0) }
        out.flush()
    }

    static func render(_ slots: SlotRegistry, json: Bool, to out: inout [UInt8]) {
        if json {
            ViewsJSON.slots(slots, to: &out)
            out.append(UInt8(ascii: "\n"))
            return
        }
        let level: HealthColor = slots.used >= slots.limit ? .red : slots.isWarning ? .yellow : .green
        out.append(contentsOf: "slots used \(TextTable.colored("\(slots.used) / \(slots.limit)", level))\n".utf8)
        var table = TextTable(header: ["STRATEGY", "CONID", "SYMBOL", "SINCE"])
        for slot in slots.activeSlots { table.add([slot.strategy, slot.conid, slot.symbol, TextTable.time(slot.since)]) }
        out.append(contentsOf: table.render().utf8)
        let conflicts = slots.conflicts.elements
        if !conflicts.isEmpty {
            out.append(contentsOf: "conflicts (\(slots.conflicts.appended) in total)\n".utf8)
            var c = TextTable(header: ["KIND", "STRATEGY", "CONID", "SYMBOL", "AT", "OFFSET"])
            for x in conflicts { c.add([x.kind.rawValue, x.strategy, x.conid, x.symbol, TextTable.time(x.time), String(x.offset)]) }
            out.append(contentsOf: c.render().utf8)
        }
    }
}
