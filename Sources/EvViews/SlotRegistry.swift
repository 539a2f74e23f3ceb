import EvCore

/// The strategy streaming-slot registry: which strategy holds a slot for which contract, as a pure reducer over
/// `slot` events (`spec/views.md`, "Slots").
public struct SlotRegistry: Sendable, Hashable {
    public struct Key: Sendable, Hashable, Comparable {
        public var strategy: String
        public var conid: String

        public static func < (lhs: Key, rhs: Key) -> Bool { (lhs.strategy, lhs.conid) < (rhs.strategy, rhs.conid) }
    }

    public struct Slot: Sendable, Hashable {
        public var strategy: String
        public var conid: String
        public var symbol: String
        /// Event time of the acquire.
        public var since: Int64
        public var offset: Int64
    }

    public struct Change: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable {
            case acquire, release
            /// An acquire of a slot the strategy already held for that contract.
            case doubleAcquire = "double_acquire"
            /// A release of a slot that was not held.
            case releaseWithoutAcquire = "release_without_acquire"
        }

        public var kind: Kind
        public var strategy: String
        public var conid: String
        public var symbol: String
        public var time: Int64
        public var offset: Int64
    }

    /// Slots available in total (the data vendor's streaming limit).
    public var limit: Int
    /// `used` at or above this is a warning.
    public var warningAt: Int
    public internal(set) var active: [Key: Slot] = [:]
    /// Acquires and releases, newest last (bounded).
    public internal(set) var history: BoundedLog<Change>
    /// Double acquires and releases without acquire, newest last (bounded), and their total count.
    public internal(set) var conflicts: BoundedLog<Change>

    public init(limit: Int = 100, warningAt: Int = 90, historyCapacity: Int = 10_000, conflictCapacity: Int = 1_000) {
        self.limit = limit
        self.warningAt = warningAt
        history = BoundedLog(capacity: historyCapacity)
        conflicts = BoundedLog(capacity: conflictCapacity)
    }

    public var used: Int { active.count }
    public var isWarning: Bool { used >= warningAt }

    /// Active slots sorted by strategy, then contract.
    public var activeSlots: [Slot] { active.sorted { $0.key < $1.key }.map(\.value) }

    public mutating func apply(_ event: Event) {
        guard event.kind == .slot, let strategy = event.tag("strategy"), let conid = event.tag("conid"),
            let action = event.field("action")?.stringValue?.lowercased()
        else { return }
        let symbol = event.tag("symbol") ?? ""
        let key = Key(strategy: strategy, conid: conid)
        func change(_ kind: Change.Kind) -> Change {
            Change(kind: kind, strategy: strategy, conid: conid, symbol: symbol, time: event.time, offset: event.offset)
        }
        switch action {
        case "acquire":
            if active[key] != nil {
                conflicts.append(change(.doubleAcquire))
            } else {
                active[key] = Slot(strategy: strategy, conid: conid, symbol: symbol, since: event.time, offset: event.offset)
                history.append(change(.acquire))
            }
        case "release":
            if active.removeValue(forKey: key) != nil {
                history.append(change(.release))
            } else {
                conflicts.append(change(.releaseWithoutAcquire))
            }
        default:
            break  // the parser admits only acquire and release
        }
    }
}
