/// Per-second rates of monotonic counters across samples, correct across counter wraps and resets.
public enum CounterRate {
    /// The increase from `earlier` to `later` over `seconds`:
    /// - a counter that went down from a value that fits in 32 bits wrapped at 2³² (some drivers keep 32-bit
    ///   counters) when the increase that implies is less than half that range; the increase counts the wrap;
    /// - any other decrease is a reset (an interface re-created, a reboot): no rate for that interval (`nil`), never
    ///   a huge or negative one. A 64-bit counter does not wrap in practice.
    public static func perSecond(from earlier: UInt64, to later: UInt64, seconds: Double) -> Double? {
        guard seconds > 0 else { return nil }
        if later >= earlier { return Double(later - earlier) / seconds }
        if earlier <= UInt64(UInt32.max) {
            let increase = (UInt64(UInt32.max) - earlier) + later + 1
            if increase <= UInt64(UInt32.max / 2) { return Double(increase) / seconds }
        }
        return nil
    }
}
