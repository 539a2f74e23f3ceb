import EvCore
import EvStorage
import EvViews

/// Rebuilds the views from a data directory, as of a time (`evq replay --at T`) or of everything stored.
enum ViewBuilder {
    /// Applies every event in offset order, skipping events whose time is after `at`.
    static func build(_ reader: LogReader, at: Int64?) throws -> Views {
        var views = Views()
        let report = try reader.forEach { event in
            if let at, event.time > at { return true }
            views.apply(event)
            return true
        }
        warn(report)
        return views
    }
}
