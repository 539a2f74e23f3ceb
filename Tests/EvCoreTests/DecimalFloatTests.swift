import EvCore
import PropertyBased
import Testing

/// The shortest exact `mantissa / 10^scale` form the block codec stores floats in.
@Suite struct DecimalFloatTests {
    static let decompositions: [(Double, Int64, Int)] = [
        (8.3, 83, 1),
        (0, 0, 0),
        (1, 1, 0),
        (-1, -1, 0),
        (1.5, 15, 1),
        (-2.25, -225, 2),
        (100, 100, 0),
        (0.1, 1, 1),
        (0.2, 2, 1),
        (123.456, 123_456, 3),
        (-0.001, -1, 3),
        (1e-15, 1, 15),
        (20.5, 205, 1),
        (9_007_199_254_740_991, 9_007_199_254_740_991, 0),
        (-9_007_199_254_740_991, -9_007_199_254_740_991, 0),
        (1e15, 1_000_000_000_000_000, 0),
        // Sixteen significant digits still fit when the mantissa stays below 2^53.
        (.pi, 3_141_592_653_589_793, 15),
    ]

    @Test("values with a short decimal form decompose to it", arguments: decompositions)
    func decompose(value: Double, mantissa: Int64, scale: Int) throws {
        let d = try #require(DecimalFloat.decompose(value))
        #expect(d.mantissa == mantissa)
        #expect(d.scale == scale)
        #expect(DecimalFloat.value(mantissa: mantissa, scale: scale).bitPattern == value.bitPattern)
    }

    static let raw: [Double] = [
        -0.0, .nan, -.nan, .signalingNaN, .infinity, -.infinity, 1e-16, 0.1 + 0.2, 2.0 / 3, 9_007_199_254_740_992, 1e16,
        .greatestFiniteMagnitude, .leastNonzeroMagnitude, .leastNormalMagnitude, 1.0 / 3,
    ]

    @Test("-0.0, NaN, infinities, huge and long-fraction values have no short form", arguments: raw)
    func noDecomposition(value: Double) {
        #expect(DecimalFloat.decompose(value) == nil)
    }

    @Test("a minimum scale keeps the previous value's scale when it still fits")
    func minimumScale() throws {
        let d = try #require(DecimalFloat.decompose(2, minimumScale: 3))
        #expect(d.mantissa == 2000 && d.scale == 3)
        let e = try #require(DecimalFloat.decompose(0.5, minimumScale: 2))
        #expect(e.mantissa == 50 && e.scale == 2)
        #expect(DecimalFloat.decompose(1e7, minimumScale: 15) == nil)
    }

    @Test("whatever decompose returns maps back to the same bits, within bounds")
    func roundTrip() async {
        let anyDouble = Gen<Double>.oneOf(
            Gen.uint64().map { Double(bitPattern: $0) },
            Gen.double(in: -1e6...1e6),
            zip(Gen.int64(in: -99_999_999...99_999_999), Gen.int(in: 0...17)).map { Double("\($0)e-\($1)")! }
        )
        await propertyCheck(count: 2000, input: anyDouble, Gen.int(in: 0...DecimalFloat.scaleMax)) { v, minimum in
            for minimumScale in [0, minimum] {
                guard let d = DecimalFloat.decompose(v, minimumScale: minimumScale) else { continue }
                #expect(DecimalFloat.value(mantissa: d.mantissa, scale: d.scale).bitPattern == v.bitPattern)
                #expect((minimumScale...DecimalFloat.scaleMax).contains(d.scale))
                #expect(d.mantissa.magnitude < 1 << 53)
            }
        }
    }

    @Test("decimals of up to 15 significant digits decompose to exactly their digits")
    func shortDecimals() async {
        let gen = zip(Gen.int64(in: -999_999_999_999_999...999_999_999_999_999), Gen.int(in: 0...15))
            .filter { m, s in s == 0 || m % 10 != 0 }
        await propertyCheck(count: 2000, input: gen) { m, s in
            let v = Double("\(m)e-\(s)")!
            #expect(DecimalFloat.value(mantissa: m, scale: s).bitPattern == v.bitPattern)
            let d = DecimalFloat.decompose(v)
            #expect(d?.mantissa == m && d?.scale == s, "\(m)e-\(s)")
        }
    }

    @Test("the powers of ten are exact")
    func powersOfTen() {
        #expect(DecimalFloat.powersOfTen.count == 23)
        var p: Double = 1
        for k in 0...22 {
            #expect(DecimalFloat.powersOfTen[k] == p)
            #expect(Double("1e\(k)")! == p)
            p *= 10
        }
    }
}
