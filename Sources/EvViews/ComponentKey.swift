/// A component is identified by its `component` tag and, when the line has one, its `host` tag: the same
/// gateway on two hosts is two components.
public struct ComponentKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var component: String
    public var host: String?

    public init(component: String, host: String? = nil) {
        self.component = component
        self.host = host
    }

    public static func < (lhs: ComponentKey, rhs: ComponentKey) -> Bool {
        (lhs.component, lhs.host ?? "") < (rhs.component, rhs.host ?? "")
    }

    public var description: String { host.map { "\(component)@\($0)" } ?? component }
}
