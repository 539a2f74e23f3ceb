#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvRender

extension Renderer {
    /// Colours only when stdout is a terminal and `NO_COLOR` is not set.
    static let terminalColors = isatty(1) == 1 && getenv("NO_COLOR") == nil

    /// The renderer for evq's standard output.
    static func terminal(json: Bool) -> Renderer { Renderer(json: json, colors: terminalColors) }
}
