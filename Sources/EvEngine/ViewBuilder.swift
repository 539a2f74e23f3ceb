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
            let (restored, maxEventTime, anchor) = try? ViewsCheckpoint.decodeAnchored(payload, rules: fresh.rules.rules),
            restored.nextOffset <= reader.nextOffset, maxEventTime <= (at ?? .max),
            anchorProblem(anchor, nextOffset: restored.nextOffset, reader: reader) == nil,
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

    /// Why a checkpoint covering offsets up to `nextOffset` with `anchor` is not of this log, or `nil` when it is: the
    /// block it names must be the block of this log that holds its last offset, with the same body CRC. A checkpoint
    /// copied from another data directory fails this and is not used (issue 15, item 16).
    public static func anchorProblem(_ anchor: ViewsCheckpoint.Anchor?, nextOffset: Int64, reader: LogReader) -> String? {
        guard nextOffset > 0 else { return nil }
        guard let anchor else { return "it names no block of the log" }
        guard let header = try? reader.blockHeader(containing: nextOffset - 1), header.firstOffset == anchor.firstOffset,
            header.bodyCRC == anchor.bodyCRC
        else {
            return "it is not of this log: its last block (offset \(anchor.firstOffset)) is not this log's (copied from another data directory?)"
        }
        return nil
    }

    /// The anchor of views covering offsets up to `nextOffset` in `reader`'s log (`nil` for none, or a damaged block).
    public static func anchor(nextOffset: Int64, reader: LogReader) -> ViewsCheckpoint.Anchor? {
        guard nextOffset > 0, let header = try? reader.blockHeader(containing: nextOffset - 1) else { return nil }
        return ViewsCheckpoint.Anchor(firstOffset: header.firstOffset, bodyCRC: header.bodyCRC)
    }
}
