#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvCore
import EvStorage
import EvTestSupport
import Testing

/// `evq --server URL`: every read command against a running evqd prints what it prints offline on the data directory.
@Suite("evq online", .serialized)
struct OnlineCLITests {
    static var evq: String { Daemon.binDirectory + "evq" }

    @Test("health, slots, alerts, series, timeline, replay, tail and export: the same output online and offline")
    func sameOutput() throws {
        let dir = TemporaryDirectory()
        // Without data_stale: its tick (every 5 s, on wall-clock age) could append alerts between an offline and an
        // online run of the same command on a loaded machine, and the two outputs would differ for that reason only.
        let config = dir.path + "-no-stale.yaml"
        try FileSystemProbe.write(config, "rules: { disable: [data_stale] }\n")
        defer { unlink(config) }
        let daemon = try Daemon(dataDirectory: dir.path, arguments: ["--config", config])
        let push = try Daemon.run(
            [Self.evq, "push", "--to", "127.0.0.1:\(daemon.port)", "--sync"], stdin: Array(HTTPAPITests.scenario.utf8)
        )
        #expect(push.status == 0, "\(push.err)")
        let http = try HTTPTestClient(port: daemon.httpPort)
        try HTTPAPITests.settle(http)
        let server = "http://127.0.0.1:\(daemon.httpPort)"
        let at = RFC3339.format(nanoseconds: HTTPAPITests.t0 + 200 * HTTPAPITests.second)
        let from = RFC3339.format(nanoseconds: HTTPAPITests.t0 + 20 * HTTPAPITests.second)
        let commands: [[String]] = [
            ["health", "--at", at], ["health", "--at", at, "--json"],
            ["slots", "--at", at], ["slots", "--json"],
            ["alerts", "--at", at], ["alerts", "--active", "--json"], ["alerts", "--since", from],
            ["series"], ["series", "--match", "cpu,host=db2*", "--json"],
            ["timeline", "cpu.usage", "--at", at, "--points", "40"], ["timeline", "cpu*", "--at", at, "--points", "3", "--json"],
            ["timeline", "cpu,host=db1,cpu=total idle", "--at", at, "--points", "6", "--step", "10s", "--agg", "min"],
            ["replay", "--at", at], ["replay", "--at", at, "--json"],
            ["replay", "--from", from, "--to", at], ["replay", "--from", from, "--json"],
            ["tail", "-n", "5"], ["tail", "-n", "3", "--kind", "slot", "--json"], ["tail", "-n", "4", "--match", "cpu,host=db1*"],
            ["export"], ["export", "--kind", "health", "--to", from],
        ]
        for command in commands {
            let offline = try Daemon.run([Self.evq] + command + ["--data-dir", dir.path])
            let online = try Daemon.run([Self.evq] + command + ["--server", server])
            #expect(offline.status == 0, "\(command): \(offline.err)")
            #expect(online.status == 0, "\(command): \(online.err)")
            #expect(!offline.out.isEmpty, "\(command)")
            #expect(online.out == offline.out, "\(command)")
        }
        // The same usage errors, and the same answer when nothing matches.
        for command in [["timeline", "nothing*"], ["timeline", "cpu.usage", "--step", "7s"]] {
            let offline = try Daemon.run([Self.evq] + command + ["--data-dir", dir.path])
            let online = try Daemon.run([Self.evq] + command + ["--server", server])
            #expect(online.status == offline.status && online.status != 0, "\(command)")
            #expect(online.err.contains(offline.err.split(separator: "\n").first.map(String.init) ?? "?"), "\(command): \(online.err) vs \(offline.err)")
        }
        #expect(daemon.terminate() == 0)
    }

    @Test("tail -f --server follows the live stream; a wrong token or an unreachable server is a clear error")
    func followAndErrors() throws {
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path, arguments: ["--auth-token", "t0k"])
        let outPath = dir.path + "-tail.out"
        defer { unlink(outPath) }
        // evq tail -f in the background, its output to a file.
        let pid = try Self.spawn(
            [Self.evq, "tail", "-f", "-n", "1", "--kind", "health", "--server", "http://127.0.0.1:\(daemon.httpPort)", "--token", "t0k"],
            output: outPath
        )
        defer {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        let push = try Daemon.run(
            [Self.evq, "push", "--to", "127.0.0.1:\(daemon.port)", "--sync", "--token", "t0k", "--precision", "s"],
            stdin: Array("health,component=db status=\"ok\" 100\nbad\ncpu v=1 101\n".utf8)
        )
        #expect(push.status == 1)
        #expect(push.err.contains("stdin:2:4: missing fields"), "\(push.err)")  // the input's own line numbers
        var text = ""
        for _ in 0..<200 {
            text = String(decoding: (try? FileSystem.readFile(outPath)) ?? [], as: UTF8.self)
            if text.contains("component=db") { break }
            usleep(20_000)
        }
        #expect(text.hasPrefix("0\t1970-01-01T00:01:40Z\thealth\thealth,component=db status=\"ok\""), "\(text)")

        let wrong = try Daemon.run([Self.evq, "health", "--server", "http://127.0.0.1:\(daemon.httpPort)", "--token", "nope"])
        #expect(wrong.status == 2 && wrong.err == "evq: evqd answered 401: the token is not valid\n", "\(wrong.err)")
        let refused = try Daemon.run([Self.evq, "push", "--to", "127.0.0.1:\(daemon.port)", "--token", "nope"], stdin: Array("cpu v=1\n".utf8))
        #expect(refused.err.contains("evq: evqd refused the connection: auth failed: wrong token"), "\(refused.err)")
        let badURL = try Daemon.run([Self.evq, "health", "--server", "127.0.0.1:8052"])
        #expect(badURL.status == 64 && badURL.err.contains("must look like http://HOST:PORT"), "\(badURL.err)")
        let unreachable = try Daemon.run([Self.evq, "slots", "--server", "http://127.0.0.1:1"])
        #expect(unreachable.status == 2 && unreachable.err.contains("cannot reach evqd at http://127.0.0.1:1"))
        #expect(daemon.terminate() == 0, "evqd stops with a follower attached")
    }

    static func spawn(_ arguments: [String], output: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        let result = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        guard result == 0 else { throw Daemon.Failure(description: "posix_spawn \(arguments[0]): \(result)") }
        return pid
    }
}
