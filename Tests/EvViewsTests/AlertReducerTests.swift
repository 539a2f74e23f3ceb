import EvCore
import EvViews
import Testing

@Suite("Alert history reducer")
struct AlertReducerTests {
    static func host(_ h: String) -> [Tag] { [Tag("host", h)] }

    @Test("firing → ack → resolved: times, who acknowledged, and the record moves to the resolved history")
    func lifecycle() {
        var alerts = AlertHistory()
        alerts.apply(
            Fx.alert(
                "cpu_high",
                "firing",
                severity: "critical",
                labels: Self.host("h1"),
                fields: [Field("message", .string("cpu at 93%")), Field("value", .float(93.5))],
                at: Fx.at(0),
                offset: 1
            )
        )
        var record = alerts.activeAlerts.first
        #expect(alerts.activeAlerts.count == 1)
        #expect(record?.alert == "cpu_high" && record?.labels == ["host": "h1"] && record?.severity == "critical")
        #expect(record?.state == .firing && record?.isActive == true)
        #expect(
            record?.firedAt == Fx.at(0) && record?.ackedBy == nil && record?.ackedAt == nil && record?.resolvedAt == nil
        )
        #expect(record?.message == "cpu at 93%" && record?.value == 93.5 && record?.refires == 0 && record?.offset == 1)

        alerts.apply(
            Fx.alert(
                "cpu_high",
                "ack",
                severity: "critical",
                labels: Self.host("h1"),
                fields: [Field("by", .string("alice"))],
                at: Fx.at(10),
                offset: 2
            )
        )
        record = alerts.activeAlerts.first
        #expect(record?.state == .acknowledged && record?.isActive == true)
        #expect(record?.ackedBy == "alice" && record?.ackedAt == Fx.at(10) && record?.offset == 2)
        #expect(alerts.resolved.count == 0)

