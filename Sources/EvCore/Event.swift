/// One stored event: a line of line protocol with its place in the log and its two times.
///
/// - `offset`: the event's dense, monotonically increasing number in the log (see `spec/glossary.md`).
/// - `time`: event time in nanoseconds since the Unix epoch, from the line or, when the line has none, the
///   receive time.
/// - `receiveTime`: when evqd read the line, in nanoseconds since the Unix epoch.
public struct Event: Sendable, Hashable {
    public var offset: Int64
    public var time: Int64
    public var receiveTime: Int64
    public var shape: EventShape
    /// One value per `shape.fieldKeys`, in the same order.
    public var values: [FieldValue]

    public init(offset: Int64, time: Int64, receiveTime: Int64, shape: EventShape, values: [FieldValue]) {
        precondition(values.count == shape.fieldKeys.count, "one value per field key")
        self.offset = offset
        self.time = time
        self.receiveTime = receiveTime
        self.shape = shape
        self.values = values
    }

    public init(
        offset: Int64 = 0,
        time: Int64,
        receiveTime: Int64? = nil,
        measurement: String,
        tags: [Tag] = [],
        fields: [Field]
    ) {
        let shape = EventShape(
            measurement: measurement,
            tags: tags,
            fieldKeys: fields.map(\.key),
            fieldTypes: fields.map(\.value.type)
        )
        self.init(
            offset: offset,
            time: time,
            receiveTime: receiveTime ?? time,
            shape: shape,
            values: fields.map(\.value)
        )
    }

    public var measurement: String { shape.measurement }
    public var tags: [Tag] { shape.tags }
    public var kind: EventKind { shape.kind }
    public var fields: [Field] { zip(shape.fieldKeys, values).map { Field($0, $1) } }

    public func tag(_ key: String) -> String? { shape.tag(key) }

    public func field(_ key: String) -> FieldValue? {
        shape.fieldIndex(key).map { values[$0] }
    }

    /// Equality as the log promises it: same offset, times, shape and bit-identical values.
    public func isLosslessEqual(to other: Event) -> Bool {
        offset == other.offset && time == other.time && receiveTime == other.receiveTime && shape == other.shape
            && values.count == other.values.count
            && zip(values, other.values).allSatisfy { $0.isBitwiseEqual(to: $1) }
    }
}
