import EvCore
import Testing

@Suite("Last elements")
struct LastElementsTests {
    @Test("keeps the last N in order, for every N around the count", arguments: [0, 1, 2, 5, 9, 10, 11])
    func keepsTheTail(capacity: Int) {
        var tail = LastElements<Int>(capacity: capacity)
        for k in 0..<10 { tail.append(k) }
        #expect(tail.elements == Array((0..<10).suffix(capacity)))
    }
}
