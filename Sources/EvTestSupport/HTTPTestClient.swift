#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small blocking HTTP/1.1 client over a real loopback socket, for integration tests: keep-alive `GET`s with
/// `Content-Length` or chunked bodies, and Server-Sent Events read message by message.
public final class HTTPTestClient {
    public struct Response {
        public var status: Int
        /// Header names lowercased.
        public var headers: [String: String]
        public var body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// One Server-Sent Events message.
    public struct Message: Equatable {
        public var id: String?
        public var event: String?
        public var data: String
        /// Lines starting with ':' seen before this message (keep-alives).
        public var comments: Int
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    private let fd: Int32
    private var buffer: [UInt8] = []
    /// While reading a chunked stream: bytes left in the current chunk.
    private var chunkLeft = 0
    private var streamBody: [UInt8] = []
    private var streamEnded = false

    public init(port: Int, host: String = "127.0.0.1") throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw Failure(description: "connect to \(host):\(port): errno \(errno)")
        }
    }

    deinit { close(fd) }

    /// Sends `GET path` and reads the whole response.
    public func get(_ path: String, headers: [String: String] = [:], timeout: Double = 30) throws -> Response {
        try send(path, headers: headers)
        let (status, responseHeaders) = try readHead(timeout: timeout)
        var body: [UInt8] = []
        if let length = responseHeaders["content-length"].flatMap({ Int($0) }) {
            body = try readExactly(length, timeout: timeout)
        } else if responseHeaders["transfer-encoding"]?.lowercased() == "chunked" {
            while let chunk = try readChunk(timeout: timeout) { body += chunk }
        }
        return Response(status: status, headers: responseHeaders, body: body)
    }

    /// Sends `GET path` for an event stream and reads the response head; then call `nextMessage`.
    public func openStream(_ path: String, headers: [String: String] = [:], timeout: Double = 30) throws -> Response {
        try send(path, headers: headers.merging(["Accept": "text/event-stream"]) { a, _ in a })
        let (status, responseHeaders) = try readHead(timeout: timeout)
        streamBody = []
        streamEnded = false
        return Response(status: status, headers: responseHeaders, body: [])
    }

    /// The next event-stream message, or `nil` when the stream ended or `timeout` passed without one.
    public func nextMessage(timeout: Double) throws -> Message? {
        let deadline = Self.now() + timeout
        var comments = 0
        while true {
            // A message ends with an empty line.
            while let end = Self.find([10, 10], in: streamBody) {
                let block = String(decoding: streamBody[..<end], as: UTF8.self)
                streamBody.removeSubrange(..<(end + 2))
                var message = Message(id: nil, event: nil, data: "", comments: 0)
                var dataLines: [String] = []
                var isMessage = false
                for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
                    if line.hasPrefix(":") {
                        comments += 1
                        continue
                    }
                    let (field, value) = Self.field(line)
                    switch field {
                    case "id": message.id = value; isMessage = true
                    case "event": message.event = value; isMessage = true
                    case "data": dataLines.append(value); isMessage = true
                    default: continue
                    }
                }
                if isMessage {
                    message.data = dataLines.joined(separator: "\n")
                    message.comments = comments
                    return message
                }
            }
            if streamEnded { return nil }
            let left = deadline - Self.now()
            guard left > 0 else { return nil }
            do {
                guard let chunk = try readChunk(timeout: left) else {
                    streamEnded = true
                    continue
                }
                streamBody += chunk
            } catch let failure as Failure where failure.description == Self.timedOut {
                return nil
            }
        }
    }

    /// Whether the server closed the connection (a read returns end of file) within `timeout`.
    public func isClosed(timeout: Double) -> Bool {
        let deadline = Self.now() + timeout
        while Self.now() < deadline {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 50) > 0 else { continue }
            var byte: UInt8 = 0
            let n = recv(fd, &byte, 1, 0)
            if n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) { return true }
            if n == 1 { buffer.append(byte) }
        }
        return false
    }

    // MARK: - Wire

    private func send(_ path: String, headers: [String: String]) throws {
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send: errno \(errno)") }
            sent += n
        }
    }

    private func readHead(timeout: Double) throws -> (Int, [String: String]) {
        let deadline = Self.now() + timeout
        while Self.find([13, 10, 13, 10], in: buffer) == nil {
            try fill(deadline: deadline)
        }
        let end = Self.find([13, 10, 13, 10], in: buffer)!
        let head = String(decoding: buffer[..<end], as: UTF8.self)
        buffer.removeSubrange(..<(end + 4))
        var lines = head.components(separatedByCRLF: ())
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw Failure(description: "bad status line \(statusLine)") }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].drop { $0 == " " }
            headers[name] = String(value)
        }
        chunkLeft = 0
        return (status, headers)
    }

    /// The next chunk of a chunked body; `nil` at its end. Consumes nothing unless the whole chunk has arrived.
    private func readChunk(timeout: Double) throws -> [UInt8]? {
        let deadline = Self.now() + timeout
        while true {
            if let end = Self.find([13, 10], in: buffer) {
                let sizeText = String(decoding: buffer[..<end], as: UTF8.self).split(separator: ";").first ?? ""
                guard let size = Int(sizeText.trimmingSpaces, radix: 16) else {
                    throw Failure(description: "bad chunk size \(sizeText)")
                }
                if buffer.count >= end + 2 + size + 2 {
                    let data = Array(buffer[(end + 2)..<(end + 2 + size)])
                    buffer.removeSubrange(..<(end + 2 + size + 2))
                    return size == 0 ? nil : data
                }
            }
            try fill(deadline: deadline)
        }
    }

    private func readExactly(_ count: Int, timeout: Double) throws -> [UInt8] {
        let deadline = Self.now() + timeout
        while buffer.count < count { try fill(deadline: deadline) }
        defer { buffer.removeSubrange(..<count) }
        return Array(buffer[..<count])
    }

    private func fill(deadline: Double) throws {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let left = Int32(max(0, (deadline - Self.now()) * 1000))
        guard poll(&pfd, 1, left) > 0 else { throw Failure(description: Self.timedOut) }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &chunk, chunk.count, 0)
        guard n > 0 else { throw Failure(description: n == 0 ? "connection closed" : "recv: errno \(errno)") }
        buffer += chunk[..<n]
    }

    static let timedOut = "timed out waiting for the server"

    private static func field(_ line: Substring) -> (String, String) {
        guard let colon = line.firstIndex(of: ":") else { return (String(line), "") }
        var value = line[line.index(after: colon)...]
        if value.hasPrefix(" ") { value = value.dropFirst() }
        return (String(line[..<colon]), String(value))
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

extension String {
    fileprivate func components(separatedByCRLF: ()) -> [String] {
        var out: [String] = []
        var current = ""
        var previous: Character?
        for c in self {
            if c == "\r\n" {
                out.append(current)
                current = ""
            } else if c == "\n" && previous == "\r" {
                out.append(current)
                current = ""
            } else if c != "\r" {
                current.append(c)
            }
            previous = c
        }
        out.append(current)
        return out
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String { String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()) }
}
