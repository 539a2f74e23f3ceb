import EvCore

/// A numeric series: measurement, tag set (in the order sent) and field. Written `cpu,host=h0,core=0 usage_user`:
/// the line-protocol series key, a space, the field key.
public struct SeriesName: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var measurement: String
    public var tags: [Tag]
    public var field: String

    public init(measurement: String, tags: [Tag], field: String) {
        self.measurement = measurement
        self.tags = tags
        self.field = field
    }

    public var description: String {
        var out: [UInt8] = []
        LineProtocolSerializer.appendSeriesKey(measurement: measurement, tags: tags, to: &out)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: field.utf8)
        return String(decoding: out, as: UTF8.self)
    }

    public static func < (lhs: SeriesName, rhs: SeriesName) -> Bool { lhs.description < rhs.description }
}
