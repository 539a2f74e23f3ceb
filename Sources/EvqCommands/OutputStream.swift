#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered, unlocked output to a file descriptor (stdout by default): `print` per event is too slow for exports.
final class OutputStream {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private let capacity = 256 * 1024

    init(fd: Int32 = 1) {
        self.fd = fd
        buffer.reserveCapacity(capacity)
    }

    deinit { flush() }

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= capacity { flush() }
    }

    func write(bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= capacity { flush() }
    }

    /// Appends through a closure that writes into the buffer directly.
    func append(_ body: (inout [UInt8]) -> Void) {
        body(&buffer)
        if buffer.count >= capacity { flush() }
    }

    func flush() {
        var done = 0
        while done < buffer.count {
            let n = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }  // EPIPE (e.g. `| head`): drop the rest
            done += n
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Writes a message to stderr at once (unbuffered: errors and progress must not wait for stdout).
func writeStandardError(_ text: String) {
    let bytes = Array(text.utf8)
    var done = 0
    while done < bytes.count {
        let n = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress! + done, $0.count - done) }
        if n <= 0 { return }
        done += n
    }
}
