/// The unit of line-protocol timestamps on a connection (`#evq precision s|ms|us|ns`). Nanoseconds by default.
public enum Precision: String, Sendable, Hashable, CaseIterable {
    case seconds = "s"
    case milliseconds = "ms"
    case microseconds = "us"
    case nanoseconds = "ns"

    /// Nanoseconds per unit.
    public var nanosecondsPerUnit: Int64 {
        switch self {
        case .seconds: 1_000_000_000
        case .milliseconds: 1_000_000
        case .microseconds: 1_000
        case .nanoseconds: 1
        }
    }
}
