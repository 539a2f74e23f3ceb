import EvCore
import EvViews
import PropertyBased
import Testing

/// A plain model of `spec/views.md` "Timelines": per tier and series, the samples each bucket kept, in dictionaries.
struct TimelineOracle {
    struct Bucket {
        var last: Double
        var min: Double
        var max: Double
        var avg: Double
    }

    struct Ring {
        var head: Int64
        var headCount = 1
        var buckets: [Int64: Bucket] = [:]
    }

    let tiers: [Timelines.Tier]
    var rings: [[String: Ring]]
    var series: [String] = []

    init(tiers: [Timelines.Tier]) {
        self.tiers = tiers
        rings = tiers.map { _ in [:] }
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return a % b != 0 && (a < 0) != (b < 0) ? q - 1 : q
    }

    mutating func add(series name: String, time: Int64, value: Double) {
        if !series.contains(name) { series.append(name) }
        for (t, tier) in tiers.enumerated() {
            let size = Int64(tier.points)
            let b = Self.floorDivide(time, tier.stepNanoseconds)
            let fresh = Bucket(last: value, min: value, max: value, avg: value)
            guard var ring = rings[t][name] else {
                rings[t][name] = Ring(head: b, buckets: [b: fresh])
                continue
            }
            if b > ring.head {
                ring.head = b
                ring.headCount = 1
                ring.buckets = ring.buckets.filter { $0.key > b - size }
                ring.buckets[b] = fresh
            } else if b > ring.head - size {
                if var bucket = ring.buckets[b] {
                    let count = b == ring.head ? ring.headCount + 1 : 2
                    if b == ring.head { ring.headCount = count }
                    bucket.last = value
                    bucket.min = Swift.min(bucket.min, value)
                    bucket.max = Swift.max(bucket.max, value)
                    bucket.avg += (value - bucket.avg) / Double(count)
                    ring.buckets[b] = bucket
                } else {
                    ring.buckets[b] = fresh
                }
            }
            rings[t][name] = ring
        }
    }

    /// The answer the spec gives: `(time, value)` per point, or the error.
    func query(
        series name: String,
        end: Int64,
        points: Int,
        stepSeconds: Int64?,
        aggregation: Timelines.Aggregation
    ) -> Result<[(Int64, Double?)], Timelines.QueryError> {
        let tierSteps = tiers.map(\.stepSeconds)
        guard points >= 1 else { return .failure(.invalidPoints(points)) }
        let stepSeconds = stepSeconds ?? tierSteps.min()!
        guard stepSeconds > 0 else { return .failure(.invalidStep(stepSeconds: stepSeconds, tiers: tierSteps)) }
        let candidates = tiers.indices.filter { t in
            stepSeconds % tiers[t].stepSeconds == 0
                && points <= tiers[t].points / Int(stepSeconds / tiers[t].stepSeconds)
        }
        guard let t = candidates.min(by: { tiers[$0].stepSeconds < tiers[$1].stepSeconds }) else {
            if points > tiers.map(\.points).max()! { return .failure(.invalidPoints(points)) }
            return .failure(.invalidStep(stepSeconds: stepSeconds, tiers: tierSteps))
        }
        let factor = stepSeconds / tiers[t].stepSeconds
        let ring = rings[t][name]
        let last = Self.floorDivide(end, stepSeconds * 1_000_000_000)
        return .success(
            (0..<points).map { p in
                let q = last - Int64(points - 1 - p)
                var found: [Bucket] = []
                if let ring {
                    for k in 0..<factor {
                        let b = q * factor + k
                        if b <= ring.head, b > ring.head - Int64(tiers[t].points), let bucket = ring.buckets[b] {
                            found.append(bucket)
                        }
                    }
                }
                guard !found.isEmpty else { return (q * stepSeconds, nil) }
                let value: Double =
                    switch aggregation {
                    case .last: found.last!.last
                    case .min: found.map(\.min).min()!
                    case .max: found.map(\.max).max()!
                    case .avg: found.map(\.avg).reduce(0, +) / Double(found.count)
                    }
                return (q * stepSeconds, value)
            }
        )
    }
}

@Suite("Timelines against a model of the spec")
struct TimelinePropertyTests {
    static let steps: [Int64] = [1, 2, 5, 10, 60]

