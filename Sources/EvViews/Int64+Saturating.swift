extension Int64 {
    /// `self - other`, clamped to `Int64.min…Int64.max`. Event times span all of `Int64` (a line may carry any
    /// timestamp), so the distance between two of them, or between one and the reference time, may not fit.
    @inline(__always)
    func saturatingDifference(_ other: Int64) -> Int64 {
        let (difference, overflow) = subtractingReportingOverflow(other)
        return overflow ? (self < other ? .min : .max) : difference
    }
}
