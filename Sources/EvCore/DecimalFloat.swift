/// Finds the shortest exact decimal form `mantissa / 10^scale` of a double, so that `8.3` is stored as
/// `(83, 1)` rather than as eight opaque bytes (`spec/segment-format.md`, "Float values").
public enum DecimalFloat {
    /// 10^0 … 10^22: every one is exactly representable as a double.
    public static let powersOfTen: [Double] = {
        var p: [Double] = [1]
        for _ in 1...22 { p.append(p[p.count - 1] * 10) }
        return p
    }()

    /// Largest scale used; a value that needs more is stored raw.
    public static let scaleMax = 15

    /// The double `mantissa / 10^scale` denotes. Encoder and decoder both use this one function.
    @inlinable
    public static func value(mantissa: Int64, scale: Int) -> Double {
        scale == 0 ? Double(mantissa) : Double(mantissa) / powersOfTen[scale]
    }

    /// The smallest `scale` ≥ `minimumScale` with `value(mantissa:scale:) == v` bit for bit and |mantissa| < 2^53,
    /// or `nil` (NaN, infinities, -0.0, huge or long-fraction values).
    @inlinable
    public static func decompose(_ v: Double, minimumScale: Int = 0) -> (mantissa: Int64, scale: Int)? {
        guard v.isFinite else { return nil }
        var scale = minimumScale
        while scale <= scaleMax {
            let scaled = (v * powersOfTen[scale]).rounded()
            if abs(scaled) < 9_007_199_254_740_992 {
                let m = Int64(scaled)
                if value(mantissa: m, scale: scale).bitPattern == v.bitPattern { return (m, scale) }
            } else {
                return nil
            }
            scale += 1
        }
        return nil
    }
}
