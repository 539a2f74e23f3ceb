import ArgumentParser
import EvDaemon

@main
enum EvqdMain {
    static func main() async {
        await DaemonCommand.main()
    }
}
