import ArgumentParser
import EvStorage

/// `--data-dir`, shared by the commands that read a data directory (a live one or a copy).
struct DataDirectoryOptions: ParsableArguments {
    @Option(name: .long, help: "Data directory to read (evqd's, or a copy of it).")
    var dataDir: String = "./evq-data"

    func openReader() throws -> LogReader {
        do {
            return try LogReader(directory: dataDir)
        } catch {
            writeStandardError("evq: cannot read data directory \(dataDir): \(error)\n")
                        throw ExitCode(2)
        }
    }
}
