/// Every bound evq enforces on input, in one place (TigerBeetle: "put a limit on everything").
///
/// The defaults are normative: `spec/wire-protocol.md` and `spec/segment-format.md` quote them.
public struct Limits: Sendable, Hashable {
    /// Longest accepted line, in bytes, without its newline. Longer lines are skipped to their newline.
    public var lineBytesMax: Int
    /// Longest measurement name, tag key, tag value or field key, in bytes (after unescaping).
    public var nameBytesMax: Int
    /// Longest string field value, in bytes (after unescaping).
    public var stringFieldBytesMax: Int
    /// Most fields on one line.
    public var fieldCountMax: Int
    /// Most tags on one line.
    public var tagCountMax: Int

    public init(
        lineBytesMax: Int = 256 * 1024,
        nameBytesMax: Int = 4096,
        stringFieldBytesMax: Int = 64 * 1024,
        fieldCountMax: Int = 256,
        tagCountMax: Int = 64
    ) {
        precondition(nameBytesMax <= Int(UInt16.max), "names are stored with 16-bit lengths")
        precondition(fieldCountMax <= Int(UInt16.max) && tagCountMax <= Int(UInt16.max))
        self.lineBytesMax = lineBytesMax
        self.nameBytesMax = nameBytesMax
        self.stringFieldBytesMax = stringFieldBytesMax
        self.fieldCountMax = fieldCountMax
        self.tagCountMax = tagCountMax
    }

    public static let `default` = Limits()

    /// Largest uncompressed block body a writer produces or a reader accepts.
    public static let blockRawBytesMax = 16 * 1024 * 1024
    /// Most events in one block.
    public static let blockEventCountMax = 1 << 20
}
