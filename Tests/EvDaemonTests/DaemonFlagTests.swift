import ArgumentParser
@testable import EvDaemon
import Testing

/// Issue 15: every parser of numbers on every surface is total. evqd's numeric flags have upper bounds, so the
/// products made of them (MiB to bytes, hours to seconds, the descriptors the connection limits need) cannot overflow.
@Suite("evqd flags")
struct DaemonFlagTests {
    @Test(
        "numeric flags at their bounds are accepted, one past them refused with the flag's name",
        arguments: [
            ("--segment-mib", "65536", "65537"), ("--segment-mib", "1", "0"), ("--retention-hours", "1000000", "1000001"),
            ("--retention-hours", "0", "-1"), ("--retention-mib", "1073741824", "1073741825"),
            ("--checkpoint-seconds", "31536000", "31536001"), ("--stream-buffer-events", "16777216", "16777217"),
            ("--max-connections", "1048576", "1048577"), ("--max-http-connections", "1048576", "1048577"),
            ("--segment-mib", "1", "9223372036854775807"), ("--retention-mib", "0", "9223372036854775807"),
            ("--collector-interval", "3600", "nan"), ("--http-idle-timeout", "0.1", "inf"),
        ]
    )
    func bounds(flag: String, inside: String, outside: String) throws {
        _ = try DaemonCommand.parse([flag, inside])
        let error = #expect(throws: (any Error).self) { try DaemonCommand.parse([flag, outside]) }
        let message = error.map { DaemonCommand.message(for: $0) } ?? ""
        #expect(message.contains(flag) || message.contains(flag.dropFirst(2)), "\(flag) \(outside): \(message)")
    }

    @Test("connection limits are kept when the descriptors suffice, lowered to fit otherwise, refused below the least")
    func connectionLimits() {
        #expect(DaemonCommand.connectionLimits(ingest: 1024, http: 512, openFiles: nil)! == (1024, 512))
        #expect(DaemonCommand.connectionLimits(ingest: 1024, http: 512, openFiles: 1792)! == (1024, 512))
        #expect(DaemonCommand.connectionLimits(ingest: 1024, http: 512, openFiles: 400)! == (96, 48))
        #expect(DaemonCommand.connectionLimits(ingest: 1024, http: 512, openFiles: 288)! == (16, 16))
        #expect(DaemonCommand.connectionLimits(ingest: 1024, http: 512, openFiles: 287) == nil)
        #expect(DaemonCommand.connectionLimits(ingest: 10, http: 512, openFiles: 400)! == (10, 134))
    }
}
