import ArgumentParser

/// `evq`: read a data directory (offline, no daemon needed) or push lines to a running evqd.
public struct Evq: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "evq",
        abstract: "Query evq's segment log and push line protocol to evqd.",
        discussion: """
            Exit codes: 0 success; 1 damage found (verify) or lines rejected (push); 2 the data directory \
            or the server could not be used; 64 bad arguments.
            """,
        subcommands: [
            HealthCommand.self, SlotsCommand.self, AlertsCommand.self, TimelineCommand.self, SeriesCommand.self,
            ReplayCommand.self, AckCommand.self, TailCommand.self, ExportCommand.self, VerifyCommand.self, StatsCommand.self,
            PushCommand.self,
        ]
    )

    public init() {}

    /// Lets the shared `--data-dir DIR` come before the subcommand (`evq --data-dir DIR tail`), as the README
    /// shows, by moving it after the subcommand name where argument-parser expects it.
    public static func normalizedArguments(_ arguments: [String]) -> [String] {
        var moved: [String] = []
        var rest: [String] = []
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            if configuration.subcommands.contains(where: { $0.configuration.commandName == argument }) {
                return rest + [argument] + moved + arguments[(i + 1)...]
            }
            if argument == "--data-dir" && i + 1 < arguments.count {
                moved += [argument, arguments[i + 1]]
                i += 2
                continue
            }
            if argument.hasPrefix("--data-dir=") {
                moved.append(argument)
            } else {
                rest.append(argument)
            }
            i += 1
        }
        return rest + moved
    }
}
