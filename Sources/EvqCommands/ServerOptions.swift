#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import EvRender
import NIOHTTP1

/// `--server URL` / `--token`: ask a running evqd over HTTP instead of reading a data directory. The answers are
/// rendered by evqd with the same renderer evq uses offline, so the output is the same.
struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: "Ask a running evqd (http://HOST:PORT) instead of reading a data directory.")
    var server: String?

    @Option(name: .long, help: "evqd's shared token, if it requires one (default: $EVQ_AUTH_TOKEN).")
    var token: String?

    /// The client for `--server`, if given.
    func client() throws -> ServerClient? {
        guard let server else { return nil }
        return try ServerClient(url: server, token: token ?? Self.environmentToken)
    }

    static var environmentToken: String? {
        getenv("EVQ_AUTH_TOKEN").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `format=json`, or `format=text` with colours when stdout is a terminal.
    static func format(json: Bool) -> [(String, String?)] {
        json ? [("format", "json")] : [("format", "text"), ("color", Renderer.terminalColors ? "true" : nil)]
    }

    /// `path?name=value&…` with the values percent-encoded; `nil` values are left out.
    static func path(_ path: String, _ query: [(String, String?)]) -> String {
        let pairs = query.compactMap { name, value in value.map { "\(name)=\(percentEncoded($0))" } }
        return pairs.isEmpty ? path : path + "?" + pairs.joined(separator: "&")
    }

    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return out
    }
}

extension ServerClient {
    /// Fetches `path` with `query` and writes the answer to stdout.
    func printAnswer(_ path: String, _ query: [(String, String?)]) async throws {
        let body = try await fetch(ServerOptions.path(path, query))
        let out = OutputStream()
        out.write(bytes: body)
        out.flush()
    }
}

extension ServerClient {
    /// Pages through `/api/v1/events` from the log's start (or `from`) with `query`, writing each page to stdout;
    /// returns the log's end when done.
    @discardableResult
    func printEvents(_ query: [(String, String?)]) async throws -> Int64 {
        var next: Int64 = 0
        let out = OutputStream()
        while true {
            let path = ServerOptions.path("/api/v1/events", query + [("from_offset", "\(next)"), ("limit", "10000")])
            let (status, headers, body) = try await get(path)
            guard status == 200 else { try Self.fail(status: status, body: body) }
            out.write(bytes: body)
            out.flush()
            guard let pageNext = headers.first(name: "Evq-Next-Offset").flatMap({ Int64($0) }),
                let logEnd = headers.first(name: "Evq-Log-Next-Offset").flatMap({ Int64($0) })
            else { throw Failure(description: "evqd's answer lacks its Evq-Next-Offset headers") }
            if pageNext >= logEnd { return logEnd }
            next = pageNext
        }
    }

    /// Follows `/api/v1/stream` from `offset`, writing each message's data as a line (until interrupted).
    func follow(from offset: Int64, _ query: [(String, String?)]) async throws {
        let out = OutputStream()
        var pending: [UInt8] = []
        let (status, _) = try await request(ServerOptions.path("/api/v1/stream", query + [("from_offset", "\(offset)")])) { piece in
            pending += piece
            // Messages end with an empty line; print their `data:` lines.
            while let end = Self.messageEnd(pending) {
                for line in pending[..<end].split(separator: UInt8(ascii: "\n")) where line.starts(with: "data: ".utf8) {
                    out.write(bytes: Array(line.dropFirst(6)) + [UInt8(ascii: "\n")])
                }
                pending.removeSubrange(..<(end + 2))
            }
            out.flush()
        }
        if status != 200 { try Self.fail(status: status, body: pending) }
    }

    private static func messageEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 2 else { return nil }
        for i in 0..<(bytes.count - 1) where bytes[i] == 10 && bytes[i + 1] == 10 { return i }
        return nil
    }
}

extension FilterOptions {
    /// The filters as API query parameters.
    var query: [(String, String?)] {
        [("kind", kind.isEmpty ? nil : kind.joined(separator: ",")), ("component", component), ("match", match)]
    }
}
