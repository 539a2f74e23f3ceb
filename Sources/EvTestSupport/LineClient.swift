#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain blocking TCP client on loopback, as any line-protocol client would be: send bytes, read reply lines.
public final class LineClient {
    public let fd: Int32
    private var pending: [UInt8] = []

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public init(port: Int, host: String = "127.0.0.1") throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            close(fd)
            throw Failure(description: "connect to \(host):\(port) failed: errno \(errno)")
        }
    }

    private var closed = false

    deinit { if !closed { close(fd) } }

    public func send(_ text: String) throws {
        try send(bytes: Array(text.utf8))
    }

    public func send(bytes: [UInt8]) throws {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + done, $0.count - done, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send failed: errno \(errno)") }
            done += n
        }
    }

    /// Closes with a TCP reset (SO_LINGER 0): the connection breaks off instead of ending cleanly.
    public func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        shutdown(fd, Int32(SHUT_RD))
        close(fd)
        closed = true
    }

    /// Half-close: no more lines from this client.
    public func finishSending() {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// The next reply line (without newline), or `nil` on EOF or after `timeout` seconds.
    public func readLine(timeout: Double = 10) -> String? {
        let deadline = Daemon.now() + timeout
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                return line
            }
            let remaining = deadline - Daemon.now()
            guard remaining > 0 else { return nil }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, Int32(min(remaining, 1) * 1000)) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return nil }
            pending += buffer[0..<n]
        }
    }

    /// Whether the server closed the connection (a read returns end of file or an error) within `timeout`; bytes
    /// that arrive meanwhile are kept for `readLine`.
    public func isClosed(timeout: Double) -> Bool {
        let deadline = Daemon.now() + timeout
        while Daemon.now() < deadline {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 20) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) { return true }
            if n > 0 { pending += buffer[0..<n] }
        }
        return false
    }

    /// Reads replies until one starts with `prefix`; returns the lines read before it and that line.
    public func readUntil(prefix: String, timeout: Double = 10) -> (before: [String], line: String?) {
        var before: [String] = []
        while let line = readLine(timeout: timeout) {
            if line.hasPrefix(prefix) { return (before, line) }
            before.append(line)
        }
        return (before, nil)
    }
}
