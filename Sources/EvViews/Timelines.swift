import EvCore

/// Rolling timelines: for every numeric series (measurement, tag set, field), fixed-step ring buffers of
/// aggregated points, one ring per tier (720 × 5 s by default), as a pure reducer (`spec/views.md`, "Timelines").
///
/// Storage is one `PointStore` per tier, 16 bytes per point: `last`, `min`, `max` and `avg` as `Float32`, in
/// zero-filled chunks whose pages are touched only when samples land in them. A point with no sample reads NaN in
/// `last`. Each ring keeps the sample count of its newest bucket only: a late sample for an
/// older bucket is averaged in with weight ½ (its count is not kept, see the spec).
public struct Timelines: Sendable {
    /// One resolution: `points` buckets of `step`.
    public struct Tier: Sendable, Hashable {
        public var stepNanoseconds: Int64
        public var points: Int

        public init(stepSeconds: Int64, points: Int = 720) {
            precondition(stepSeconds > 0 && points > 0, "a tier has a positive step and size")
            stepNanoseconds = stepSeconds * 1_000_000_000
            self.points = points
        }

        public var stepSeconds: Int64 { stepNanoseconds / 1_000_000_000 }
    }

    /// How a query reduces a bucket.
    public enum Aggregation: String, Sendable, Hashable, CaseIterable {
        case last, avg, min, max
    }

    public let tiers: [Tier]
    /// Most series kept; samples of further series are dropped and counted in `droppedSeriesSamples`.
    public let seriesMax: Int
    var rings: [Rings]
    var seriesNames: [SeriesName] = []
    var seriesIndex: [SeriesName: Int] = [:]
    /// The series by their written name (`SeriesName.description`), for exact lookups by users.
    var seriesByDescription: [String: Int] = [:]
    /// The series of each field of the shapes seen (-1 for a string field, -2 for a series over the limit).
    private var shapeSeries = ShapeMemo()
    public internal(set) var droppedSeriesSamples = 0

    public init(tiers: [Tier] = [Tier(stepSeconds: 5)], seriesMax: Int = 25_000) {
        precondition(!tiers.isEmpty, "at least one tier")
        self.tiers = tiers
        self.seriesMax = seriesMax
        rings = tiers.map { Rings(tier: $0) }
    }

    public var seriesCount: Int { seriesNames.count }
    /// All series names, in the order they appeared.
    public var series: [SeriesName] { seriesNames }

    /// Bytes the points take once touched (16 per point per tier; chunks of series are allocated ahead).
    public var pointBytes: Int { pointCount * 16 }
    /// Points held (every tier's ring of every series).
    public var pointCount: Int { rings.reduce(0) { $0 + $1.seriesCount * $1.tier.points } }

    /// Adds every numeric field of a metric event (integers, unsigned, floats and booleans as 0/1) to its series.
    public mutating func apply(_ event: Event) {
        guard event.kind == .metric else { return }
        let run = shapeSeries.run(for: event.shape) ?? shapeSeries.insert(event.shape, run: seriesOf(event.shape))
        shapeSeries.values.withUnsafeBufferPointer { all in
            event.values.withUnsafeBufferPointer { values in
                let series = UnsafeBufferPointer(rebasing: all[run])
                for k in 0..<series.count where series[k] == -2 {
                    droppedSeriesSamples += 1
                }
                for t in rings.indices { rings[t].add(time: event.time, series: series, values: values) }
            }
        }
    }

    /// The value a field adds to its series: numbers and booleans (as 0/1) that are finite as `Float32`.
    @inline(__always)
    static func sampleValue(_ value: FieldValue) -> Float32? {
        let v: Float32
        switch value {
        case .float(let d): v = Float32(d)
        case .int(let i): v = Float32(i)
        case .uint(let u): v = Float32(u)
        case .bool(let b): v = b ? 1 : 0
        case .string: return nil
        }
        return v.isFinite ? v : nil
    }

    /// Series indexes per field of `shape`: -1 for a string field, -2 for a series over the limit. Adds the series not
    /// seen yet.
    private mutating func seriesOf(_ shape: EventShape) -> [Int32] {
        var result: [Int32] = []
        result.reserveCapacity(shape.fieldKeys.count)
        for (key, type) in zip(shape.fieldKeys, shape.fieldTypes) {
            guard type != .string else {
                result.append(-1)
                continue
            }
            let name = SeriesName(measurement: shape.measurement, tags: shape.tags, field: key)
            if let index = seriesIndex[name] {
                result.append(Int32(index))
            } else if seriesNames.count < seriesMax {
                result.append(Int32(addSeries(name)))
            } else {
                result.append(-2)
            }
        }
        return result
    }

