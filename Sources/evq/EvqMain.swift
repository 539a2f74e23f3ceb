import ArgumentParser
import EvqCommands

@main
enum EvqMain {
    static func main() async {
        await Evq.main(Evq.normalizedArguments(Array(CommandLine.arguments.dropFirst())))
    }
}
