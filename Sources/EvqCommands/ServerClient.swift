#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import NIOCore
import NIOHTTP1
import NIOPosix

/// `GET`s against a running evqd's HTTP API (`evq --server URL`), on SwiftNIO's HTTP/1.1 client codec: whole
/// responses, or a body handed over piece by piece as it arrives (the live stream).
struct ServerClient: Sendable {
    let host: String
    let port: Int
    let token: String?

    /// `http://HOST:PORT` (a trailing slash is allowed); the token, if any, goes out as `Authorization: Bearer`.
    init(url: String, token: String?) throws {
        var rest = Substring(url)
        guard rest.hasPrefix("http://") else {
            throw ValidationError("--server '\(url)' must look like http://HOST:PORT (https is not served by evqd)")
        }
        rest = rest.dropFirst("http://".count)
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        let hostPart: Substring
        let portPart: Substring?
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            hostPart = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            portPart = after.hasPrefix(":") ? after.dropFirst() : nil
        } else if let colon = rest.lastIndex(of: ":") {
            hostPart = rest[..<colon]
            portPart = rest[rest.index(after: colon)...]
        } else {
            hostPart = rest
            portPart = nil
        }
        guard !hostPart.isEmpty, !hostPart.contains("/") else {
            throw ValidationError("--server '\(url)' must look like http://HOST:PORT")
        }
        let port = portPart.map { Int($0) } ?? 80
        guard let port, (1...65535).contains(port) else {
            throw ValidationError("--server '\(url)': the port must be a number from 1 to 65535")
        }
        self.host = String(hostPart)
        self.port = port
        self.token = token
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// `GET path`: the status, the response headers and the whole body.
    func get(_ path: String) async throws -> (status: Int, headers: HTTPHeaders, body: [UInt8]) {
        var body: [UInt8] = []
        let (status, headers) = try await request(path) { body += $0 }
        return (status, headers, body)
    }

    /// `GET path`, expecting 200: the body. Any other answer is reported on stderr (with the API's error message)
    /// and exits 1 (2 for a 4xx, which is a usage problem).
    func fetch(_ path: String) async throws -> [UInt8] {
        let (status, _, body) = try await get(path)
        guard status == 200 else { try Self.fail(status: status, body: body) }
        return body
    }

    /// Sends `GET path` and calls `receive` with each piece of the body as it arrives; returns when the body ends.
    @discardableResult
    func request(_ path: String, receive: ([UInt8]) throws -> Void) async throws -> (status: Int, headers: HTTPHeaders) {
        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                            wrappingChannelSynchronously: channel
                        )
                    }
                }
        } catch {
            writeStandardError("evq: cannot reach evqd at http://\(host):\(port): \(error)\n")
            throw ExitCode(2)
        }
        var headers = HTTPHeaders([("Host", "\(host):\(port)"), ("Accept", "*/*")])
        if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)))
            try await outbound.write(.end(nil))
            var status = 0
            var responseHeaders = HTTPHeaders()
            for try await part in inbound {
                switch part {
                case .head(let head):
                    status = Int(head.status.code)
                    responseHeaders = head.headers
                case .body(let buffer):
                    try receive(Array(buffer.readableBytesView))
                case .end:
                    return (status, responseHeaders)
                }
            }
            throw Failure(description: "evqd closed the connection before the end of its answer")
        }
    }

    /// Reports an API error (`{"error": "…"}`) and exits.
    static func fail(status: Int, body: [UInt8]) throws -> Never {
        var message = String(decoding: body, as: UTF8.self)
        let prefix = "{\"error\":\""
        if message.hasPrefix(prefix), message.hasSuffix("\"}\n") {
            message = String(message.dropFirst(prefix.count).dropLast(3)).replacingEscapes()
        }
        writeStandardError("evq: evqd answered \(status): \(message)\n")
        throw ExitCode(status >= 400 && status < 500 ? 2 : 1)
    }
}

extension String {
    /// Undoes JSON string escapes of the simple kinds evqd writes in error messages.
    fileprivate func replacingEscapes() -> String {
        var out = ""
        var escape = false
        for c in self {
            if escape {
                switch c {
                case "n": out.append("\n")
                case "t": out.append("\t")
                default: out.append(c)
                }
                escape = false
            } else if c == "\\" {
                escape = true
            } else {
                out.append(c)
            }
        }
        return out
    }
}
