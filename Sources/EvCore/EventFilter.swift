/// Which events a read command shows: by kind, by component tag, and by a glob on the series key
/// (`measurement,tag=value,…` as line protocol writes it) or on `series key + " " + field key` for one field.
public struct EventFilter: Sendable {
    public var kinds: Set<EventKind> = []
    public var component: String?
    public var match: Glob?

    public init(kinds: Set<EventKind> = [], component: String? = nil, match: Glob? = nil) {
        self.kinds = kinds
        self.component = component
        self.match = match
    }

    public func accepts(_ event: Event) -> Bool {
        if !kinds.isEmpty && !kinds.contains(event.kind) { return false }
        if let component, event.tag("component") != component { return false }
        if let match {
            let key = event.shape.description
            if match.matches(key) { return true }
            return event.shape.fieldKeys.contains { match.matches(key + " " + $0) }
        }
        return true
    }
}
