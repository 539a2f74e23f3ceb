import EvCore
import EvViews
import Testing

@Suite("Timelines reducer")
struct TimelineReducerTests {
    static let step: Int64 = 5 * Fx.s
    /// Start of 5 s bucket `b` counted from `Fx.hour`, plus `plus` nanoseconds.
    static func bucket(_ b: Int64, plus: Int64 = 0) -> Int64 { Fx.hour + b * step + plus }
    static let hourSeconds = Fx.hour / Fx.s

    static func ring(_ points: Int) -> Timelines { Timelines(tiers: [Timelines.Tier(stepSeconds: 5, points: points)]) }

    // MARK: alignment and gaps

    @Test("exactly N points of the step, ending with the bucket that holds end", arguments: [1, 2, 5, 719, 720])
    func alignment(points: Int) throws {
        var timelines = Timelines()
        timelines.apply(Fx.sample(1, at: Fx.hour))
        for endOffset: Int64 in [0, 1, 4_999_999_999, 5_000_000_000, 7_300_000_000, 3_600_000_000_000] {
            let end = Fx.hour + endOffset
            let t = try timelines.query(series: 0, end: end, points: points)
            let lastStart = end / Self.step * 5
            #expect(t.points.count == points)
            #expect(t.times == (0..<points).map { lastStart - Int64(points - 1 - $0) * 5 }, "end +\(endOffset)")
            #expect(t.stepSeconds == 5 && t.aggregation == .avg)
            #expect(t.series == SeriesName(measurement: "m", tags: [Tag("id", "a")], field: "v"))
            // The only sample is at the start of the hour: it shows exactly where that bucket is asked for.
            let expected = t.times.map { $0 == Self.hourSeconds ? Float32(1) : nil }
            #expect(t.values == expected, "end +\(endOffset)")
        }
    }

    @Test("buckets without a sample are nil, before, between and after the samples")
    func gaps() throws {
        var timelines = Timelines()
        timelines.apply(Fx.sample(1, at: Fx.hour))
        timelines.apply(Fx.sample(2, at: Fx.hour + 12 * Fx.s))
        var t = try timelines.query(series: 0, end: Fx.hour + 14 * Fx.s, points: 4)
        #expect(t.times == [-5, 0, 5, 10].map { Self.hourSeconds + $0 })
        #expect(t.values == [nil, 1, nil, 2])
        t = try timelines.query(series: 0, end: Fx.hour - 1, points: 10)  // before any sample
        #expect(t.values == Array(repeating: nil, count: 10))
        t = try timelines.query(series: 0, end: Fx.hour + 10_000 * Fx.s, points: 10)  // long after
        #expect(t.values == Array(repeating: nil, count: 10))
    }

    // MARK: aggregation

    @Test(
        "each aggregation over several samples in one bucket",
        arguments: [
            (Timelines.Aggregation.avg, Float32(3)), (.min, 0), (.max, 7), (.last, 0),
        ]
    )
    func aggregation(aggregation: Timelines.Aggregation, expected: Float32) throws {
        var timelines = Timelines()
        for (offset, value) in [(0, 4.0), (1_000_000_000, 1), (2_000_000_000, 7), (4_999_999_999, 0)]
            as [(Int64, Double)]
        {
            timelines.apply(Fx.sample(value, at: Fx.hour + offset))
        }
        timelines.apply(Fx.sample(10, at: Self.bucket(1)))  // the next bucket stays apart
        let t = try timelines.query(series: 0, end: Self.bucket(1), points: 2, aggregation: aggregation)
        #expect(t.values == [expected, 10])
        #expect(t.aggregation == aggregation)
    }

    @Test("last is the sample applied last, not the one with the latest time")
    func lastIsArrivalOrder() throws {
        var timelines = Timelines()
        timelines.apply(Fx.sample(1, at: Self.bucket(0, plus: 4 * Fx.s)))
        timelines.apply(Fx.sample(2, at: Self.bucket(0, plus: 1 * Fx.s)))
        #expect(try timelines.query(series: 0, end: Fx.hour, points: 1, aggregation: .last).values == [2])
        #expect(try timelines.query(series: 0, end: Fx.hour, points: 1, aggregation: .avg).values == [1.5])
    }

    // MARK: the ring

