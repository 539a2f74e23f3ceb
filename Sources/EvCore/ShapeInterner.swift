/// Gives equal shapes one shared `EventShape` instance across blocks, keyed by their encoded bytes.
///
/// Every block stores its own shape table; without interning, each block decodes fresh instances (and their
/// strings), and per-shape caches keyed by instance miss once per block. A reader that decodes many blocks keeps
/// one interner. Bounded: past `capacity` distinct shapes it starts over.
///
/// Not thread-safe: one per reading thread.
public final class ShapeInterner {
    private var shapes: [[UInt8]: EventShape] = [:]
    public let capacity: Int

    public init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    public var count: Int { shapes.count }

    /// The shared instance for the shape encoded in `bytes`, decoding it on first sight; `nil` if malformed.
    func shape(for bytes: UnsafeRawBufferPointer) -> EventShape? {
        let key = Array(bytes)
        if let known = shapes[key] { return known }
        var reader = ByteReader(bytes)
        guard let shape = EventShapeCodec.decode(from: &reader), reader.isAtEnd else { return nil }
        if shapes.count >= capacity { shapes.removeAll(keepingCapacity: true) }
        shapes[key] = shape
        return shape
    }
}
