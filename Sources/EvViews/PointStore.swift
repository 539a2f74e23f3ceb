#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The points of one timeline tier for all series: 4 words per point (`last`, `min`, `max`, `avg`), one ring of
/// `pointsPerSeries` points per series, in chunks of zero-filled memory (`calloc`).
///
/// Adding a series neither fills nor moves memory: a chunk's pages are touched when a sample first lands in them,
/// so a new view costs nothing per series until data arrives. All-zero words are an empty point: `last` is stored
/// XOR the bits of NaN (`encode`), so a stored zero reads back as NaN, which the rings use as "no sample". A value
/// type with copy-on-write, like `Array`: `Timelines` copies share chunks until one of them is written.
final class PointStore: @unchecked Sendable {
    /// Series per chunk: with 720 points, 64 series are 720 KiB (one `mmap`, pages faulted on demand).
    static let seriesPerChunk = 64
    static let wordsPerPoint = 4
    /// The bits XORed into `last`: NaN, so an untouched (zero) word reads as NaN.
    static let emptyBits = Float32.nan.bitPattern

    let pointsPerSeries: Int
    /// The chunks' memory. Readers on the per-event path keep a copy of this list in a value (`Timelines.Rings`):
    /// reading a class's `var` costs a dynamic exclusivity check.
    private(set) var chunks: [UnsafeMutablePointer<UInt32>] = []
    /// Series the chunks have room for.
    var seriesCapacity: Int { chunks.count * Self.seriesPerChunk }

    init(pointsPerSeries: Int) {
        self.pointsPerSeries = pointsPerSeries
    }

    deinit {
        for chunk in chunks { free(chunk) }
    }

    private var wordsPerChunk: Int { Self.seriesPerChunk * pointsPerSeries * Self.wordsPerPoint }

    /// Makes room for one more series (a new chunk every `seriesPerChunk` series).
    func reserve(series: Int) {
        while series >= seriesCapacity {
            guard let chunk = calloc(wordsPerChunk, MemoryLayout<UInt32>.stride) else {
                fatalError("out of memory for timeline points")
            }
            chunks.append(chunk.assumingMemoryBound(to: UInt32.self))
        }
    }

    /// The first word of `series`' ring, in `chunks`.
    @inline(__always)
    static func ring(
        _ series: Int,
        in chunks: UnsafeBufferPointer<UnsafeMutablePointer<UInt32>>,
        pointsPerSeries: Int
    ) -> UnsafeMutablePointer<UInt32> {
        chunks[series / seriesPerChunk] + (series % seriesPerChunk) * pointsPerSeries * wordsPerPoint
    }

    /// A copy with its own memory (copy-on-write).
    func copy() -> PointStore {
        let other = PointStore(pointsPerSeries: pointsPerSeries)
        for chunk in chunks {
            guard let new = malloc(wordsPerChunk * MemoryLayout<UInt32>.stride) else {
                fatalError("out of memory for timeline points")
            }
            new.copyMemory(from: chunk, byteCount: wordsPerChunk * MemoryLayout<UInt32>.stride)
            other.chunks.append(new.assumingMemoryBound(to: UInt32.self))
        }
        return other
    }

    /// `last` as stored.
    @inline(__always)
    static func encode(_ last: Float32) -> UInt32 { last.bitPattern ^ emptyBits }

    /// `last` as read: NaN for an empty point.
    @inline(__always)
    static func decode(_ word: UInt32) -> Float32 { Float32(bitPattern: word ^ emptyBits) }
}