        alerts.apply(
            Fx.alert(
                "cpu_high",
                "resolved",
                severity: "critical",
                labels: Self.host("h1"),
                fields: [Field("value", .int(40))],
                at: Fx.at(20),
                offset: 3
            )
        )
        #expect(alerts.activeAlerts.isEmpty && alerts.active.isEmpty)
        #expect(alerts.resolved.count == 1)
        record = alerts.resolved.elements.first
        #expect(record?.state == .resolved && record?.isActive == false)
        #expect(record?.firedAt == Fx.at(0) && record?.ackedAt == Fx.at(10) && record?.resolvedAt == Fx.at(20))
        #expect(record?.ackedBy == "alice")
        #expect(record?.value == 40 && record?.message == "cpu at 93%")  // value updated, message kept
        #expect(record?.offset == 3)
        #expect(alerts.unmatched == 0)
        #expect(AlertRecord.State.acknowledged.rawValue == "ack")
    }

    @Test("firing → resolved without an ack leaves the ack empty")
    func resolvedWithoutAck() {
        var alerts = AlertHistory()
        alerts.apply(Fx.alert("disk", "firing", at: Fx.at(0)))
        alerts.apply(Fx.alert("disk", "resolved", fields: [Field("message", .string("freed"))], at: Fx.at(3)))
        let record = alerts.resolved.elements.first
        #expect(record?.ackedBy == nil && record?.ackedAt == nil && record?.resolvedAt == Fx.at(3))
        #expect(record?.message == "freed" && record?.value == nil)
    }

    @Test("firing while active is a re-fire: counted, severity, message and value updated, first firing time kept")
    func refires() {
        var alerts = AlertHistory()
        alerts.apply(
            Fx.alert(
                "mem",
                "firing",
                severity: "warning",
                fields: [Field("value", .float(86)), Field("message", .string("a"))],
                at: Fx.at(0),
                offset: 0
            )
        )
        alerts.apply(Fx.alert("mem", "ack", fields: [Field("by", .string("bob"))], at: Fx.at(1), offset: 1))
        alerts.apply(
            Fx.alert(
                "mem",
                "firing",
                severity: "Critical",
                fields: [Field("value", .float(97))],
                at: Fx.at(2),
                offset: 2
            )
        )
        alerts.apply(Fx.alert("mem", "firing", severity: "critical", at: Fx.at(3), offset: 3))
        let record = alerts.activeAlerts.first
        #expect(alerts.activeAlerts.count == 1)
        #expect(record?.refires == 2 && record?.firedAt == Fx.at(0) && record?.offset == 3)
        #expect(record?.severity == "critical" && record?.value == 97 && record?.message == "a")
        #expect(record?.state == .acknowledged && record?.ackedBy == "bob")  // a re-fire does not undo the ack
        #expect(alerts.firedBySeverity == ["warning": 1])  // fired once
        #expect(alerts.activeBySeverity == ["critical": 1])
        // After resolving, the next firing is a new record.
        alerts.apply(Fx.alert("mem", "resolved", at: Fx.at(4), offset: 4))
        alerts.apply(Fx.alert("mem", "firing", at: Fx.at(5), offset: 5))
        #expect(alerts.activeAlerts.first?.refires == 0 && alerts.activeAlerts.first?.firedAt == Fx.at(5))
        #expect(alerts.activeAlerts.first?.ackedBy == nil)
        #expect(alerts.firedBySeverity == ["warning": 2])
    }

    @Test("labels (tags other than alert and severity) tell alerts apart, in any tag order; severity does not")
    func labels() {
        var alerts = AlertHistory()
        alerts.apply(
            Fx.alert("cpu_high", "firing", labels: [Tag("host", "a"), Tag("dc", "x")], at: Fx.at(0), offset: 0)
        )
        alerts.apply(
            Fx.alert("cpu_high", "firing", labels: [Tag("host", "b"), Tag("dc", "x")], at: Fx.at(1), offset: 1)
        )
        alerts.apply(Fx.alert("cpu_high", "firing", at: Fx.at(2), offset: 2))  // no labels: a third alert
        alerts.apply(
            Fx.alert("cpu_low", "firing", labels: [Tag("host", "a"), Tag("dc", "x")], at: Fx.at(3), offset: 3)
        )
        #expect(alerts.activeAlerts.count == 4)
        #expect(
            alerts.activeAlerts.map(\.labels) == [
                ["host": "a", "dc": "x"], ["host": "b", "dc": "x"], [:], ["host": "a", "dc": "x"],
            ]
        )
        // Same labels in another order, and another severity: the same alert.
        let reordered = Event(
            offset: 4,
            time: Fx.at(4),
            measurement: "alert",
            tags: [Tag("dc", "x"), Tag("severity", "critical"), Tag("host", "a"), Tag("alert", "cpu_high")],
            fields: [Field("state", .string("ack")), Field("by", .string("carol"))]
        )
        alerts.apply(reordered)
        #expect(alerts.unmatched == 0)
        #expect(alerts.activeAlerts[0].ackedBy == "carol")
        alerts.apply(
            Fx.alert(
                "cpu_high",
                "resolved",
                severity: "info",
                labels: [Tag("host", "b"), Tag("dc", "x")],
                at: Fx.at(5),
                offset: 5
            )
        )
        #expect(alerts.activeAlerts.map { $0.labels["host"] } == ["a", nil, "a"])
        #expect(alerts.resolved.elements.map { $0.labels["host"] } == ["b"])
    }

    @Test("ack or resolved without an active alert is counted as unmatched and creates nothing")
    func unmatched() {
        var alerts = AlertHistory()
        alerts.apply(Fx.alert("x", "ack", fields: [Field("by", .string("a"))], at: Fx.at(0)))
        alerts.apply(Fx.alert("x", "resolved", at: Fx.at(1)))
        #expect(alerts.unmatched == 2 && alerts.active.isEmpty && alerts.resolved.appended == 0)
        alerts.apply(Fx.alert("x", "firing", at: Fx.at(2)))
        alerts.apply(Fx.alert("x", "resolved", at: Fx.at(3)))
        alerts.apply(Fx.alert("x", "resolved", at: Fx.at(4)))  // twice
        alerts.apply(Fx.alert("x", "ack", at: Fx.at(5)))  // after the resolve
        alerts.apply(Fx.alert("x", "resolved", labels: [Tag("host", "h")], at: Fx.at(6)))  // other labels
        #expect(alerts.unmatched == 5)
        #expect(alerts.resolved.count == 1 && alerts.firedBySeverity == ["warning": 1])
    }

    /// A fired at 0, resolved at 10; B fired at 5, active; C fired at 20, resolved at 30; D fired at 40, acked.
    static func history() -> AlertHistory {
        var alerts = AlertHistory()
        let script: [(String, String, Int64)] = [
            ("A", "firing", 0), ("B", "firing", 5), ("A", "resolved", 10), ("C", "firing", 20), ("C", "resolved", 30),
            ("D", "firing", 40), ("D", "ack", 41),
        ]
        for (k, (name, state, time)) in script.enumerated() {
            alerts.apply(Fx.alert(name, state, at: Fx.at(time), offset: Int64(k)))
        }
        return alerts
    }

    static let sinceCases: [(Int64?, Bool, [String])] = [
        (Int64?.none, false, ["A", "B", "C", "D"]),
        (0, false, ["A", "B", "C", "D"]),
        (10, false, ["A", "B", "C", "D"]),  // A resolved exactly at 10
        (11, false, ["B", "C", "D"]),
        (20, false, ["B", "C", "D"]),
        (30, false, ["B", "C", "D"]),
        (31, false, ["B", "D"]),
        (40, false, ["B", "D"]),
        (1000, false, ["B", "D"]),  // active alerts always
        (nil, true, ["B", "D"]),
        (11, true, ["B", "D"]),
        (1000, true, ["B", "D"]),
    ]

    @Test(
        "alerts(since:activeOnly:): fired or resolved at or after since, or still active; oldest fired first",
        arguments: Self.sinceCases
    )
    func since(since: Int64?, activeOnly: Bool, expected: [String]) {
        let alerts = Self.history()
        #expect(alerts.alerts(since: since.map { Fx.at($0) }, activeOnly: activeOnly).map(\.alert) == expected)
    }

    @Test("counts by severity: fired in total, and active now (severity lower-cased)")
    func countsBySeverity() {
        var alerts = AlertHistory()
        alerts.apply(Fx.alert("a", "firing", severity: "critical", at: Fx.at(0)))
        alerts.apply(Fx.alert("b", "firing", severity: "CRITICAL", at: Fx.at(1)))
        alerts.apply(Fx.alert("c", "firing", severity: "warning", at: Fx.at(2)))
        alerts.apply(Fx.alert("d", "firing", severity: "info", at: Fx.at(3)))
        alerts.apply(Fx.alert("a", "resolved", severity: "critical", at: Fx.at(4)))
        alerts.apply(Fx.alert("d", "resolved", severity: "info", at: Fx.at(5)))
        #expect(alerts.firedBySeverity == ["critical": 2, "warning": 1, "info": 1])
        #expect(alerts.activeBySeverity == ["critical": 1, "warning": 1])
        #expect(alerts.activeAlerts.map(\.severity) == ["critical", "warning"])
    }

    @Test("the resolved history keeps the newest records and counts all of them")
    func boundedResolved() {
        var alerts = AlertHistory(resolvedCapacity: 3)
        for k in 0..<5 {
            alerts.apply(Fx.alert("a\(k)", "firing", at: Fx.at(Int64(2 * k)), offset: Int64(2 * k)))
            alerts.apply(Fx.alert("a\(k)", "resolved", at: Fx.at(Int64(2 * k + 1)), offset: Int64(2 * k + 1)))
        }
        #expect(alerts.resolved.capacity == 3 && alerts.resolved.appended == 5 && alerts.resolved.forgotten == 2)
        #expect(alerts.resolved.elements.map(\.alert) == ["a2", "a3", "a4"])
        #expect(alerts.alerts().map(\.alert) == ["a2", "a3", "a4"])
        #expect(alerts.firedBySeverity == ["warning": 5])
        #expect(AlertHistory().resolved.capacity == 10_000)
    }

    @Test("state words in any case; other events and alert events without alert or severity are ignored")
    func ignored() {
        var alerts = AlertHistory()
        alerts.apply(Fx.alert("x", "FIRING", at: Fx.at(0)))
        #expect(alerts.activeAlerts.count == 1)
        alerts.apply(Fx.health("gw", "down", at: Fx.at(1)))
        alerts.apply(
            Event(
                time: Fx.at(1),
                measurement: "alert",
                tags: [Tag("alert", "y")],
                fields: [Field("state", .string("firing"))]
            )
        )
        alerts.apply(
            Event(
                time: Fx.at(1),
                measurement: "alert",
                tags: [Tag("severity", "info")],
                fields: [Field("state", .string("firing"))]
            )
        )
        alerts.apply(
            Event(
                time: Fx.at(1),
                measurement: "alert",
                tags: [Tag("alert", "y"), Tag("severity", "info")],
                fields: [Field("value", .int(1))]
            )
        )
        #expect(alerts.activeAlerts.map(\.alert) == ["x"] && alerts.unmatched == 0)
    }
}
