import ArgumentParser
import EvCore
import EvStorage

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Segments, events, bytes on disk, bytes per event and time range."
    )

    @OptionGroup var data: DataDirectoryOptions

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() async throws {
        let reader = try data.openReader()
        let segments = reader.segments
        let events = segments.reduce(0) { $0 + $1.eventCount }
        let bytes = reader.totalBytes
        let minTime = segments.compactMap(\.minTime).min()
        let maxTime = segments.compactMap(\.maxTime).max()
        let perEvent = events > 0 ? Double(bytes) / Double(events) : 0
        let perEventText = String(Double(Int((perEvent * 100).rounded())) / 100)
        let out = OutputStream()
        if json {
            var buffer: [UInt8] = []
            buffer.append(contentsOf: "{\"segments\":\(segments.count),\"events\":\(events),\"bytes\":\(bytes),".utf8)
            buffer.append(contentsOf: "\"bytes_per_event\":\(perEventText),".utf8)
            buffer.append(contentsOf: "\"first_offset\":\(reader.firstOffset),\"next_offset\":\(reader.nextOffset),".utf8)
            buffer.append(contentsOf: "\"min_time\":".utf8)
            if let minTime { JSONWriter.string(RFC3339.format(nanoseconds: minTime), to: &buffer) } else { buffer.append(contentsOf: "null".utf8) }
            buffer.append(contentsOf: ",\"max_time\":".utf8)
            if let maxTime { JSONWriter.string(RFC3339.format(nanoseconds: maxTime), to: &buffer) } else { buffer.append(contentsOf: "null".utf8) }
            buffer.append(contentsOf: "}\n".utf8)
            out.write(bytes: buffer)
        } else {
            out.write("segments        \(segments.count)\n")
            out.write("events          \(events)\n")
            out.write("offsets         \(reader.firstOffset) ..< \(reader.nextOffset)\n")
            out.write("bytes on disk   \(bytes)\n")
            out.write("bytes per event \(perEventText)\n")
            out.write("time range      \(minTime.map { RFC3339.format(nanoseconds: $0) } ?? "-") .. \(maxTime.map { RFC3339.format(nanoseconds: $0) } ?? "-")\n")
        }
        out.flush()
    }
}
