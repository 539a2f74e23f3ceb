/// Offsets are dense across segments: each segment starts where the one before it ends. A segment deleted from the
/// middle leaves a gap, a copied or restored one an overlap; both are damage (issue 15, item 14), reported by
/// `evq verify`, logged at start, and read around: readers never return an offset twice.
public enum SegmentContinuity {
    /// The gaps and overlaps between consecutive segments (in base-offset order), as corruptions of the later one.
    public static func damage(_ segments: [SegmentIndex]) -> [Corruption] {
        var out: [Corruption] = []
        for (previous, segment) in zip(segments, segments.dropFirst()) {
            let end = previous.nextOffset
            let name = FileNames.segment(baseOffset: segment.baseOffset)
            if segment.baseOffset > end {
                out.append(
                    Corruption(
                        segment: name,
                        position: 0,
                        blockIndex: nil,
                        reason: "offsets \(end)..<\(segment.baseOffset) are missing before this segment (a segment removed?)",
                        bytes: 0
                    )
                )
            } else if segment.baseOffset < end {
                out.append(
                    Corruption(
                        segment: name,
                        position: 0,
                        blockIndex: nil,
                        reason: "offsets \(segment.baseOffset)..<\(end) are also in the segment before (a copy?): readers keep the first",
                        bytes: 0
                    )
                )
            }
        }
        return out
    }
}
