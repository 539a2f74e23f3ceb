/// A duration in whole seconds as users write a timeline step: `30`, `30s`, `5m`, `1h`, `1d` (`evq timeline
/// --step`, `GET /api/v1/timeline?step=`).
public enum StepArgument {
    /// The seconds `text` names, or `nil` when it is not a positive whole duration or overflows.
    public static func seconds(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let v = Int64(text.dropLast(suffix.count)), v > 0 else { return nil }
            let (seconds, overflow) = v.multipliedReportingOverflow(by: scale)
            return overflow ? nil : seconds
        }
        guard let v = Int64(text), v > 0 else { return nil }
        return v
    }
}
