import EvCore
import EvRender

/// Prints events for humans (tab-separated: offset, RFC 3339 time, kind, the line without its timestamp) or
/// as JSON lines (`Renderer.event`).
struct EventPrinter {
    var json: Bool
    let out = OutputStream()

    func print(_ event: Event) {
        out.append { Renderer(json: json).event(event, to: &$0) }
    }

    func flush() { out.flush() }
}
