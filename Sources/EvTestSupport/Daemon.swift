#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real `evqd` process for integration tests: started with `--ingest-addr 127.0.0.1:0 --http-addr 127.0.0.1:0`, its
/// ports read from the `ingest listening on HOST:PORT` and `http listening on HOST:PORT` lines it prints.
public final class Daemon {
    public let dataDirectory: String
    public private(set) var pid: pid_t = 0
    /// The ingest port.
    public private(set) var port: Int = 0
    /// The HTTP API's port.
    public private(set) var httpPort: Int = 0
    private var stdoutFD: Int32 = -1
    private let extraArguments: [String]
    private let collector: Bool
    private let openFilesSoftLimit: Int?
    private let openFilesHardLimit: Int?

    /// The directory holding the built `evqd` and `evq` (the test bundle's own directory).
    public static let binDirectory: String = {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        precondition(n > 0, "cannot read /proc/self/exe")
        var path = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        while !path.hasSuffix("/") { path.removeLast() }
        // The bundle may be .../debug/evqPackageTests.xctest (a file) or a directory inside it.
        while !FileSystemProbe.exists(path + "evqd") && path.count > 1 {
            path.removeLast()
            while !path.hasSuffix("/") { path.removeLast() }
        }
        return path
    }()

    /// - Parameters:
    ///   - collector: run the host collector (off by default: tests want only the events they send).
    ///   - openFilesSoftLimit: start evqd with this soft `RLIMIT_NOFILE` (`ulimit -Sn`), as a service manager or a
    ///     login shell commonly does (1024); the hard limit stays as it is.
    ///   - openFilesHardLimit: start evqd with this hard and soft `RLIMIT_NOFILE` (`ulimit -Hn -Sn`): it cannot raise it.
    public init(
        dataDirectory: String, arguments: [String] = [], collector: Bool = false, openFilesSoftLimit: Int? = nil,
        openFilesHardLimit: Int? = nil
    ) throws {
        self.dataDirectory = dataDirectory
        self.extraArguments = arguments
        self.collector = collector
        self.openFilesSoftLimit = openFilesSoftLimit
        self.openFilesHardLimit = openFilesHardLimit
        try start()
    }

    deinit {
        if pid > 0 {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        if stdoutFD >= 0 { close(stdoutFD) }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) { self.description = description }
    }

    /// Starts (or restarts) evqd on the same data directory with a fresh port.
    public func start() throws {
        precondition(pid == 0, "already running")
        let arguments = [
            Self.binDirectory + "evqd", "--data-dir", dataDirectory, "--ingest-addr", "127.0.0.1:0",
            "--http-addr", "127.0.0.1:0", "--log-level", "warning",
        ] + (collector ? [] : ["--no-collector"]) + extraArguments
        // With a soft limit, a shell sets it and then becomes evqd (exec), so `pid` is still evqd's.
        // Under a hard limit the child must not inherit descriptors the test process holds for other tests running in
        // parallel (sockets): they would use up its few descriptors. bash closes every one above 2 before evqd starts.
        let closeInherited = "for p in /proc/$$/fd/*; do fd=${p##*/}; [ \"$fd\" -gt 2 ] && eval \"exec $fd>&-\" 2>/dev/null; done; "
        let command = openFilesHardLimit.map {
            ["/bin/bash", "-c", closeInherited + "ulimit -Sn \($0) && ulimit -Hn \($0) && exec \"$0\" \"$@\""] + arguments
        }
            ?? openFilesSoftLimit.map { ["/bin/sh", "-c", "ulimit -Sn \($0) && exec \"$0\" \"$@\""] + arguments }
        let (child, out) = try Self.spawn(command ?? arguments)
        pid = child
        stdoutFD = out
        // Wait for "ingest listening on 127.0.0.1:PORT" and "http listening on 127.0.0.1:PORT".
        port = 0
        httpPort = 0
        var line: [UInt8] = []
        let deadline = Self.now() + 30
        while Self.now() < deadline {
            var pfd = pollfd(fd: out, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 100) > 0 else { continue }
            var byte: UInt8 = 0
            guard read(out, &byte, 1) == 1 else { break }
            if byte == UInt8(ascii: "\n") {
                let text = String(decoding: line, as: UTF8.self)
                if let colon = text.lastIndex(of: ":"), let p = Int(text[text.index(after: colon)...]) {
                    if text.hasPrefix("ingest listening on ") { port = p }
                    if text.hasPrefix("http listening on ") { httpPort = p }
                    if port > 0 && httpPort > 0 { return }
                }
                line.removeAll()
            } else {
                line.append(byte)
            }
        }
        throw Failure(description: "evqd did not report its ports")
    }

    /// SIGTERM, then waits; returns the exit status (or `nil` if it had to be killed after `timeout` seconds).
    @discardableResult
    public func terminate(timeout: Double = 20) -> Int32? {
        defer { reap() }
        kill(pid, SIGTERM)
        let deadline = Self.now() + timeout
        var status: Int32 = 0
        while Self.now() < deadline {
            if waitpid(pid, &status, WNOHANG) == pid {
                pid = 0
                return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            }
            usleep(10_000)
        }
        return nil
    }

    /// `kill -9`: no shutdown code runs.
    public func kill9() {
        kill(pid, SIGKILL)
        reap()
    }

    private func reap() {
        if pid > 0 {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            pid = 0
        }
        if stdoutFD >= 0 {
            close(stdoutFD)
            stdoutFD = -1
        }
    }

    /// Runs a command to completion; returns exit status, stdout and stderr.
    public static func run(_ arguments: [String], stdin: [UInt8] = []) throws -> (status: Int32, out: String, err: String) {
        let inPath = "/tmp/evq-test-stdin-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let outPath = inPath + ".out"
        let errPath = inPath + ".err"
        defer {
            unlink(inPath)
            unlink(outPath)
            unlink(errPath)
        }
        let fd = open(inPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = stdin.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let rc = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        guard rc == 0 else { throw Failure(description: "spawn \(arguments[0]) failed: \(rc)") }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return (code, FileSystemProbe.read(outPath), FileSystemProbe.read(errPath))
    }

    /// Starts a command in the background with its stdout written to `outputPath`; returns its pid.
    public static func start(_ arguments: [String], outputPath: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let rc = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        guard rc == 0 else { throw Failure(description: "spawn \(arguments[0]) failed: \(rc)") }
        return pid
    }

    /// Kills and reaps a background command.
    public static func stop(_ pid: pid_t) {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// The contents of a file (empty if unreadable).
    public static func readText(_ path: String) -> String { FileSystemProbe.read(path) }

    static func spawn(_ arguments: [String]) throws -> (pid_t, Int32) {
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else { throw Failure(description: "pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        posix_spawn_file_actions_addclose(&actions, pipeFDs[0])
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let rc = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        close(pipeFDs[1])
        guard rc == 0 else {
            close(pipeFDs[0])
            throw Failure(description: "spawn \(arguments[0]) failed: \(rc)")
        }
        return (pid, pipeFDs[0])
    }

    /// Raises this process's soft `RLIMIT_NOFILE` to at least `count` (up to the hard limit), for tests that hold
    /// many sockets; returns the soft limit now in force.
    @discardableResult
    public static func raiseOpenFilesLimit(to count: Int) -> Int {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        if limit.rlim_cur < rlim_t(count) {
            limit.rlim_cur = min(rlim_t(count), limit.rlim_max)
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return Int(limit.rlim_cur)
    }

    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
