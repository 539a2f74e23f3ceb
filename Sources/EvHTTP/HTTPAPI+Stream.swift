import EvCore
import EvRender
import EvStorage
import HTTPTypes
import Hummingbird
import NIOCore

extension HTTPAPI {
    /// `GET /api/v1/stream`: Server-Sent Events, one per event (`id:` its offset, `data:` its JSON or, with
    /// `format=text`, its `evq tail` line), filtered like `evq tail`; resumable from `Last-Event-ID` or
    /// `from_offset` (history from the log, then live without a gap or a repeat); a comment every
    /// `keepAliveInterval` when idle; an `event: dropped` message when the subscriber fell too far behind.
    func stream(_ request: Request) throws -> Response {
        let q = QueryParameters(request: request, now: 0)
        let filter = try q.eventFilter()
        let renderer = try q.renderer()
        var resume = try q.offset("from_offset")
        if let lastID = request.headers[HTTPField.Name("Last-Event-ID")!] {
            // The largest offset has no successor to resume from (and `last + 1` would overflow).
            guard let last = Int64(lastID), last >= 0, last < .max else {
                throw APIError(.badRequest, "header 'Last-Event-ID': '\(lastID)' is not an event offset")
            }
            resume = last + 1
        }
        let resumeFrom = resume
        // Subscribe before reading history: every event applied from now on is queued, so none falls between.
        let subscription = hub.subscribe(filter: filter)
        let directory = directory
        let keepAlive = keepAliveInterval
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        let body = ResponseBody { (writer: inout any ResponseBodyWriter) in
            defer { subscription.cancel() }
            var next: Int64 = 0
            try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
            if let resumeFrom {
                next = resumeFrom
                try await Self.writeHistory(from: resumeFrom, directory: directory, filter: filter, renderer: renderer, next: &next, to: &writer)
            }
            while true {
                switch await subscription.next(timeout: keepAlive) {
                case .success(let events):
                    var out: [UInt8] = []
                    for event in events where event.offset >= next {
                        Self.appendMessage(event, renderer: renderer, to: &out)
                        next = event.offset + 1
                    }
                    try await writer.write(ByteBuffer(bytes: out.isEmpty ? Array(": keep-alive\n\n".utf8) : out))
                case .failure(.dropped):
                    let message = "event: dropped\ndata: {\"reason\":\"slow consumer\",\"resume_from_offset\":\(next)}\n\n"
                    try await writer.write(ByteBuffer(string: message))
                    try await writer.finish(nil)
                    return
                case .failure:
                    try await writer.finish(nil)
                    return
                }
            }
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// Writes the stored events from `offset` on (those the filter accepts), in batches, moving `next` past them.
    static func writeHistory(
        from offset: Int64,
        directory: String,
        filter: EventFilter,
        renderer: Renderer,
        next: inout Int64,
        to writer: inout any ResponseBodyWriter
    ) async throws {
        let reader = try LogReader(directory: directory)
        var position = offset
        let end = reader.nextOffset
        while position < end {
            var out: [UInt8] = []
            let stop = min(end, position + 4096)
            _ = try reader.forEach(from: position, to: stop) { event in
                if filter.accepts(event) { appendMessage(event, renderer: renderer, to: &out) }
                return true
            }
            position = stop
            next = stop
            if !out.isEmpty { try await writer.write(ByteBuffer(bytes: out)) }
        }
    }

    static func appendMessage(_ event: Event, renderer: Renderer, to out: inout [UInt8]) {
        out.append(contentsOf: "id: \(event.offset)\ndata: ".utf8)
        renderer.event(event, to: &out)  // one line, ending in \n
        out.append(UInt8(ascii: "\n"))
    }
}