    @Test("more than 720 buckets: the oldest are gone")
    func wrapDefault() throws {
        var timelines = Timelines()
        for k in 0..<800 { timelines.apply(Fx.sample(Double(k), at: Self.bucket(Int64(k), plus: 2 * Fx.s))) }
        let all = try timelines.query(series: 0, end: Self.bucket(799), points: 720)
        #expect(all.values == (80..<800).map { Float32($0) })
        let older = try timelines.query(series: 0, end: Self.bucket(100), points: 100)
        #expect(older.values == Array(repeating: nil, count: 79) + (80...100).map { Float32($0) })
        #expect(try timelines.query(series: 0, end: Self.bucket(79), points: 720).values.allSatisfy { $0 == nil })
    }

    /// A ring of 10 holding buckets 0…9 (value = bucket), then one sample of 100 at bucket `jump`.
    @Test(
        "a jump clears the buckets it skips, whether shorter or longer than the ring",
        arguments: [
            Int64(10), 11, 14, 18, 19, 20, 25, 1000, 10_000_000,
        ]
    )
    func jump(to jump: Int64) throws {
        var timelines = Self.ring(10)
        for b in Int64(0)..<10 { timelines.apply(Fx.sample(Double(b), at: Self.bucket(b))) }
        timelines.apply(Fx.sample(100, at: Self.bucket(jump, plus: 3 * Fx.s)))
        func expected(_ b: Int64) -> Float32? {
            if b == jump { return 100 }
            return (0...9).contains(b) && b > jump - 10 ? Float32(b) : nil
        }
        for end in [jump, 9, jump - 1, jump + 5] {
            for points in [1, 3, 10] {
                let t = try timelines.query(series: 0, end: Self.bucket(end), points: points)
                let buckets = (0..<Int64(points)).map { end - Int64(points) + 1 + $0 }
                #expect(t.values == buckets.map(expected), "jump \(jump), end \(end), points \(points)")
            }
        }
    }

    @Test("late samples within the ring update their bucket (avg with weight ½), older ones are dropped")
    func lateSamples() throws {
        var timelines = Self.ring(10)
        for b in Int64(0)..<15 { timelines.apply(Fx.sample(Double(b), at: Self.bucket(b))) }  // ring: 5…14
        func point(_ b: Int64, _ aggregation: Timelines.Aggregation) throws -> Float32? {
            try timelines.query(series: 0, end: Self.bucket(b), points: 1, aggregation: aggregation).values[0]
        }
        func all(_ b: Int64) throws -> [Float32?] { try [.last, .min, .max, .avg].map { try point(b, $0) } }

        timelines.apply(Fx.sample(10, at: Self.bucket(6, plus: 1)))
        #expect(try all(6) == [10, 6, 10, 8])
        timelines.apply(Fx.sample(0, at: Self.bucket(6, plus: 2)))
        #expect(try all(6) == [0, 0, 10, 4])  // (8 + 0) / 2: the count of an older bucket is not kept
        timelines.apply(Fx.sample(50, at: Self.bucket(5)))  // the oldest bucket still in the ring
        #expect(try all(5) == [50, 5, 50, 27.5])
        timelines.apply(Fx.sample(99, at: Self.bucket(4)))  // older than the ring: dropped
        #expect(try all(4) == [nil, nil, nil, nil])
        #expect(
            try timelines.query(series: 0, end: Self.bucket(14), points: 10).values == [
                27.5, 4, 7, 8, 9, 10, 11, 12, 13, 14,
            ]
        )

        // The head bucket keeps its count: its average is exact.
        timelines.apply(Fx.sample(20, at: Self.bucket(14, plus: 1)))
        timelines.apply(Fx.sample(2, at: Self.bucket(14, plus: 2)))
        #expect(try all(14) == [2, 2, 20, 12])  // (14 + 20 + 2) / 3

