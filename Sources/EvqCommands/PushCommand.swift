#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import EvCore
import NIOCore
import NIOPosix

struct PushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Send line protocol from a file or stdin to evqd, and report rejected lines.",
        discussion: """
            With --sync, waits for evqd's durable acknowledgement of the last line. Rejected lines are printed \
            to stderr as FILE:LINE:COLUMN: REASON. Exit code 1 when any line was rejected, 2 when evqd cannot \
            be reached or the acknowledgement does not come.
            """
    )

    @Argument(help: "File of line protocol; '-' or nothing reads stdin.")
    var file: String = "-"

    @Option(name: .long, help: "evqd's ingest address.")
    var to: String = "127.0.0.1:8094"

    @Flag(name: .long, help: "Wait until evqd has fsynced every line ('#evq sync').")
    var sync = false

    @Option(name: .long, help: "evqd's shared token, if it requires one (default: $EVQ_AUTH_TOKEN).")
    var token: String?

    @Option(name: .long, help: "Timestamp precision of the input: s, ms, us or ns.")
    var precision: String = "ns"

    func validate() throws {
        guard Precision(rawValue: precision) != nil else { throw ValidationError("--precision must be s, ms, us or ns") }
        guard Self.split(to) != nil else { throw ValidationError("--to must be HOST:PORT, got '\(to)'") }
    }

    static func split(_ address: String) -> (String, Int)? {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
            return nil
        }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    func run() async throws {
        let input: Int32 = file == "-" ? 0 : open(file, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else {
            writeStandardError("evq push: cannot open \(file): \(String(cString: strerror(errno)))\n")
            throw ExitCode(2)
        }
        defer { if input != 0 { close(input) } }
        var preamble: [String] = []
        if let token = token ?? ServerOptions.environmentToken { preamble.append("#evq auth \(token)") }
        if precision != "ns" { preamble.append("#evq precision \(precision)") }
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        let outcome = try await LineSender.send(to: to, source: file == "-" ? "stdin" : file, sync: sync, preamble: preamble) {
            while true {
                let n = chunk.withUnsafeMutableBytes { read(input, $0.baseAddress!, $0.count) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return nil }
                return Array(chunk[0..<n])
            }
        }
        writeStandardError(
            "pushed \(outcome.lines) lines to \(to): \(outcome.rejected) rejected"
                + (outcome.lastOffset.map { ", durable through offset \($0)" } ?? "") + "\n"
        )
        if sync && outcome.lastOffset == nil {
            writeStandardError("evq push: no sync acknowledgement from evqd\n")
            throw ExitCode(2)
        }
        if outcome.rejected > 0 { throw ExitCode(1) }
    }
}

/// Sends line protocol to evqd over one connection and collects its replies (`evq push`, `evq ack`).
enum LineSender {
    /// Writes the `preamble` lines (auth, precision), then what `next` yields until it returns `nil`, then (with
    /// `sync`) `#evq sync TOKEN`, half-closes, and reads replies until evqd closes. Rejections are reported with the
    /// input's own line numbers (the preamble's lines are not counted). Exits 2 when evqd cannot be reached.
    static func send(
        to address: String,
        source: String,
        sync: Bool,
        preamble: [String] = [],
        next: () throws -> [UInt8]?
    ) async throws -> PushReplies {
        guard let (host, port) = PushCommand.split(address) else { throw ValidationError("--to must be HOST:PORT") }
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.allowRemoteHalfClosure, value: true)
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true)
                        )
                    }
                }
        } catch {
            writeStandardError("evq: cannot connect to \(address): \(error)\n")
            throw ExitCode(2)
        }
        let token = "evq-\(getpid())"
        return try await channel.executeThenClose { inbound, outbound in
            try await withThrowingTaskGroup(of: PushReplies.self) { group in
                group.addTask {
                    try await PushReplies.collect(inbound, token: token, source: source, linesBefore: preamble.count)
                }
                if !preamble.isEmpty {
                    try await outbound.write(ByteBuffer(string: preamble.map { $0 + "\n" }.joined()))
                }
                var lines = 0
                var endsWithNewline = true
                while let bytes = try next() {
                    guard !bytes.isEmpty else { continue }
                    lines += bytes.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
                    endsWithNewline = bytes.last == UInt8(ascii: "\n")
                    try await outbound.write(ByteBuffer(bytes: bytes))
                }
                if !endsWithNewline { lines += 1 }
                if sync {
                    try await outbound.write(ByteBuffer(string: (endsWithNewline ? "" : "\n") + "#evq sync \(token)\n"))
                }
                outbound.finish()
                var replies = try await group.next()!
                replies.lines = lines
                return replies
            }
        }
    }
}

/// What evqd answered to a push.
struct PushReplies: Sendable {
    var rejected = 0
    var lastOffset: Int64?
    var lines = 0

    /// Reads replies until evqd closes the connection: prints each `err` as FILE:LINE:COL: REASON, and keeps the
    /// offset of `ok TOKEN OFFSET`.
    static func collect(
        _ inbound: NIOAsyncChannelInboundStream<ByteBuffer>,
        token: String,
        source: String,
        linesBefore: Int = 0
    ) async throws -> PushReplies {
        var replies = PushReplies()
        var pending: [UInt8] = []
        for try await var buffer in inbound {
            pending += buffer.readBytes(length: buffer.readableBytes) ?? []
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                handle(line, token: token, source: source, linesBefore: linesBefore, into: &replies)
            }
        }
        return replies
    }

    static func handle(_ line: String, token: String, source: String, linesBefore: Int = 0, into replies: inout PushReplies) {
        let words = line.split(separator: " ", maxSplits: 3)
        if words.first == "ok", words.count == 3 {
            // Our own sync; an `#evq sync` of the input's is acknowledged as well, and needs no report.
            if words[1] == token { replies.lastOffset = Int64(words[2]) }
        } else if words.first == "err", words.count >= 3, words[1].hasPrefix("line="), words[2].hasPrefix("col="),
            let sent = Int(words[1].dropFirst(5))
        {
            replies.rejected += 1
            let column = words[2].dropFirst(4)
            let reason = words.count > 3 ? words[3] : ""
            if sent <= linesBefore {
                // evq's own preamble was refused (a wrong token, say).
                writeStandardError("evq: evqd refused the connection: \(reason)\n")
            } else {
                writeStandardError("\(source):\(sent - linesBefore):\(column): \(reason)\n")
            }
        } else {
            writeStandardError("evq push: unexpected reply: \(line)\n")
        }
    }
}
