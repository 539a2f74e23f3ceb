/// What an event means to evq, decided by its measurement name (`spec/wire-protocol.md`, "Typed events").
public enum EventKind: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case metric = 0
    case health = 1
    case heartbeat = 2
    case slot = 3
    case alert = 4

    public init(measurement: some Collection<UInt8>) {
        switch measurement.count {
        case 4 where measurement.elementsEqual("slot".utf8): self = .slot
        case 5 where measurement.elementsEqual("alert".utf8): self = .alert
        case 6 where measurement.elementsEqual("health".utf8): self = .health
        case 9 where measurement.elementsEqual("heartbeat".utf8): self = .heartbeat
        default: self = .metric
        }
    }

    public init?(name: String) {
        guard let kind = EventKind.allCases.first(where: { $0.description == name }) else { return nil }
        self = kind
    }

    public var description: String {
        switch self {
        case .metric: "metric"
        case .health: "health"
        case .heartbeat: "heartbeat"
        case .slot: "slot"
        case .alert: "alert"
        }
    }
}
