/// Offsets are dense across segments: each segment starts where the one before it ends. A segment deleted from the
/// middle leaves a gap, a copied or restored one an overlap; both are damage (issue 15, item 14), reported by
/// `evq verify`, logged at start, and read around: readers never return an offset twice.
public enum SegmentContinuity {
    /// The gaps and overlaps between consecutive segments (in base-offset order), as corruptions of the later one.
    public static func damage(_ segments: [SegmentIndex]) -> [Corruption] {
        zip(segments, segments.dropFirst()).compactMap { previous, segment in
            let (end, base) = (previous.nextOffset, segment.baseOffset)
            guard base != end else { return nil }
            let reason = base > end
                ? "offsets \(end)..<\(base) are missing before this segment (a segment removed?)"
                : "offsets \(base)..<\(end) are also in the segment before (a copy?): readers keep the first"
            return Corruption(segment: FileNames.segment(baseOffset: base), position: 0, blockIndex: nil, reason: reason, bytes: 0)
        }
    }
}
