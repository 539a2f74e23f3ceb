/// How the segment log rolls, retains and syncs. Defaults are in `spec/segment-format.md` and the README.
public struct LogOptions: Sendable {
    /// A segment is sealed once it reaches this size (a write may overshoot it by one group commit).
    public var segmentBytesMax: Int
    /// A non-empty segment is sealed once it has been active this long.
    public var segmentAgeMax: Duration?
    /// Sealed segments last written longer ago than this are deleted (by file modification time).
    public var retentionAge: Duration?
    /// Oldest sealed segments are deleted while the log is larger than this.
    public var retentionBytes: Int?
    /// The file layer (tests inject faults here).
    public var fileOpener: any LogFileOpener

    public init(
        segmentBytesMax: Int = 64 * 1024 * 1024,
        segmentAgeMax: Duration? = .seconds(3600),
        retentionAge: Duration? = .seconds(15 * 86_400),
        retentionBytes: Int? = nil,
        fileOpener: any LogFileOpener = PosixFileOpener()
    ) {
        self.segmentBytesMax = segmentBytesMax
        self.segmentAgeMax = segmentAgeMax
        self.retentionAge = retentionAge
        self.retentionBytes = retentionBytes
        self.fileOpener = fileOpener
    }
}
