#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvCore
import EvStorage
import EvTestSupport
import Testing

@Suite("Durability across kill -9", .serialized)
struct CrashTests {
    @Test("every acknowledged line survives repeated kill -9 during ingest, exactly once; nothing unsent appears")
    func killNineKeepsAcknowledgedLines() throws {
        let dir = TemporaryDirectory()
        let daemon = try Daemon(dataDirectory: dir.path)
        var acknowledged = Set<String>()
        var sent = Set<String>()
        var sequence = 0
        for round in 0..<5 {
            // Three writers push batches, each batch followed by a sync; kill -9 lands in the middle.
            let clients = try (0..<3).map { _ in try LineClient(port: daemon.port) }
            var pendingBatch: [[String]] = Array(repeating: [], count: clients.count)
            for batch in 0..<8 {
                for (k, client) in clients.enumerated() {
                    var lines: [String] = []
                    for _ in 0..<200 {
                        sequence += 1
                        lines.append("crash,round=\(round),writer=\(k) seq=\(sequence)i \(sequence)")
                    }
                    sent.formUnion(lines)
                    try client.send(lines.joined(separator: "\n") + "\n#evq sync r\(round)b\(batch)\n")
                    pendingBatch[k] = lines
                }
                for (k, client) in clients.enumerated() {
                    if batch == 5 && k == 1 { break }  // leave the last writers' batches unacknowledged
                    guard let reply = client.readLine(), reply.hasPrefix("ok r\(round)b\(batch) ") else {
                        Issue.record("no ack in round \(round) batch \(batch)")
                        return
                    }
                    acknowledged.formUnion(pendingBatch[k])
                }
                if batch == 5 { break }
            }
            // More unacknowledged lines in flight, then the crash.
            try clients[0].send("crash,round=\(round),writer=0 seq=-1i 0\n")
            sent.insert("crash,round=\(round),writer=0 seq=-1i 0")
            daemon.kill9()
            try daemon.start()
        }
        _ = try LineClient(port: daemon.port)
        #expect(daemon.terminate() == 0)

        var stored: [String] = []
        try LogReader(directory: dir.path).forEach { stored.append(LineProtocolSerializer.line($0)); return true }
        let storedSet = Set(stored)
        #expect(stored.count == storedSet.count, "no line is stored twice")
        #expect(acknowledged.isSubset(of: storedSet), "acknowledged lines lost: \(acknowledged.subtracting(storedSet).count)")
        #expect(storedSet.isSubset(of: sent), "lines that were never sent appeared")
        #expect(try LogReader(directory: dir.path).verify().isClean)
        #expect(acknowledged.count == 5 * (5 * 3 + 1) * 200)
    }
}
