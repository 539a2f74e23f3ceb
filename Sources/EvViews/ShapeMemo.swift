import EvCore

/// A memo keyed by shape instance: for each distinct `EventShape` object it holds a run of `Int32`s that a view
/// computed once for that shape (the series of each field, the rules that watch it).
///
/// Events of one block share their shape objects (and a `ShapeInterner` shares them across blocks), so the per-event
/// path is one identity lookup in an open-addressed table and reads in place, with no hashing of strings and no
/// array copies. The memo keeps its shapes alive, so an identity cannot be reused by another shape while it is held.
/// It is bounded: at `capacity` shapes it forgets everything and starts again (the runs are recomputed on demand).
struct ShapeMemo: Sendable {
    /// Most shapes held before the memo starts again.
    static let capacity = 65_536

    /// Open addressing with linear probing: entry + 1 of each bucket, 0 when empty. Power-of-two size, at most half
    /// full.
    private var buckets: [Int32] = Array(repeating: 0, count: 64)
    private var shapes: [EventShape] = []
    /// `starts[e] ..< starts[e + 1]` is entry `e`'s run in `values`.
    private var starts: [Int32] = [0]
    /// All runs, back to back.
    private(set) var values: [Int32] = []

    init() {}

    var count: Int { shapes.count }

    /// The run memoized for `shape`, if any.
    @inline(__always)
    func run(for shape: EventShape) -> Range<Int>? {
        let mask = buckets.count - 1
        var b = Self.hash(shape) & mask
        while true {
            let e = Int(buckets[b]) - 1
            if e < 0 { return nil }
            if shapes[e] === shape { return Int(starts[e])..<Int(starts[e + 1]) }
            b = (b + 1) & mask
        }
    }

    /// Memoizes `run` for `shape` (which must not be held yet) and returns where it is kept.
    mutating func insert(_ shape: EventShape, run: [Int32]) -> Range<Int> {
        if shapes.count >= Self.capacity { removeAll() }
        if (shapes.count + 1) * 2 > buckets.count { grow() }
        let e = shapes.count
        shapes.append(shape)
        values.append(contentsOf: run)
        starts.append(Int32(values.count))
        place(e)
        return Int(starts[e])..<Int(starts[e + 1])
    }

    /// Forgets every shape.
    mutating func removeAll() {
        buckets = Array(repeating: 0, count: 64)
        shapes.removeAll()
        starts = [0]
        values.removeAll()
    }

    private mutating func grow() {
        buckets = Array(repeating: 0, count: buckets.count * 2)
        for e in shapes.indices { place(e) }
    }

    private mutating func place(_ e: Int) {
        let mask = buckets.count - 1
        var b = Self.hash(shapes[e]) & mask
        while buckets[b] != 0 { b = (b + 1) & mask }
        buckets[b] = Int32(e + 1)
    }

    /// Fibonacci hashing of the object's address (its low bits are alignment zeros).
    @inline(__always)
    private static func hash(_ shape: EventShape) -> Int {
        let address = UInt(bitPattern: ObjectIdentifier(shape))
        return Int(truncatingIfNeeded: (address &* 0x9E37_79B9_7F4A_7C15) >> 32)
    }
}
