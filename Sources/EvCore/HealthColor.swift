/// The colour a `health` status word maps to (`spec/wire-protocol.md`, "Typed events"). Worse colours compare greater.
public enum HealthColor: UInt8, Sendable, Hashable, Comparable, CaseIterable, CustomStringConvertible {
    case green = 0
    case yellow = 1
    case red = 2

    /// The status words and their colours. Matching ignores ASCII case; any other word is rejected.
    public static let statusWords: [(word: String, color: HealthColor)] = [
        ("ok", .green), ("healthy", .green), ("up", .green), ("connected", .green),
        ("warning", .yellow), ("degraded", .yellow), ("connecting", .yellow),
        ("critical", .red), ("down", .red), ("disconnected", .red), ("error", .red), ("stale", .red),
    ]

    /// The colour of a status word, or `nil` for a word evq does not know.
    public init?(statusWord: some Collection<UInt8>) {
        guard let color = Array(statusWord).withUnsafeBytes({ Self.match($0) }) else { return nil }
        self = color
    }

    /// The colour of a status word (a concrete overload: views call this for every health event).
    public init?(statusWord: String) {
        var word = statusWord
        guard let color = word.withUTF8({ Self.match(UnsafeRawBufferPointer($0)) }) else { return nil }
        self = color
    }

    static func match(_ word: UnsafeRawBufferPointer) -> HealthColor? {
        for entry in statusWords where entry.word.utf8.count == word.count {
            var equal = true
            for (k, expected) in entry.word.utf8.enumerated() {
                let b = word[k]
                if (b >= 65 && b <= 90 ? b | 0x20 : b) != expected {
                    equal = false
                    break
                }
            }
            if equal { return entry.color }
        }
        return nil
    }

    public static func < (lhs: HealthColor, rhs: HealthColor) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .green: "green"
        case .yellow: "yellow"
        case .red: "red"
        }
    }
}

/// Whether two byte strings are equal, ignoring the case of ASCII letters.
@inlinable
func asciiCaseInsensitiveEqual(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    for (x, y) in zip(a, b) where x != y {
        let lx = (x >= 65 && x <= 90) ? x | 0x20 : x
        let ly = (y >= 65 && y <= 90) ? y | 0x20 : y
        if lx != ly { return false }
    }
    return true
}
