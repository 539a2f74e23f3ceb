import EvCore
import EvViews
import EvRender
import Hummingbird

/// Typed access to a request's query parameters; every malformed value is a 400 naming the parameter.
struct QueryParameters {
    let request: Request
    let now: Int64

    func string(_ name: String) -> String? {
        request.uri.queryParameters[Substring(name)].map { String($0) }
    }

    func required(_ name: String) throws(APIError) -> String {
        guard let value = string(name), !value.isEmpty else { throw .badParameter(name, "required") }
        return value
    }

    /// A time: RFC 3339, unix seconds / ms / µs / ns, `now`, or relative like `-15m`.
    func time(_ name: String) throws(APIError) -> Int64? {
        guard let text = string(name) else { return nil }
        guard let t = TimeArgument.parse(text, now: now) else {
            throw .badParameter(name, "'\(text)' is not a time: use RFC 3339, unix seconds/ms/us/ns, now or -15m")
        }
        return t
    }

    func integer(_ name: String, default value: Int, range: ClosedRange<Int>) throws(APIError) -> Int {
        guard let text = string(name) else { return value }
        guard let n = Int(text), range.contains(n) else {
            throw .badParameter(name, "'\(text)' is not a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }

    func offset(_ name: String) throws(APIError) -> Int64? {
        guard let text = string(name) else { return nil }
        guard let n = Int64(text), n >= 0 else { throw .badParameter(name, "'\(text)' is not an offset (a whole number ≥ 0)") }
        return n
    }

    /// `true`/`false`/`1`/`0`; a bare `?active` is true.
    func flag(_ name: String) throws(APIError) -> Bool {
        guard let text = string(name) else { return false }
        switch text {
        case "", "true", "1": return true
        case "false", "0": return false
        default: throw .badParameter(name, "'\(text)' is not true or false")
        }
    }

    /// A duration in whole seconds: `30`, `30s`, `5m`, `1h`, `1d` (`StepArgument`).
    func seconds(_ name: String) throws(APIError) -> Int64? {
        guard let text = string(name) else { return nil }
        guard let value = StepArgument.seconds(text) else {
            throw .badParameter(name, "'\(text)' is not a duration like 5s, 1m or 10m")
        }
        return value
    }

    /// `format=json` (the default) or `format=text` (the tables `evq` prints; `color=true` for ANSI colours).
    func renderer() throws(APIError) -> Renderer {
        switch string("format") ?? "json" {
        case "json": return Renderer(json: true)
        case "text": return Renderer(json: false, colors: try flag("color"))
        case let other: throw .badParameter("format", "'\(other)' is not json or text")
        }
    }

    /// `kind` (repeatable or comma-separated), `component`, `match`: which events.
    func eventFilter() throws(APIError) -> EventFilter {
        var kinds: Set<EventKind> = []
        for value in request.uri.queryParameters[values: "kind"] {
            for name in value.split(separator: ",") {
                guard let kind = EventKind(name: String(name)) else {
                    throw .badParameter("kind", "'\(name)' is not metric, health, heartbeat, slot or alert")
                }
                kinds.insert(kind)
            }
        }
        return EventFilter(kinds: kinds, component: string("component"), match: string("match").map(Glob.init))
    }
}