    /// Adds a series (not held yet) and returns its index.
    mutating func addSeries(_ name: SeriesName) -> Int {
        let index = seriesNames.count
        seriesNames.append(name)
        seriesIndex[name] = index
        seriesByDescription[name.description] = index
        for t in rings.indices { rings[t].addSeries() }
        return index
    }

    /// The index of a series, if it exists.
    public func index(of name: SeriesName) -> Int? { seriesIndex[name] }

    /// Why a query cannot be answered.
    public enum QueryError: Error, Sendable, Hashable, CustomStringConvertible {
        case noSuchSeries(Int)
        case invalidPoints(Int)
        case invalidStep(stepSeconds: Int64, tiers: [Int64])

        public var description: String {
            switch self {
            case .noSuchSeries(let index): "no series number \(index)"
            case .invalidPoints(let n): "points must be between 1 and the tier size, got \(n)"
            case .invalidStep(let step, _) where step <= 0: "step must be a positive number of seconds, got \(step)s"
            case .invalidStep(let step, let tiers):
                "step \(step)s is not a multiple of a tier step that covers the range (tiers: "
                    + tiers.map { "\($0)s" }.joined(separator: ", ") + ")"
            }
        }
    }

    /// `points` points of `step` ending with the bucket that holds `end`, aligned to the step, oldest first;
    /// `nil` where no sample fell in a bucket.
    ///
    /// - Parameters:
    ///   - stepSeconds: the step wanted; `nil` for the finest tier's. It must be a multiple of a tier's step, and
    ///     that tier must cover `points × step`; the finest such tier answers.
    /// - Complexity: O(points × step / tier step).
    public func query(
        series index: Int,
        end: Int64,
        points: Int = 720,
        stepSeconds: Int64? = nil,
        aggregation: Aggregation = .avg
    ) throws(QueryError) -> Timeline {
        // Tiers may be configured in any order: the default step and the tier used are the finest.
        let stepSeconds = stepSeconds ?? tiers.map(\.stepSeconds).min()!
        guard index >= 0 && index < seriesNames.count else { throw .noSuchSeries(index) }
        guard points >= 1 else { throw .invalidPoints(points) }
        guard stepSeconds > 0 else { throw .invalidStep(stepSeconds: stepSeconds, tiers: tiers.map(\.stepSeconds)) }
        // Divisions, not products: `points` and the step come from the user and a product may overflow.
        let covering = rings.indices.filter {
            let tier = rings[$0].tier
            return stepSeconds % tier.stepSeconds == 0 && points <= tier.points / Int(stepSeconds / tier.stepSeconds)
        }
        guard let t = covering.min(by: { rings[$0].tier.stepNanoseconds < rings[$1].tier.stepNanoseconds }) else {
            if points > tiers.map(\.points).max()! { throw .invalidPoints(points) }
            throw .invalidStep(stepSeconds: stepSeconds, tiers: tiers.map(\.stepSeconds))
        }
        let ring = rings[t]
        let tierStep = ring.tier.stepNanoseconds
        let factor = Int(stepSeconds / ring.tier.stepSeconds)
        let size = ring.tier.points
        let head = ring.headBucket[index]
        // In query steps: floor(floor(end / tier step) / factor) = floor(end / step), and step × 10⁹ may not fit.
        let lastBucket = Self.floorDivide(Self.floorDivide(end, tierStep), Int64(factor))
        var out: [(Int64, Float32?)] = []
        out.reserveCapacity(points)
        for p in 0..<points {
            let queryBucket = lastBucket - Int64(points - 1 - p)
            var value: Float32?
            var sum: Float32 = 0
            var n: Float32 = 0
            for k in 0..<factor {
                let b = queryBucket * Int64(factor) + Int64(k)
                guard b <= head && b > head - Int64(size) else { continue }
                let point = ring.point(series: index, bucket: b)
                guard !point.last.isNaN else { continue }
                switch aggregation {
                case .last: value = point.last
                case .min: value = Swift.min(value ?? .infinity, point.min)
                case .max: value = Swift.max(value ?? -.infinity, point.max)
                case .avg:
                    sum += point.avg
                    n += 1
                    value = sum / n
                }
            }
            out.append((queryBucket * stepSeconds, value))  // in seconds: end / 10⁹ fits where end may not
        }
        return Timeline(series: seriesNames[index], stepSeconds: stepSeconds, aggregation: aggregation, points: out)
    }

    @inline(__always)
    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    @inline(__always)
    static func floorModulo(_ a: Int64, _ b: Int64) -> Int64 {
        let r = a % b
        return r < 0 ? r + b : r
    }
}
