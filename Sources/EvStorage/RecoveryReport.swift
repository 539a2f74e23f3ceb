/// What opening the log found and repaired. Recovery never loses data silently: every truncated byte and every
/// damaged block is listed here and logged.
public struct RecoveryReport: Sendable, CustomStringConvertible {
    public var segmentCount = 0
    public var nextOffset: Int64 = 0
    /// Bytes cut from the end of the active segment (a torn write), and where.
    public var truncatedBytes = 0
    public var truncatedAt: (segment: String, position: Int)?
    /// Damaged blocks kept in place and skipped by readers.
    public var corruptions: [Corruption] = []
    /// Index files rebuilt because they were missing or stale.
    public var rebuiltIndexes = 0

    public init() {}

    public var isClean: Bool { truncatedBytes == 0 && corruptions.isEmpty }

    public var description: String {
        var parts = ["\(segmentCount) segments", "next offset \(nextOffset)"]
        if let at = truncatedAt { parts.append("truncated \(truncatedBytes) torn bytes at \(at.segment):\(at.position)") }
        if !corruptions.isEmpty { parts.append("\(corruptions.count) damaged blocks") }
        if rebuiltIndexes > 0 { parts.append("\(rebuiltIndexes) indexes rebuilt") }
        return parts.joined(separator: ", ")
    }
}