        // A late sample for an emptied bucket fills it as a first sample.
        timelines.apply(Fx.sample(1, at: Self.bucket(17)))  // clears 15 and 16
        #expect(try all(16) == [nil, nil, nil, nil])
        timelines.apply(Fx.sample(7, at: Self.bucket(16)))
        #expect(try all(16) == [7, 7, 7, 7])
        timelines.apply(Fx.sample(3, at: Self.bucket(15)))
        timelines.apply(Fx.sample(5, at: Self.bucket(15)))
        #expect(try all(15) == [5, 3, 5, 4])
        #expect(try all(17) == [1, 1, 1, 1])  // the head is untouched by late samples
        // The ring now holds 8…17: bucket 7 is gone.
        timelines.apply(Fx.sample(70, at: Self.bucket(7)))
        #expect(try all(7) == [nil, nil, nil, nil])
    }

    @Test("negative times bucket by floor division and wrap the ring like positive ones")
    func negativeTimes() throws {
        var timelines = Timelines()
        timelines.apply(Fx.sample(1, at: -5_000_000_001))  // bucket -2: [-10 s, -5 s)
        timelines.apply(Fx.sample(2, at: -5_000_000_000))  // bucket -1: [-5 s, 0)
        timelines.apply(Fx.sample(4, at: -1))  // bucket -1
        timelines.apply(Fx.sample(8, at: 0))  // bucket 0
        var t = try timelines.query(series: 0, end: 0, points: 3)
        #expect(t.times == [-10, -5, 0])
        #expect(t.values == [1, 3, 8])
        #expect(try timelines.query(series: 0, end: 0, points: 3, aggregation: .min).values == [1, 2, 8])
        #expect(try timelines.query(series: 0, end: 0, points: 3, aggregation: .max).values == [1, 4, 8])
        t = try timelines.query(series: 0, end: -1, points: 3)
        #expect(t.times == [-15, -10, -5] && t.values == [nil, 1, 3])
        t = try timelines.query(series: 0, end: -5_000_000_001, points: 2)
        #expect(t.times == [-15, -10] && t.values == [nil, 1])
        t = try timelines.query(series: 0, end: 0, points: 2, stepSeconds: 10)
        #expect(t.times == [-10, 0] && t.values == [2, 8])  // (1 + 3) / 2, 8

        var ring = Self.ring(10)
        for b in Int64(-20)..<0 { ring.apply(Fx.sample(Double(b), at: b * Self.step + 1)) }
        t = try ring.query(series: 0, end: -1, points: 10)
        #expect(t.times == (-10..<0).map { $0 * 5 })
        #expect(t.values == (-10..<0).map { Float32($0) })
        t = try ring.query(series: 0, end: -11 * Fx.s, points: 10)  // buckets -12 … -3
        #expect(t.times == (-12 ..< -2).map { $0 * 5 })
        #expect(t.values == [nil, nil] + (-10 ..< -2).map { Float32($0) })
    }

    // MARK: values and series

    @Test("floats, integers, unsigned integers and booleans are series; strings are not")
    func valueTypes() throws {
        var timelines = Timelines()
        let event = Event(
            time: Fx.hour,
            measurement: "m",
            fields: [
                Field("f", .float(1.5)), Field("s", .string("x")), Field("i", .int(-3)), Field("u", .uint(7)),
                Field("t", .bool(true)), Field("z", .bool(false)), Field("big", .uint(UInt64.max)),
                Field("low", .int(Int64.min)),
            ]
        )
        timelines.apply(event)
        #expect(timelines.series.map(\.description) == ["m f", "m i", "m u", "m t", "m z", "m big", "m low"])
        #expect(timelines.seriesCount == 7)
        let values = try (0..<7).map { try timelines.query(series: $0, end: Fx.hour, points: 1).values[0] }
        #expect(values == [1.5, -3, 7, 1, 0, Float32(UInt64.max), Float32(Int64.min)])
        #expect(timelines.index(of: SeriesName(measurement: "m", tags: [], field: "s")) == nil)
        #expect(timelines.index(of: SeriesName(measurement: "m", tags: [], field: "u")) == 2)
    }

    @Test("values are kept as 32-bit floats")
    func float32() throws {
        var timelines = Timelines()
        timelines.apply(Fx.sample(0.1, at: Fx.hour))
        timelines.apply(Fx.sample(16_777_217, at: Self.bucket(1)))
        #expect(try timelines.query(series: 0, end: Self.bucket(1), points: 2).values == [Float32(0.1), 16_777_216])
    }

    @Test("non-finite floats are skipped and do not disturb the bucket")
    func nonFinite() throws {
        var timelines = Timelines()
        for v in [1.0, .nan, .infinity, -.infinity, 3] { timelines.apply(Fx.sample(v, at: Fx.hour)) }
        for (aggregation, expected) in [(Timelines.Aggregation.avg, Float32(2)), (.min, 1), (.max, 3), (.last, 3)] {
            #expect(
                try timelines.query(series: 0, end: Fx.hour, points: 1, aggregation: aggregation).values == [expected]
            )
        }
    }

    @Test("series names are the escaped series key, a space and the field")
    func seriesNames() {
        var timelines = Timelines()
        timelines.apply(
            Event(
                time: 0,
                measurement: "cpu load",
                tags: [Tag("host name", "a,b=c"), Tag("core", "0")],
                fields: [Field("usage", .float(1))]
            )
        )
        #expect(timelines.series.map(\.description) == [#"cpu\ load,host\ name=a\,b\=c,core=0 usage"#])
        let other = SeriesName(measurement: "cpu", tags: [], field: "z")
        #expect(other < timelines.series[0])
    }

    @Test("beyond series_max, samples of new series are dropped and counted; known series go on")
    func seriesLimit() throws {
        var timelines = Timelines(seriesMax: 2)
        #expect(timelines.seriesMax == 2)
        timelines.apply(Fx.sample(1, at: Fx.hour, series: "a"))
        timelines.apply(Fx.sample(2, at: Fx.hour, series: "b"))
        timelines.apply(Fx.sample(3, at: Fx.hour, series: "c"))
        #expect(timelines.seriesCount == 2 && timelines.droppedSeriesSamples == 1)
        timelines.apply(Fx.sample(4, at: Self.bucket(1), series: "a"))
        timelines.apply(Fx.sample(5, at: Self.bucket(1), series: "c"))
        #expect(timelines.droppedSeriesSamples == 2)
        #expect(timelines.series.map(\.description) == ["m,id=a v", "m,id=b v"])
        #expect(timelines.index(of: SeriesName(measurement: "m", tags: [Tag("id", "c")], field: "v")) == nil)
        #expect(try timelines.query(series: 0, end: Self.bucket(1), points: 2).values == [1, 4])
        // Two numeric fields of a new series: both dropped (the string field is not counted).
        timelines.apply(
            Event(
                time: Fx.hour,
                measurement: "n",
                fields: [Field("x", .int(1)), Field("y", .bool(true)), Field("s", .string("q"))]
            )
        )
        #expect(timelines.droppedSeriesSamples == 4)
        // One field fits, the next does not.
        var one = Timelines(seriesMax: 1)
        let shape = Event(time: Fx.hour, measurement: "n", fields: [Field("x", .int(1)), Field("y", .int(2))])
        for _ in 0..<3 { one.apply(shape) }  // the same shape instance: the cached path counts too
        #expect(one.series.map(\.description) == ["n x"])
        #expect(one.droppedSeriesSamples == 3)
    }

    // MARK: queries

    /// Buckets 0: [1, 3], 1: [10], 2: empty, 3: [5, 7], 4: [100].
    static func combining() -> Timelines {
        var timelines = Timelines()
        for (b, v) in [(0, 1.0), (0, 3), (1, 10), (3, 5), (3, 7), (4, 100)] as [(Int64, Double)] {
            timelines.apply(Fx.sample(v, at: Self.bucket(b, plus: Fx.s)))
        }
        return timelines
    }

    static let coarserCases: [(Int64, Int, Timelines.Aggregation, [Float32?])] = [
        (Int64(20), 2, Timelines.Aggregation.avg, [Float32?(6), 100]),
        (20, 2, .min, [1, 100]),
        (20, 2, .max, [10, 100]),
        (20, 2, .last, [7, 100]),
        (10, 3, .avg, [6, 6, 100]),
        (10, 3, .last, [10, 7, 100]),
        (10, 3, .min, [1, 5, 100]),
        (10, 4, .max, [10, 7, 100, nil]),
    ]

    @Test(
        "a coarser step combines the tier's buckets: avg of the bucket averages, min, max, last non-empty",
        arguments: Self.coarserCases
    )
    func coarserStep(step: Int64, points: Int, aggregation: Timelines.Aggregation, expected: [Float32?]) throws {
        let timelines = Self.combining()
        let firstStart = Self.hourSeconds
        let end = (firstStart + Int64(points - 1) * step) * Fx.s + step * Fx.s - 1  // the last instant of the last point
        let t = try timelines.query(series: 0, end: end, points: points, stepSeconds: step, aggregation: aggregation)
        #expect(t.stepSeconds == step)
        #expect(t.times == (0..<Int64(points)).map { firstStart + $0 * step })
        #expect(t.values == expected)
    }

    @Test("a coarser step is aligned to itself, not to the first sample")
    func coarserAlignment() throws {
        let timelines = Self.combining()
        let t = try timelines.query(
            series: 0,
            end: Fx.hour + 39 * Fx.s + 999,
            points: 3,
            stepSeconds: 15,
            aggregation: .max
        )
        // 15 s buckets from the hour: [0, 15) holds 5 s buckets 0…2, [15, 30) 3…5, [30, 45) 6…8.
        #expect(t.times == [0, 15, 30].map { Self.hourSeconds + $0 })
        #expect(t.values == [10, 100, nil])
        let whole = try timelines.query(series: 0, end: Fx.hour, points: 1, stepSeconds: 3600, aggregation: .max)
        #expect(whole.times == [Self.hourSeconds] && whole.values == [100])
    }

    static let invalidCases: [(Int, Int64?, Timelines.QueryError, String)] = [
        (0, Int64?.none, Timelines.QueryError.invalidPoints(0), "points must be between 1 and the tier size, got 0"),
        (-3, nil, .invalidPoints(-3), "points must be between 1 and the tier size, got -3"),
        (721, nil, .invalidPoints(721), "points must be between 1 and the tier size, got 721"),
        (Int.max, nil, .invalidPoints(Int.max), "points must be between 1 and the tier size, got \(Int.max)"),
        (Int.max, 10, .invalidPoints(Int.max), "points must be between 1 and the tier size, got \(Int.max)"),
        (
            10, 7, .invalidStep(stepSeconds: 7, tiers: [5]),
            "step 7s is not a multiple of a tier step that covers the range (tiers: 5s)"
        ),
        (
            1, 3, .invalidStep(stepSeconds: 3, tiers: [5]),
            "step 3s is not a multiple of a tier step that covers the range (tiers: 5s)"
        ),
        (
            361, 10, .invalidStep(stepSeconds: 10, tiers: [5]),
            "step 10s is not a multiple of a tier step that covers the range (tiers: 5s)"
        ),
        (
            2, 3600, .invalidStep(stepSeconds: 3600, tiers: [5]),
            "step 3600s is not a multiple of a tier step that covers the range (tiers: 5s)"
        ),
        (1, 0, .invalidStep(stepSeconds: 0, tiers: [5]), "step must be a positive number of seconds, got 0s"),
        (1, -5, .invalidStep(stepSeconds: -5, tiers: [5]), "step must be a positive number of seconds, got -5s"),
        (
            1, Int64.max, .invalidStep(stepSeconds: Int64.max, tiers: [5]),
            "step \(Int64.max)s is not a multiple of a tier step that covers the range (tiers: 5s)"
        ),
    ]

    @Test("a series number that does not exist is refused, not a trap", arguments: [-1, 1, 2, Int.max, Int.min])
    func noSuchSeries(index: Int) {
        var timelines = Timelines()
        timelines.apply(Fx.sample(1, at: Fx.hour))
        #expect(throws: Timelines.QueryError.noSuchSeries(index)) {
            try timelines.query(series: index, end: Fx.hour, points: 10)
        }
        #expect(Timelines.QueryError.noSuchSeries(index).description == "no series number \(index)")
    }

    @Test("invalid points and steps are refused with a reason", arguments: Self.invalidCases)
    func invalidQueries(points: Int, step: Int64?, error: Timelines.QueryError, description: String) {
        var timelines = Timelines()
        timelines.apply(Fx.sample(1, at: Fx.hour))
        #expect(throws: error) { try timelines.query(series: 0, end: Fx.hour, points: points, stepSeconds: step) }
        #expect(error.description == description)
    }

    @Test("two tiers: a query uses the finest tier that covers points × step")
    func twoTiers() throws {
        var timelines = Timelines(tiers: [Timelines.Tier(stepSeconds: 5), Timelines.Tier(stepSeconds: 60)])
        #expect(timelines.tiers.map(\.stepSeconds) == [5, 60] && timelines.tiers.map(\.points) == [720, 720])
        let start = Fx.hour - 7200 * Fx.s  // two hours of one sample every 5 s, value = its number
        for k in 0..<1440 { timelines.apply(Fx.sample(Double(k), at: start + Int64(k) * Self.step + Fx.s)) }
        let end = Fx.hour - 1
        func query(_ points: Int, _ step: Int64?, _ aggregation: Timelines.Aggregation = .avg) throws -> Timeline {
            try timelines.query(series: 0, end: end, points: points, stepSeconds: step, aggregation: aggregation)
        }
        let startSeconds = start / Fx.s
        // The 5 s tier: the last hour.
        var t = try query(720, nil)
        #expect(t.stepSeconds == 5 && t.values == (720..<1440).map { Float32($0) })
        // Minutes from the 5 s tier (60 × 12 = 720 buckets fit): minute m averages 12m … 12m + 11.
        t = try query(60, 60)
        #expect(t.times == (60..<120).map { startSeconds + $0 * 60 })
        #expect(t.values == (60..<120).map { Float32(12 * $0) + 5.5 })
        // 61 minutes do not fit the 5 s tier: the 60 s tier answers, and still has minute 59.
        t = try query(61, 60)
        #expect(t.values == (59..<120).map { Float32(12 * $0) + 5.5 })
        t = try query(120, 60)
        #expect(t.values == (0..<120).map { Float32(12 * $0) + 5.5 })
        #expect(try query(120, 60, .min).values == (0..<120).map { Float32(12 * $0) })
        #expect(try query(120, 60, .max).values == (0..<120).map { Float32(12 * $0 + 11) })
        #expect(try query(120, 60, .last).values == (0..<120).map { Float32(12 * $0 + 11) })
        // Two minutes: 30 points from the 5 s tier, 31 from the 60 s tier.
        #expect(try query(30, 120).values == (30..<60).map { Float32(24 * $0) + 11.5 })
        #expect(try query(31, 120).values == (29..<60).map { Float32(24 * $0) + 11.5 })
        // Five minutes come only from the 60 s tier.
        #expect(try query(24, 300).values == (0..<24).map { Float32(60 * $0) + 29.5 })
        #expect(throws: Timelines.QueryError.invalidStep(stepSeconds: 30, tiers: [5, 60])) { try query(200, 30) }
        #expect(
            Timelines.QueryError.invalidStep(stepSeconds: 30, tiers: [5, 60]).description
                == "step 30s is not a multiple of a tier step that covers the range (tiers: 5s, 60s)"
        )
        #expect(try query(24, 30).values.count == 24)
        #expect(throws: Timelines.QueryError.invalidPoints(721)) { try query(721, 60) }
    }

    @Test("tiers configured coarsest first: the default step and the tier chosen are still the finest")
    func unorderedTiers() throws {
        var timelines = Timelines(tiers: [Timelines.Tier(stepSeconds: 60), Timelines.Tier(stepSeconds: 5)])
        // One minute: 5 s bucket 0 holds 0 and 12 (avg 6), bucket 1 holds 30. The 5 s tier combines them as
        // (6 + 30) / 2 = 18; the 60 s tier says (0 + 12 + 30) / 3 = 14.
        for (b, v) in [(0, 0.0), (0, 12), (1, 30)] as [(Int64, Double)] {
            timelines.apply(Fx.sample(v, at: Self.bucket(b)))
        }
        let fine = try timelines.query(series: 0, end: Self.bucket(1), points: 2)
        #expect(fine.stepSeconds == 5 && fine.values == [6, 30])
        let minute = try timelines.query(series: 0, end: Fx.hour, points: 1, stepSeconds: 60)
        #expect(minute.values == [18])
        // Beyond what the 5 s tier covers, the 60 s tier answers.
        let long = try timelines.query(series: 0, end: Fx.hour, points: 61, stepSeconds: 60)
        #expect(long.values.last == 14)
    }

    // MARK: memory

    static let memoryCases: [([Timelines.Tier], Int)] = [
        ([Timelines.Tier(stepSeconds: 5)], 1),
        ([Timelines.Tier(stepSeconds: 5)], 1000),
        ([Timelines.Tier(stepSeconds: 5), Timelines.Tier(stepSeconds: 60, points: 10)], 3),
        ([Timelines.Tier(stepSeconds: 1, points: 1), Timelines.Tier(stepSeconds: 10, points: 7)], 33),
    ]

    @Test("memory per retained point is exactly 16 bytes", arguments: Self.memoryCases)
    func memory(tiers: [Timelines.Tier], series: Int) {
        var timelines = Timelines(tiers: tiers)
        #expect(timelines.pointBytes == 0 && timelines.pointCount == 0)
        for k in 0..<series { timelines.apply(Fx.sample(1, at: Fx.hour, series: "s\(k)")) }
        #expect(timelines.pointCount == series * tiers.map(\.points).reduce(0, +))
        #expect(timelines.pointBytes == 16 * timelines.pointCount)
        #expect(timelines.pointBytes / timelines.pointCount == 16)
    }

    // MARK: the shape cache

    @Test("equal shapes in different instances (as decoded blocks give) map to the same series")
    func equalShapesDistinctInstances() throws {
        var timelines = Timelines()
        for k in 0..<5 {
            let batch = Fx.decodedAsBlock([Fx.sample(Double(k), at: Self.bucket(Int64(k)))])
            timelines.apply(batch[0])
        }
        #expect(timelines.seriesCount == 1)
        #expect(try timelines.query(series: 0, end: Self.bucket(4), points: 5).values == [0, 1, 2, 3, 4])
    }

    @Test("distinct shapes of one series key (field order, string fields) put each value in its own series")
    func distinctShapes() throws {
        var timelines = Timelines()
        let tags = [Tag("id", "a")]
        for k in 0..<50 {
            let t = Self.bucket(Int64(k))
            let events = [
                Event(time: t, measurement: "m", tags: tags, fields: [Field("x", .float(1)), Field("y", .float(2))]),
                Event(time: t, measurement: "m", tags: tags, fields: [Field("y", .float(2)), Field("x", .float(1))]),
                Event(time: t, measurement: "m", tags: tags, fields: [Field("s", .string("q")), Field("x", .int(1))]),
                Event(time: t, measurement: "m", tags: tags, fields: [Field("y", .uint(2))]),
            ]
            for e in (k % 2 == 0 ? events : Fx.decodedAsBlock(events)) { timelines.apply(e) }
        }
        #expect(timelines.series.map(\.description) == ["m,id=a x", "m,id=a y"])
        for (series, value) in [(0, Float32(1)), (1, 2)] {
            for aggregation in Timelines.Aggregation.allCases {
                let t = try timelines.query(series: series, end: Self.bucket(49), points: 50, aggregation: aggregation)
                #expect(t.values == Array(repeating: value, count: 50), "\(series) \(aggregation)")
            }
        }
    }

    @Test("shape instances freed and reallocated never pick up another shape's series")
    func instanceChurn() throws {
        var timelines = Timelines()
        for k in 0..<4000 {
            let id = k % 40
            // A fresh instance every time, dropped right after: its address is free for the next one.
            timelines.apply(
                Event(
                    time: Fx.hour,
                    measurement: "m\(id % 7)",
                    tags: [Tag("id", "\(id)")],
                    fields: [Field("v\(id % 3)", .int(Int64(id)))]
                )
            )
        }
        #expect(timelines.seriesCount == 40)
        for (index, name) in timelines.series.enumerated() {
            let id = Float32(name.tags[0].value)!
            for aggregation in [Timelines.Aggregation.min, .max] {
                #expect(
                    try timelines.query(series: index, end: Fx.hour, points: 1, aggregation: aggregation).values == [id]
                )
            }
        }
    }

    @Test("past 65,536 cached shapes the cache starts over and the series stay right")
    func cacheReset() throws {
        var timelines = Timelines()
        var kept: [Event] = []  // keep some instances alive across the reset
        for k in 0..<70_000 {
            let id = k % 3
            let e = Event(
                time: Fx.hour,
                measurement: "m",
                tags: [Tag("id", "\(id)")],
                fields: [Field("v", .int(Int64(id)))]
            )
            if k % 1000 == 0 { kept.append(e) }
            timelines.apply(e)
        }
        for e in kept { timelines.apply(e) }
        #expect(timelines.seriesCount == 3)
        for index in 0..<3 {
            let id = Float32(timelines.series[index].tags[0].value)!
            #expect(try timelines.query(series: index, end: Fx.hour, points: 1, aggregation: .min).values == [id])
            #expect(try timelines.query(series: index, end: Fx.hour, points: 1, aggregation: .max).values == [id])
        }
    }
}
