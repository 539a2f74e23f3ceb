import EvCore

/// Left-aligned text columns for the human output of `evq` (and the HTTP API's `format=text`).
public struct TextTable: Sendable {
    public var header: [String]
    public var rows: [[String]] = []
    /// Per row, the colour of each coloured cell (applied at render time, around the escaped text).
    var rowColors: [[Int: HealthColor]] = []
    /// ANSI colours for the cells given one.
    public var colors: Bool

    public init(header: [String], colors: Bool = false) {
        self.header = header
        self.colors = colors
    }

    /// Adds a row; `colored` gives cells (by column) a colour. Cells are shown with `printable`.
    public mutating func add(_ row: [String], colored: [Int: HealthColor] = [:]) {
        rows.append(row.map(Self.printable))
        rowColors.append(colored)
    }

    public func render() -> String {
        let widths = header.indices.map { c in
            ([header[c]] + rows.map { $0[c] }).map { $0.unicodeScalars.count }.max() ?? 0
        }
        func line(_ cells: [String], _ cellColors: [Int: HealthColor]) -> String {
            cells.enumerated().map { c, cell in
                let shown = cellColors[c].map { Self.colored(cell, $0, enabled: colors) } ?? cell
                return c == cells.count - 1 ? shown : shown + String(repeating: " ", count: widths[c] - cell.unicodeScalars.count)
            }.joined(separator: "  ")
        }
        return ([line(header, [:])] + zip(rows, rowColors).map(line)).joined(separator: "\n") + "\n"
    }

    /// `text` with every control character — C0 (tab, CR, LF, ESC…), DEL and C1 — shown as `\xHH` (`\u{HH}` for
    /// C1), so that nothing a client sent can move the cursor, retitle or clear an operator's terminal, or end a
    /// line of a text answer or of the live stream's `data:` (issue 15, item 17). Backslashes are kept as they are.
    public static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard isControl(scalar) else {
                out.append(scalar)
                continue
            }
            let hex = String(scalar.value, radix: 16)
            let escaped = scalar.value < 0x80 ? "\\x" + (hex.count < 2 ? "0" + hex : hex) : "\\u{" + hex + "}"
            out.append(contentsOf: escaped.unicodeScalars)
        }
        return String(out)
    }

    /// `printable`, on UTF-8 bytes.
    public static func appendPrintable(_ bytes: [UInt8], to out: inout [UInt8]) {
        // C1 characters are encoded C2 80…C2 9F: a line without 0xC2 and without C0/DEL bytes has none.
        guard bytes.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 }) else {
            out.append(contentsOf: bytes)
            return
        }
        out.append(contentsOf: printable(String(decoding: bytes, as: UTF8.self)).utf8)
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value < 0xA0)
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
