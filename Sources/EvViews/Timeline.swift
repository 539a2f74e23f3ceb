/// The answer to a timeline query: `points` buckets of `stepSeconds`, oldest first, `nil` where empty.
public struct Timeline: Sendable, Hashable {
    public struct Point: Sendable, Hashable {
        /// Start of the bucket, unix seconds.
        public var time: Int64
        /// The aggregate, stored (and printed) as the timeline keeps it: a 32-bit float.
        public var value: Float32?
    }

    public var series: SeriesName
    public var stepSeconds: Int64
    public var aggregation: Timelines.Aggregation
    public var points: [Point]

    init(series: SeriesName, stepSeconds: Int64, aggregation: Timelines.Aggregation, points: [(Int64, Float32?)]) {
        self.series = series
        self.stepSeconds = stepSeconds
        self.aggregation = aggregation
        self.points = points.map { Point(time: $0.0, value: $0.1) }
    }
}
