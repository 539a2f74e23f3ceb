import EvConfig
import EvCore
import EvStorage
import EvViews

/// Rebuilds the views from a data directory, as of a time (`evq replay --at T`) or of everything stored.
enum ViewBuilder {
    /// Applies every event in offset order, skipping events whose time is after `at`. Starts from evqd's views
    /// checkpoint when it is valid and holds no event after `at` (same result, less to replay).
    static func build(_ reader: LogReader, at: Int64?, configuration: Configuration = Configuration()) throws -> Views {
        var views = configuration.makeViews()
        if case .success(let payload)? = try? CheckpointFile.read(directory: reader.directory),
            let (restored, maxEventTime) = try? ViewsCheckpoint.decode(payload, rules: configuration.rules),
            restored.nextOffset <= reader.nextOffset, maxEventTime <= (at ?? .max),
            restored.timelines.tiers == views.timelines.tiers, restored.timelines.seriesMax == views.timelines.seriesMax
        {
            let configured = views.slots
            views = restored
            views.slots.limit = configured.limit
            views.slots.warningAt = configured.warningAt
        }
        let report = try reader.forEach(from: views.nextOffset) { event in
            if let at, event.time > at { return true }
            views.apply(event)
            return true
        }
        warn(report)
        return views
    }
}
