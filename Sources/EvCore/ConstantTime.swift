/// Comparisons whose time does not depend on where the inputs differ (shared tokens on ingest and HTTP).
public enum ConstantTime {
    /// Whether `a` and `b` are equal, looking at every byte of the longer one whatever it finds.
    public static func equal(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var difference = UInt8(truncatingIfNeeded: x.count ^ y.count)
        for k in 0..<max(x.count, y.count) {
            difference |= (k < x.count ? x[k] : 0) ^ (k < y.count ? y[k] : 0)
        }
        return difference == 0
    }
}
