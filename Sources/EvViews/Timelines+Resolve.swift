import EvCore

extension Timelines {
    /// Series indexes a user's pattern names, sorted by name: the series whose name is exactly `pattern`; else those
    /// its glob matches; else, for `measurement.field`, every series of that measurement and field.
    public func resolve(_ pattern: String) -> [Int] {
        let names = seriesNames
        if let exact = seriesByDescription[pattern] { return [exact] }
        let glob = Glob(pattern)
        var found = names.indices.filter { glob.matches(names[$0].description) }
        if found.isEmpty, let dot = pattern.lastIndex(of: ".") {
            let measurement = String(pattern[..<dot])
            let field = String(pattern[pattern.index(after: dot)...])
            found = names.indices.filter { names[$0].measurement == measurement && names[$0].field == field }
        }
        return found.sorted { names[$0] < names[$1] }
    }
}
