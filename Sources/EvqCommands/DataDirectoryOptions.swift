import ArgumentParser
import EvConfig
import EvStorage

/// `--data-dir`, shared by the commands that read a data directory (a live one or a copy).
struct DataDirectoryOptions: ParsableArguments {
    @Option(name: .long, help: "Data directory to read (evqd's, or a copy of it).")
    var dataDir: String = "./evq-data"

    @Option(name: .long, help: "evqd's YAML configuration (freshness, slot limit, timeline tiers), if it has one.")
    var config: String?

    /// The configuration named by --config, or the built-in one.
    func configuration() throws -> Configuration {
        guard let config else { return Configuration() }
        do {
            return try ConfigurationLoader.load(path: config)
        } catch {
            writeStandardError("evq: \(error)\n")
            throw ExitCode(2)
        }
    }

    func openReader() throws -> LogReader {
        do {
            return try LogReader(directory: dataDir)
        } catch {
            writeStandardError("evq: cannot read data directory \(dataDir): \(error)\n")
                        throw ExitCode(2)
        }
    }
}
