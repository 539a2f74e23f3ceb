import EvCore

/// Prints events for humans (tab-separated: offset, RFC 3339 time, kind, the line without its timestamp) or
/// as JSON lines.
struct EventPrinter {
    var json: Bool
    let out = OutputStream()

    func print(_ event: Event) {
        out.append { buffer in
            if json {
                JSONWriter.event(event, to: &buffer)
            } else {
                buffer.append(contentsOf: "\(event.offset)\t\(RFC3339.format(nanoseconds: event.time))\t\(event.kind)\t".utf8)
                var line: [UInt8] = []
                LineProtocolSerializer.append(event, to: &line)
                // Drop " <timestamp>\n": the time is already shown.
                if let space = line.lastIndex(of: UInt8(ascii: " ")) { line.removeSubrange(space...) }
                buffer.append(contentsOf: line)
            }
            buffer.append(UInt8(ascii: "\n"))
        }
    }

    func flush() { out.flush() }
}
