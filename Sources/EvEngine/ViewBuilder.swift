import EvCore
import EvStorage
import EvViews

/// Rebuilds the views from a data directory, as of a time (`evq replay --at T`, `GET /api/v1/state?at=T`) or of
/// everything stored.
public enum ViewBuilder {
    /// Applies every event in offset order to `fresh` (empty views, configured), skipping events the views take at a
    /// time after `at` (`Views.viewTime(of:)`: an event's own time, or its receive time plus the future skew). Starts from evqd's views checkpoint when it is valid and holds no event after `at` (same result, less to
    /// replay).
    ///
    /// - Returns: the views, and what the reader skipped (damaged blocks), for the caller to report.
    public static func build(_ reader: LogReader, at: Int64?, fresh: Views) throws -> (views: Views, report: LogReader.Report) {
        var views = fresh
        if case .success(let payload)? = try? CheckpointFile.read(directory: reader.directory),
            let (restored, maxEventTime) = try? ViewsCheckpoint.decode(payload, rules: fresh.rules.rules),
            restored.nextOffset <= reader.nextOffset, maxEventTime <= (at ?? .max),
            restored.timelines.tiers == views.timelines.tiers, restored.timelines.seriesMax == views.timelines.seriesMax,
            restored.maxFutureSkew == views.maxFutureSkew
        {
            views = restored
            views.slots.limit = fresh.slots.limit  // limits come from the configuration, not the checkpoint
            views.slots.warningAt = fresh.slots.warningAt
        }
        let report = try reader.forEach(from: views.nextOffset) { event in
            if let at, views.viewTime(of: event) > at { return true }
            views.apply(event)
            return true
        }
        return (views, report)
    }
}