    /// Runs one random scenario: random tiers (in random order), samples of up to three series at random times,
    /// in order or not, then random queries compared with the model.
    static func scenario(seed: UInt64, inOrder: Bool) throws {
        var rng = SplitMix64(seed: seed)
        let tierCount = Int.random(in: 1...3, using: &rng)
        let tiers = steps.shuffled(using: &rng).prefix(tierCount).map {
            Timelines.Tier(stepSeconds: $0, points: Int.random(in: 1...24, using: &rng))
        }
        var timelines = Timelines(tiers: tiers)
        var oracle = TimelineOracle(tiers: tiers)
        let span = tiers.map { $0.stepNanoseconds * Int64($0.points) }.max()!
        var cursor =
            Int64.random(in: -2000 * Fx.s...2000 * Fx.s, using: &rng) + (Bool.random(using: &rng) ? Fx.hour : 0)
        let names = ["a", "b", "c"].prefix(Int.random(in: 1...3, using: &rng))
        let sampleCount = Int.random(in: 0...200, using: &rng)
        var pending: [Event] = []
        func flush() {
            // Apply as a decoded block (fresh shape instances) or as is.
            for e in Bool.random(using: &rng) ? Fx.decodedAsBlock(pending) : pending { timelines.apply(e) }
            pending.removeAll()
        }
        for k in 0..<sampleCount {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<7: cursor += Int64.random(in: 0...7 * Fx.s, using: &rng)
            case 7..<9: cursor += Int64.random(in: 0...2 * span, using: &rng)
            default: cursor += Int64.random(in: 0...10 * span, using: &rng)
            }
            var time = cursor
            if !inOrder && Int.random(in: 0..<3, using: &rng) == 0 {
                time -= Int64.random(in: 0...(span + span / 2), using: &rng)
            }
            let name = names.randomElement(using: &rng)!
            let value = Double(Int.random(in: -2000...2000, using: &rng)) / 2
            oracle.add(series: name, time: time, value: value)
            pending.append(Fx.sample(value, at: time, series: name, offset: Int64(k)))
            if Int.random(in: 0..<8, using: &rng) == 0 { flush() }
        }
        flush()
        #expect(timelines.series.map { $0.tags[0].value } == oracle.series, "seed \(seed)")
        for (index, name) in oracle.series.enumerated() {
            for _ in 0..<12 {
                let end = cursor + Int64.random(in: -span...span / 4, using: &rng)
                let points = Int.random(in: 0...30, using: &rng)
                let step: Int64? =
                    switch Int.random(in: 0..<4, using: &rng) {
                    case 0: nil
                    case 1: Int64.random(in: 1...130, using: &rng)
                    default: tiers.randomElement(using: &rng)!.stepSeconds * Int64.random(in: 1...4, using: &rng)
                    }
                let aggregation = Timelines.Aggregation.allCases.randomElement(using: &rng)!
                let expected = oracle.query(
                    series: name,
                    end: end,
                    points: points,
                    stepSeconds: step,
                    aggregation: aggregation
                )
                let context =
                    "seed \(seed) series \(name) end \(end) points \(points) step \(String(describing: step)) \(aggregation)"
                switch expected {
                case .failure(let error):
                    #expect(throws: error, "\(context)") {
                        try timelines.query(
                            series: index,
                            end: end,
                            points: points,
                            stepSeconds: step,
                            aggregation: aggregation
                        )
                    }
                case .success(let want):
                    let got = try timelines.query(
                        series: index,
                        end: end,
                        points: points,
                        stepSeconds: step,
                        aggregation: aggregation
                    )
                    #expect(got.times == want.map(\.0), "\(context)")
                    #expect(got.stepSeconds == step ?? tiers.map(\.stepSeconds).min()!, "\(context)")
                    for (g, w) in zip(got.values, want.map(\.1)) {
                        switch (g, w) {
                        case (nil, nil): continue
                        case (let g?, let w?) where aggregation == .avg:
                            #expect(abs(Double(g) - w) <= 0.01, "\(context): \(g) vs \(w)")
                        case (let g?, let w?):
                            #expect(Double(g) == w, "\(context): \(g) vs \(w)")
                        default:
                            Issue.record("\(context): got \(String(describing: g)), want \(String(describing: w))")
                        }
                    }
                }
            }
        }
    }

    @Test("samples in time order: every query matches the model, all aggregations, any tiers and steps")
    func inOrder() async {
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in
            try Self.scenario(seed: seed, inOrder: true)
        }
    }

    @Test("samples out of order (late within and beyond the ring): every query matches the model")
    func outOfOrder() async {
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in
            try Self.scenario(seed: seed, inOrder: false)
        }
    }
}
