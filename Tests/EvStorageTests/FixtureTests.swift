#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvCore
import EvStorage
import EvTestSupport
import Logging
import Testing

/// Format compatibility: the committed v1 data directory must decode to the committed expectation forever
/// (Prometheus `tsdb/testdata/index_format_v1/`). `RECORD_FIXTURES=1` writes them (only when the format version
/// changes: then add a new `vN` directory and keep the old one).
@Suite("Format fixtures")
struct FixtureTests {
    static let directory = String(#filePath.dropLast("FixtureTests.swift".count)) + "Fixtures/segment-v1"

    /// Events that exercise every field type, escaping, typed events, decimal and raw floats, repeats.
    static func fixtureEvents() -> [Event] {
        var events: [Event] = []
        let t0: Int64 = 1_763_650_000_000_000_000
        events.append(
            Event(
                time: t0,
                measurement: "cpu",
                tags: [Tag("host", "h 1"), Tag("core", "0")],
                fields: [Field("usage_user", .float(8.3)), Field("usage_idle", .float(85)), Field("pi", .float(.pi))]
            )
        )
        events.append(
            Event(
                time: t0,
                receiveTime: t0 + 1234,
                measurement: "mem",
                tags: [Tag("host", "h,1=x")],
                fields: [Field("used", .int(5_187_270_787)), Field("neg", .int(Int64.min)), Field("big", .uint(UInt64.max))]
            )
        )
        events.append(
            Event(
                time: t0 + 1,
                measurement: "health",
                tags: [Tag("component", "ib_gateway")],
                fields: [
                    Field("status", .string("connected")), Field("latency_ms", .int(13)),
                    Field("healthy", .bool(true)), Field("msg", .string("say \"hi\" \\ ünïcode")),
                ]
            )
        )
        events.append(
            Event(time: t0 + 2, measurement: "heartbeat", tags: [Tag("component", "md_feed")], fields: [Field("seq", .int(1))])
        )
        events.append(
            Event(
                time: t0 + 3,
                measurement: "slot",
                tags: [Tag("strategy", "mm1"), Tag("conid", "265598"), Tag("symbol", "AAPL")],
                fields: [Field("action", .string("acquire"))]
            )
        )
        events.append(
            Event(
                time: -5,
                measurement: "alert",
                tags: [Tag("alert", "cpu_high"), Tag("severity", "critical")],
                fields: [Field("state", .string("firing")), Field("value", .float(-0.0)), Field("message", .string(""))]
            )
        )
        for k in 0..<20 {
            events.append(
                Event(
                    time: t0 + Int64(k) * 5_000_000_000,
                    measurement: "cpu",
                    tags: [Tag("host", "h 1"), Tag("core", "0")],
                    fields: [
                        Field("usage_user", .float(8.3 + Double(k) / 10)), Field("usage_idle", .float(85 - Double(k))),
                        Field("pi", .float(1e300 * Double(k + 1))),
                    ]
                )
            )
        }
        return events
    }

    static func render(_ events: [Event]) -> String {
        events.map { "\($0.offset) \($0.receiveTime) \(LineProtocolSerializer.line($0))\n" }.joined()
    }

    @Test("the committed v1 segment decodes to the committed events")
    func v1SegmentDecodes() throws {
        if getenv("RECORD_FIXTURES") != nil { try record() }
        let expectedPath = Self.directory + "/expected.txt"
        guard FileSystem.exists(expectedPath) else {
            Issue.record("missing fixture \(expectedPath): run with RECORD_FIXTURES=1 once and commit it")
            return
        }
        let expected = String(decoding: try FileSystem.readFile(expectedPath), as: UTF8.self)
        let reader = try LogReader(directory: Self.directory)
        var events: [Event] = []
        let report = try reader.forEach { events.append($0); return true }
        #expect(report.corruptions.isEmpty)
        #expect(Self.render(events) == expected)
        #expect(try reader.verify().isClean)
        // And the decoded events are exactly the ones the fixture was made from.
        let want = SegmentLogTests.numbered(Self.fixtureEvents())
        SegmentLogTests.assertLossless(events, want)
    }

    private func record() throws {
        let scratch = TemporaryDirectory()
        let log = try SegmentLog(directory: scratch.path, logger: Logger(label: "fixture"))
        let events = Self.fixtureEvents()
        try log.append([SealedBlock.seal(events[0..<6]), SealedBlock.seal(events[6...])])
        try log.roll()
        try log.close()
        try FileSystem.createDirectory(Self.directory)
        for name in [FileNames.segment(baseOffset: 0), FileNames.index(baseOffset: 0), FileNames.segment(baseOffset: 26)] {
            try FileSystem.writeAtomically(try FileSystem.readFile(scratch.file(name)), to: Self.directory + "/" + name, directory: Self.directory)
        }
        try FileSystem.writeAtomically(
            Array(Self.render(SegmentLogTests.numbered(events)).utf8),
            to: Self.directory + "/expected.txt",
            directory: Self.directory
        )
    }
}
