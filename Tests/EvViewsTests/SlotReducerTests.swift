import EvCore
import EvViews
import Testing

@Suite("Slot registry reducer")
struct SlotReducerTests {
    static func text(_ slot: SlotRegistry.Slot) -> String {
        "\(slot.strategy)/\(slot.conid) \(slot.symbol) @\(slot.since) #\(slot.offset)"
    }

    static func text(_ change: SlotRegistry.Change) -> String {
        "\(change.kind.rawValue) \(change.strategy)/\(change.conid) \(change.symbol) @\(change.time) #\(change.offset)"
    }

    @Test("acquire holds a slot from its time; release frees it; both are in the history")
    func acquireRelease() {
        var slots = SlotRegistry()
        slots.apply(Fx.slot("acquire", strategy: "mm", conid: "265598", symbol: "AAPL", at: Fx.at(1), offset: 10))
        #expect(slots.used == 1)
        #expect(slots.activeSlots.map(Self.text) == ["mm/265598 AAPL @\(Fx.at(1)) #10"])
        slots.apply(Fx.slot("release", strategy: "mm", conid: "265598", symbol: "AAPL", at: Fx.at(5), offset: 11))
        #expect(slots.used == 0 && slots.activeSlots.isEmpty)
        #expect(
            slots.history.elements.map(Self.text) == [
                "acquire mm/265598 AAPL @\(Fx.at(1)) #10", "release mm/265598 AAPL @\(Fx.at(5)) #11",
            ]
        )
        #expect(slots.conflicts.appended == 0)
        // Acquired again later: a new since.
        slots.apply(Fx.slot("acquire", strategy: "mm", conid: "265598", symbol: "AAPL", at: Fx.at(9), offset: 12))
        #expect(slots.activeSlots.map(\.since) == [Fx.at(9)])
    }

    @Test("a slot is held by strategy and contract; the symbol is informative")
    func identity() {
        var slots = SlotRegistry()
        slots.apply(Fx.slot("acquire", strategy: "a", conid: "1", symbol: "X"))
        slots.apply(Fx.slot("acquire", strategy: "b", conid: "1", symbol: "X"))  // other strategy
        slots.apply(Fx.slot("acquire", strategy: "a", conid: "2", symbol: "X"))  // other contract
        #expect(slots.used == 3)
        slots.apply(Fx.slot("release", strategy: "a", conid: "1", symbol: "Y"))  // symbol differs: same slot
        #expect(slots.used == 2 && slots.conflicts.appended == 0)
        #expect(slots.history.elements.last?.symbol == "Y")
        #expect(slots.activeSlots.map { "\($0.strategy)/\($0.conid)" } == ["a/2", "b/1"])
    }

    @Test("used, limit and warning: warning at 90 or more of 100 by default", arguments: [0, 1, 89, 90, 91, 100, 101])
    func defaultLimit(held: Int) {
        var slots = SlotRegistry()
        for k in 0..<held { slots.apply(Fx.slot("acquire", conid: "\(k)", offset: Int64(k))) }
        #expect(slots.limit == 100 && slots.warningAt == 90)
        #expect(slots.used == held)
        #expect(slots.isWarning == (held >= 90))
    }

    @Test("a custom limit and warning level", arguments: [(2, false), (3, true), (4, true)])
    func customLimit(held: Int, warning: Bool) {
        var slots = SlotRegistry(limit: 4, warningAt: 3)
        for k in 0..<held { slots.apply(Fx.slot("acquire", conid: "\(k)")) }
        #expect(slots.limit == 4 && slots.warningAt == 3 && slots.used == held && slots.isWarning == warning)
    }

    @Test("releasing drops below the warning level")
    func warningClears() {
        var slots = SlotRegistry()
        for k in 0..<90 { slots.apply(Fx.slot("acquire", conid: "\(k)")) }
        #expect(slots.isWarning)
        slots.apply(Fx.slot("release", conid: "0"))
        #expect(slots.used == 89 && !slots.isWarning)
    }

    @Test("a double acquire is a conflict: the slot keeps its first since, symbol and offset; no history entry")
    func doubleAcquire() {
        var slots = SlotRegistry()
        slots.apply(Fx.slot("acquire", conid: "1", symbol: "AAPL", at: Fx.at(1), offset: 1))
        slots.apply(Fx.slot("acquire", conid: "1", symbol: "AAPL.OLD", at: Fx.at(2), offset: 2))
        #expect(slots.used == 1)
        #expect(slots.activeSlots.map(Self.text) == ["mm/1 AAPL @\(Fx.at(1)) #1"])
        #expect(slots.history.elements.map(\.kind) == [.acquire])
        #expect(slots.conflicts.elements.map(Self.text) == ["double_acquire mm/1 AAPL.OLD @\(Fx.at(2)) #2"])
        #expect(slots.conflicts.appended == 1)
    }

    @Test("a release without acquire is a conflict and changes nothing else, also after a release")
    func releaseWithoutAcquire() {
        var slots = SlotRegistry()
        slots.apply(Fx.slot("acquire", conid: "2", at: Fx.at(0), offset: 0))
        slots.apply(Fx.slot("release", conid: "1", at: Fx.at(1), offset: 1))  // never held
        slots.apply(Fx.slot("release", conid: "2", at: Fx.at(2), offset: 2))
        slots.apply(Fx.slot("release", conid: "2", at: Fx.at(3), offset: 3))  // already released
        #expect(slots.used == 0)
        #expect(slots.history.elements.map(\.kind) == [.acquire, .release])
        #expect(slots.conflicts.elements.map(\.kind) == [.releaseWithoutAcquire, .releaseWithoutAcquire])
        #expect(slots.conflicts.elements.map(\.conid) == ["1", "2"])
        #expect(slots.conflicts.elements.map(\.offset) == [1, 3])
        #expect(SlotRegistry.Change.Kind.releaseWithoutAcquire.rawValue == "release_without_acquire")
        #expect(SlotRegistry.Change.Kind.doubleAcquire.rawValue == "double_acquire")
    }

    @Test("history and conflicts keep their newest entries and count all of them")
    func bounded() {
        var slots = SlotRegistry(historyCapacity: 3, conflictCapacity: 2)
        for k in 0..<5 { slots.apply(Fx.slot("acquire", conid: "\(k)", offset: Int64(k))) }
        #expect(slots.history.count == 3 && slots.history.appended == 5 && slots.history.forgotten == 2)
        #expect(slots.history.elements.map(\.conid) == ["2", "3", "4"])
        for k in 0..<5 { slots.apply(Fx.slot("acquire", conid: "\(k)", offset: Int64(5 + k))) }  // all double
        #expect(slots.conflicts.count == 2 && slots.conflicts.appended == 5 && slots.conflicts.forgotten == 3)
        #expect(slots.conflicts.elements.map(\.offset) == [8, 9])
        #expect(slots.used == 5)
        // The history is bounded, the active set is not.
        #expect(slots.activeSlots.map(\.conid) == ["0", "1", "2", "3", "4"])
    }

    @Test("default capacities: 10,000 history entries and 1,000 conflicts")
    func defaultCapacities() {
        let slots = SlotRegistry()
        #expect(slots.history.capacity == 10_000 && slots.conflicts.capacity == 1_000)
    }

    @Test("active slots are sorted by strategy, then contract (as text)")
    func sorted() {
        var slots = SlotRegistry()
        let keys = [("b", "1"), ("a", "9"), ("a", "10"), ("c", "0"), ("a", "1"), ("b", "0")]
        for (strategy, conid) in keys { slots.apply(Fx.slot("acquire", strategy: strategy, conid: conid)) }
        #expect(slots.activeSlots.map { "\($0.strategy)/\($0.conid)" } == ["a/1", "a/10", "a/9", "b/0", "b/1", "c/0"])
    }

    @Test("other events and slot events without strategy or contract are ignored")
    func ignored() {
        var slots = SlotRegistry()
        slots.apply(Fx.health("gw", "ok", at: Fx.at(0)))
        slots.apply(Fx.sample(1, at: Fx.at(0)))
        slots.apply(
            Event(
                time: Fx.at(0),
                measurement: "slot",
                tags: [Tag("strategy", "mm")],
                fields: [Field("action", .string("acquire"))]
            )
        )
        slots.apply(
            Event(
                time: Fx.at(0),
                measurement: "slot",
                tags: [Tag("conid", "1")],
                fields: [Field("action", .string("acquire"))]
            )
        )
        slots.apply(
            Event(
                time: Fx.at(0),
                measurement: "slots",
                tags: [Tag("strategy", "mm"), Tag("conid", "1")],
                fields: [Field("action", .string("acquire"))]
            )
        )
        #expect(slots.used == 0 && slots.history.appended == 0 && slots.conflicts.appended == 0)
    }
}

