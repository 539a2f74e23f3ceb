import ArgumentParser
import EvCore

/// `--kind`, `--component`, `--match`: which events to show.
struct FilterOptions: ParsableArguments {
    @Option(name: .long, help: "Only events of this kind: metric, health, heartbeat, slot, alert (repeatable).")
    var kind: [String] = []

    @Option(name: .long, help: "Only events whose component tag is this.")
    var component: String?

    @Option(name: .long, help: "Only series whose key (measurement,tag=value,...) or 'key field' matches this glob.")
    var match: String?

    func validate() throws {
        for k in kind where EventKind(name: k) == nil {
            throw ValidationError("unknown --kind '\(k)': expected metric, health, heartbeat, slot or alert")
        }
    }

    var filter: EventFilter {
        EventFilter(kinds: Set(kind.compactMap(EventKind.init(name:))), component: component, match: match.map(Glob.init))
    }
}
