#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvCore

extension Timelines {
    /// The rings of one tier for all series, 4 words per point (`last`, `min`, `max`, `avg`), so an update touches 16
    /// contiguous bytes.
    struct Rings: Sendable {
        let tier: Tier
        /// Owns the points' memory.
        private(set) var store: PointStore
        /// `store.chunks`, kept in the value so the per-event path reads it without a dynamic exclusivity check.
        /// Sendable as `store` is: its memory is written only through a uniquely referenced store.
        nonisolated(unsafe) private var chunks: [UnsafeMutablePointer<UInt32>] = []
        /// Per series: newest bucket number (time / step) and its sample count.
        var headBucket: [Int64] = []
        var headCount: [UInt32] = []

        /// Offsets of the four values within a point.
        static let minOffset = 1, maxOffset = 2, avgOffset = 3

        init(tier: Tier) {
            self.tier = tier
            store = PointStore(pointsPerSeries: tier.points)
        }

        var seriesCount: Int { headBucket.count }

        mutating func addSeries() {
            makeUnique()
            store.reserve(series: headBucket.count)
            chunks = store.chunks
            headBucket.append(.min)
            headCount.append(0)
        }

        private mutating func makeUnique() {
            if !isKnownUniquelyReferenced(&store) {
                store = store.copy()
                chunks = store.chunks
            }
        }

        /// The point of `series` at `bucket` (which must lie in the ring): `last` (NaN when empty), `min`, `max`,
        /// `avg`.
        @inline(__always)
        func point(series: Int, bucket: Int64) -> (last: Float32, min: Float32, max: Float32, avg: Float32) {
            let p = ring(series) + Int(Timelines.floorModulo(bucket, Int64(tier.points))) * 4
            return (
                PointStore.decode(p[0]), Float32(bitPattern: p[1]), Float32(bitPattern: p[2]),
                Float32(bitPattern: p[3])
            )
        }

        /// The first word of `series`' ring.
        @inline(__always)
        func ring(_ series: Int) -> UnsafeMutablePointer<UInt32> {
            chunks.withUnsafeBufferPointer { PointStore.ring(series, in: $0, pointsPerSeries: tier.points) }
        }

        /// Adds the numeric values of one event, field `k` to series `series[k]` (negative: not kept), to the
        /// bucket that holds `time`.
        mutating func add(time: Int64, series: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<FieldValue>) {
            makeUnique()
            let size = tier.points
            // One division per event and tier, not per field: every field of an event falls in the same bucket.
            let bucket = Timelines.floorDivide(time, tier.stepNanoseconds)
            let position = Int(Timelines.floorModulo(bucket, Int64(size)))
            chunks.withUnsafeBufferPointer { chunks in
            headBucket.withUnsafeMutableBufferPointer { heads in
                headCount.withUnsafeMutableBufferPointer { counts in
                    for k in 0..<series.count {
                        let s = Int(series[k])
                        guard s >= 0, let value = Timelines.sampleValue(values[k]) else { continue }
                        let ring = PointStore.ring(s, in: chunks, pointsPerSeries: size)
                        let p = ring + position * 4
                        let head = heads[s]
                        if bucket > head {
                            // Clear the buckets between the old head and the new one (all of them if the gap is a
                            // full ring).
                            if head != .min {
                                let gap = Swift.min(bucket - head - 1, Int64(size))
                                var b = head + 1
                                for _ in 0..<gap {
                                    ring[Int(Timelines.floorModulo(b, Int64(size))) * 4] = 0
                                    b += 1
                                }
                            }
                            heads[s] = bucket
                            counts[s] = 1
                            Self.set(p, value)
                            continue
                        }
                        guard bucket > head - Int64(size) else { continue }  // older than the ring: dropped
                        let isHead = bucket == head
                        if isHead { counts[s] &+= 1 }
                        let count = isHead ? counts[s] : 2
                        if p[0] == 0 {  // empty
                            Self.set(p, value)
                            continue
                        }
                        p[0] = PointStore.encode(value)
                        if value < Float32(bitPattern: p[1]) { p[1] = value.bitPattern }
                        if value > Float32(bitPattern: p[2]) { p[2] = value.bitPattern }
                        let avg = Float32(bitPattern: p[3])
                        p[3] = (avg + (value - avg) / Float32(count)).bitPattern
                    }
                }
            }
            }
        }

        @inline(__always)
        private static func set(_ p: UnsafeMutablePointer<UInt32>, _ value: Float32) {
            p[0] = PointStore.encode(value)
            p[1] = value.bitPattern
            p[2] = value.bitPattern
            p[3] = value.bitPattern
        }

        /// Every point of every series in order, `last` NaN when empty (the checkpoint's layout).
        func exportPoints() -> [Float32] {
            let pointsPerSeries = tier.points
            return [Float32](unsafeUninitializedCapacity: seriesCount * pointsPerSeries * 4) { buffer, count in
                let out = UnsafeMutableRawPointer(buffer.baseAddress!).assumingMemoryBound(to: UInt32.self)
                for s in 0..<seriesCount {
                    let ring = self.ring(s)
                    let base = out + s * pointsPerSeries * 4
                    base.update(from: ring, count: pointsPerSeries * 4)
                    for p in 0..<pointsPerSeries { base[p * 4] ^= PointStore.emptyBits }  // stored `last` → NaN if empty
                }
                count = seriesCount * pointsPerSeries * 4
            }
        }

        /// Restores the points of `exportPoints` for the series already added.
        mutating func importPoints(_ points: [Float32]) {
            precondition(points.count == seriesCount * tier.points * 4, "one ring per series")
            makeUnique()
            let pointsPerSeries = tier.points
            points.withUnsafeBufferPointer { source in
                let words = UnsafeRawPointer(source.baseAddress!).assumingMemoryBound(to: UInt32.self)
                for s in 0..<seriesCount {
                    let ring = self.ring(s)
                    let base = words + s * pointsPerSeries * 4
                    for p in 0..<pointsPerSeries {
                        let last = Float32(bitPattern: base[p * 4])
                        if last.isNaN {
                            // An empty point is all zero words (a page never written stays untouched).
                            if ring[p * 4] != 0 { ring[p * 4] = 0 }
                        } else {
                            ring[p * 4] = PointStore.encode(last)
                            ring[p * 4 + 1] = base[p * 4 + 1]
                            ring[p * 4 + 2] = base[p * 4 + 2]
                            ring[p * 4 + 3] = base[p * 4 + 3]
                        }
                    }
                }
            }
        }
    }
}
