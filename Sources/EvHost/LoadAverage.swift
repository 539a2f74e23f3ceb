/// `/proc/loadavg`: the 1, 5 and 15 minute load averages.
public struct LoadAverage: Sendable, Hashable {
    public var one, five, fifteen: Double

    public static func parse(_ text: String) -> LoadAverage? {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard words.count >= 3, let a = Double(words[0]), let b = Double(words[1]), let c = Double(words[2]) else {
            return nil
        }
        return LoadAverage(one: a, five: b, fifteen: c)
    }
}
