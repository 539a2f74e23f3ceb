import EvCore
import Testing

/// Status words, their colours, and the typed-event kinds decided by measurement name.
@Suite struct HealthColorTests {
    static let words: [(String, HealthColor)] = [
        ("ok", .green), ("healthy", .green), ("up", .green), ("connected", .green),
        ("warning", .yellow), ("degraded", .yellow), ("connecting", .yellow),
        ("critical", .red), ("down", .red), ("disconnected", .red), ("error", .red), ("stale", .red),
        ("OK", .green), ("Healthy", .green), ("DeGrAdEd", .yellow), ("STALE", .red),
    ]

    @Test("each status word maps to its colour, ignoring ASCII case", arguments: words)
    func color(word: String, color: HealthColor) {
        #expect(HealthColor(statusWord: word.utf8) == color)
    }

    @Test(
        "unknown words are not guessed",
        arguments: ["", "okay", "o", "green", "red", "fine", "ok ", " ok", "upp", "ÖK", "stalé", "warn"]
    )
    func unknown(word: String) {
        #expect(HealthColor(statusWord: word.utf8) == nil)
    }

    @Test("worse colours compare greater")
    func ordering() {
        #expect(HealthColor.green < .yellow)
        #expect(HealthColor.yellow < .red)
        #expect(HealthColor.allCases.max() == .red)
        #expect(HealthColor.allCases.map(\.description) == ["green", "yellow", "red"])
    }

    static let kinds: [(String, EventKind)] = [
        ("health", .health), ("heartbeat", .heartbeat), ("slot", .slot), ("alert", .alert),
        ("Health", .metric), ("HEALTH", .metric), ("healt", .metric), ("healthy", .metric), ("slots", .metric),
        ("alerts", .metric), ("heartbeats", .metric), ("cpu", .metric), ("", .metric), ("heartbeat ", .metric),
    ]

    @Test("only the four exact reserved measurement names are typed", arguments: kinds)
    func kind(measurement: String, kind: EventKind) {
        #expect(EventKind(measurement: measurement.utf8) == kind)
    }

    @Test("event kinds have fixed raw values and names")
    func kindNames() {
        #expect(EventKind.allCases.map(\.rawValue) == [0, 1, 2, 3, 4])
        for kind in EventKind.allCases {
            #expect(EventKind(name: kind.description) == kind)
        }
        #expect(EventKind(name: "gauge") == nil)
    }

    @Test("the typed-event rules list the required tags and words")
    func rules() {
        #expect(TypedEventRules.requiredTags(.health) == ["component"])
        #expect(TypedEventRules.requiredTags(.heartbeat) == ["component"])
        #expect(TypedEventRules.requiredTags(.slot) == ["strategy", "conid", "symbol"])
        #expect(TypedEventRules.requiredTags(.alert) == ["alert", "severity"])
        #expect(TypedEventRules.requiredTags(.metric).isEmpty)
        #expect(TypedEventRules.slotActions == ["acquire", "release"])
        #expect(TypedEventRules.alertSeverities == ["info", "warning", "critical"])
        #expect(TypedEventRules.alertStates == ["firing", "resolved", "ack"])
    }
}