@Suite("Bounded log")
struct BoundedLogTests {
    @Test("holds the newest `capacity` items oldest first and counts everything appended", arguments: [1, 2, 3, 7])
    func window(capacity: Int) {
        var log = BoundedLog<Int>(capacity: capacity)
        #expect(log.elements.isEmpty && log.count == 0 && log.appended == 0 && log.forgotten == 0)
        for n in 1...20 {
            log.append(n)
            #expect(log.elements == Array((1...n).suffix(capacity)))
            #expect(log.count == min(n, capacity))
            #expect(log.appended == n)
            #expect(log.forgotten == max(0, n - capacity))
        }
    }
}

extension BoundedLogTests {
    @Test("logs with the same items compare equal wherever their ring starts (as a checkpoint restores them)")
    func equalityByContents() throws {
        var views = Views(slots: SlotRegistry(historyCapacity: 3, conflictCapacity: 2))
        views.alerts = AlertHistory(resolvedCapacity: 2)
        for k in 0..<5 {
            views.apply(Fx.slot("acquire", conid: "\(k)", offset: Int64(3 * k)))  // the history wraps
            views.apply(Fx.slot("release", conid: "x\(k)", offset: Int64(3 * k + 1)))  // so do the conflicts
            views.apply(Fx.alert("a\(k)", "firing", at: Fx.at(Int64(k)), offset: Int64(3 * k + 2)))
            views.apply(Fx.alert("a\(k)", "resolved", at: Fx.at(Int64(k)), offset: Int64(3 * k + 2)))
        }
        let (restored, _) = try ViewsCheckpoint.decode(ViewsCheckpoint.encode(views, maxEventTime: 0))
        #expect(restored.slots.history.elements == views.slots.history.elements)
        #expect(restored.slots.history == views.slots.history)
        #expect(restored.slots.conflicts == views.slots.conflicts)
        #expect(restored.slots == views.slots)
        #expect(restored.alerts.resolved == views.alerts.resolved)
        #expect(restored.alerts == views.alerts)
        #expect(Set([restored.slots.history, views.slots.history]).count == 1)
        // Different contents, or the same items after a different number of appends, are not equal.
        var other = views.slots
        other.apply(Fx.slot("acquire", conid: "9"))
        #expect(other.history != views.slots.history)
        var a = BoundedLog<Int>(capacity: 2)
        var b = BoundedLog<Int>(capacity: 2)
        for n in [1, 2, 3] { a.append(n) }
        for n in [9, 2, 3] { b.append(n) }
        #expect(a == b)
        b.append(3)
        #expect(a != b)
    }
}
