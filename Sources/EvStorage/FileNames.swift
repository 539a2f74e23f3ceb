import SystemPackage

/// Every on-disk name evq uses, in one place (`spec/segment-format.md`, "Files").
public enum FileNames {
    public static let segmentSuffix = ".log"
    public static let indexSuffix = ".index"
    public static let lockFile = "LOCK"

    /// `00000000000000000042.log`: the 20-digit, zero-padded base offset (Kafka style).
    public static func segment(baseOffset: Int64) -> String { padded(baseOffset) + segmentSuffix }
    public static func index(baseOffset: Int64) -> String { padded(baseOffset) + indexSuffix }

    /// The base offset a segment file name encodes, or `nil` for any other name.
    public static func baseOffset(ofSegment name: String) -> Int64? {
        guard name.hasSuffix(segmentSuffix) else { return nil }
        let digits = name.dropLast(segmentSuffix.count)
        guard digits.count == 20, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return Int64(digits)
    }

    static func padded(_ v: Int64) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, 20 - s.count)) + s
    }
}
