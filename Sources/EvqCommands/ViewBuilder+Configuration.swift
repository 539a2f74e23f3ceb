import EvConfig
import EvEngine
import EvStorage
import EvViews

extension ViewBuilder {
    /// The views of a data directory as of `at` under `configuration`; damaged blocks skipped are reported on stderr.
    static func build(_ reader: LogReader, at: Int64?, configuration: Configuration) throws -> Views {
        let (views, report) = try build(reader, at: at, fresh: configuration.makeViews())
        warn(report)
        return views
    }
}
