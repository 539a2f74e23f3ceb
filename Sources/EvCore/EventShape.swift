/// What events of one series line share: measurement, tag set (in the order sent) and the ordered field keys
/// with their types. A block stores each shape once and each event refers to it by index
/// (`spec/segment-format.md`, "Shape table").
///
/// Immutable and shared between all events decoded from one block, so decoding allocates per block, not per event.
public final class EventShape: Sendable, Hashable, CustomStringConvertible {
    public let measurement: String
    public let tags: [Tag]
    public let fieldKeys: [String]
    public let fieldTypes: [FieldType]
    public let kind: EventKind

    public init(measurement: String, tags: [Tag], fieldKeys: [String], fieldTypes: [FieldType]) {
        precondition(fieldKeys.count == fieldTypes.count, "one type per field key")
        self.measurement = measurement
        self.tags = tags
        self.fieldKeys = fieldKeys
        self.fieldTypes = fieldTypes
        self.kind = EventKind(measurement: measurement.utf8)
    }

    /// The value of tag `key`, if the shape has it.
    public func tag(_ key: String) -> String? {
        tags.first(where: { $0.key == key })?.value
    }

    /// The index of field `key` in this shape's field list.
    public func fieldIndex(_ key: String) -> Int? {
        fieldKeys.firstIndex(of: key)
    }

    /// The series name of the shape without its fields: `measurement,k=v,...` as line protocol writes it.
    public var description: String {
        var out: [UInt8] = []
        LineProtocolSerializer.appendSeriesKey(measurement: measurement, tags: tags, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public static func == (lhs: EventShape, rhs: EventShape) -> Bool {
        lhs === rhs
            || (lhs.measurement == rhs.measurement && lhs.tags == rhs.tags && lhs.fieldKeys == rhs.fieldKeys
                && lhs.fieldTypes == rhs.fieldTypes)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(measurement)
        hasher.combine(tags)
        hasher.combine(fieldKeys)
        hasher.combine(fieldTypes)
    }
}
