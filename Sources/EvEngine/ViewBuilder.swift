import EvCore
import EvStorage
import EvViews

/// Rebuilds the views from a data directory, as of a time (`evq replay --at T`, `GET /api/v1/state?at=T`) or of
/// everything stored.
public enum ViewBuilder {
    /// Applies every event in offset order to `fresh` (empty views, configured), skipping events the views take at a
    /// time after `at` (`Views.viewTime(of:)`: an event's own time, or its receive time plus the future skew). Starts
    /// from evqd's views checkpoint when it is usable (`checkpointProblem`) and holds no event after `at` (same result,
    /// less to replay).
    ///
    /// - Returns: the views, and what the reader skipped (damaged blocks), for the caller to report.
    public static func build(_ reader: LogReader, at: Int64?, fresh: Views) throws -> (views: Views, report: LogReader.Report) {
        var views = fresh
        if case .success(let payload)? = try? CheckpointFile.read(directory: reader.directory),
            let (restored, maxEventTime, anchor) = try? ViewsCheckpoint.decodeAnchored(payload, rules: fresh.rules.rules),
            maxEventTime <= (at ?? .max), checkpointProblem(restored, anchor: anchor, configured: fresh, reader: reader) == nil
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

    /// Why views restored from a checkpoint (with its `anchor`) cannot stand for `reader`'s log under the
    /// `configured` views' settings, or `nil` when they can. The one check of evqd's start and of replays: the
    /// checkpoint covers no offset beyond the log, was made with the same timeline tiers, series limit and future
    /// skew, and is of this log — the block it names is the one that holds its last offset, with the same body CRC,
    /// so a checkpoint copied from another data directory is not used (issue 15, item 16).
    public static func checkpointProblem(
        _ restored: Views,
        anchor: ViewsCheckpoint.Anchor?,
        configured: Views,
        reader: LogReader
    ) -> String? {
        if restored.nextOffset > reader.nextOffset {
            return "it covers offsets up to \(restored.nextOffset) but the log ends at \(reader.nextOffset)"
        }
        if restored.timelines.tiers != configured.timelines.tiers || restored.timelines.seriesMax != configured.timelines.seriesMax {
            return "the timeline configuration changed"
        }
        if restored.maxFutureSkew != configured.maxFutureSkew { return "max_future_skew changed" }
        if restored.nextOffset > 0 && self.anchor(nextOffset: restored.nextOffset, reader: reader) != anchor {
            let named = anchor.map { "its last block (offset \($0.firstOffset)) is not this log's" } ?? "it names no block of it"
            return "it is not of this log: \(named) (copied from another data directory?)"
        }
        return nil
    }

    /// The anchor of views covering offsets up to `nextOffset` in `reader`'s log (`nil` for none, or a damaged block).
    public static func anchor(nextOffset: Int64, reader: LogReader) -> ViewsCheckpoint.Anchor? {
        guard nextOffset > 0, let header = try? reader.blockHeader(containing: nextOffset - 1) else { return nil }
        return ViewsCheckpoint.Anchor(firstOffset: header.firstOffset, bodyCRC: header.bodyCRC)
    }
}
