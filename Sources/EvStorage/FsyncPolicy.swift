/// When the log writer calls fsync (`evqd --fsync`). A `#evq sync` always gets an fsync whatever the policy:
/// its reply promises durability.
public enum FsyncPolicy: Sendable, Hashable, CustomStringConvertible {
    /// After every group commit.
    case always
    /// At most this long after a write.
    case interval(Duration)
    /// Only for `#evq sync`, segment rolls and shutdown.
    case never

    /// Parses `always`, `never` or `interval:MS`.
    public init?(_ text: String) {
        if text == "always" {
            self = .always
        } else if text == "never" {
            self = .never
        } else if text.hasPrefix("interval:"), let ms = Int(text.dropFirst("interval:".count)), ms > 0 {
            self = .interval(.milliseconds(ms))
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .always: "always"
        case .never: "never"
        case .interval(let d):
            "interval:\(d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000)"
        }
    }
}
