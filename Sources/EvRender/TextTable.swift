import EvCore

/// Left-aligned text columns for the human output of `evq` (and the HTTP API's `format=text`).
public struct TextTable: Sendable {
    public var header: [String]
    public var rows: [[String]] = []

    public init(header: [String]) { self.header = header }

    public mutating func add(_ row: [String]) { rows.append(row) }

    public func render() -> String {
        let widths = header.indices.map { c in
            ([header[c]] + rows.map { $0[c] }).map { Self.visibleWidth($0) }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, cell in
                c == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[c] - Self.visibleWidth(cell))
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    /// Width without ANSI colour sequences.
    public static func visibleWidth(_ s: String) -> Int {
        var width = 0
        var escape = false
        for scalar in s.unicodeScalars {
            if scalar == "\u{1B}" {
                escape = true
            } else if escape {
                if scalar == "m" { escape = false }
            } else {
                width += 1
            }
        }
        return width
    }

    /// `text` in the colour's ANSI sequence when `enabled`.
    public static func colored(_ text: String, _ color: HealthColor, enabled: Bool) -> String {
        guard enabled else { return text }
        let code = color == .green ? "32" : color == .yellow ? "33" : "31"
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }

    public static func time(_ ns: Int64?) -> String { ns.map { RFC3339.format(nanoseconds: $0) } ?? "-" }

    public static func seconds(_ ns: Int64) -> String {
        let s = Double(ns) / 1e9
        if s < 120 { return String(Int(s.rounded())) + "s" }
        if s < 7200 { return String(Int((s / 60).rounded())) + "m" }
        return String(Int((s / 3600).rounded())) + "h"
    }
}
