#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvCore
import EvStorage
import EvViews

/// Writes the seed corpora of the fuzz targets into `Fuzz/Corpus/<target>/` (the directory given as the only
/// argument holds one folder per target; each is emptied first). Deterministic: the same sources write the same
/// files. Run through `tools/fuzz --seeds`.
@main
struct FuzzSeeds {
    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 2 else {
            print("usage: FuzzSeeds CORPUS_DIR")
            exit(2)
        }
        let root = arguments[1]
        try write(root, "FuzzLineProtocol", lineSeeds())
        try write(root, "FuzzRecordCodec", recordSeeds())
        try write(root, "FuzzBlockDecoder", blockSeeds())
        try write(root, "FuzzCheckpoint", try checkpointSeeds())
    }

    static func write(_ root: String, _ target: String, _ seeds: [(String, [UInt8])]) throws {
        let directory = root + "/" + target
        if !FileSystem.exists(root) { try FileSystem.createDirectory(root) }
        if FileSystem.exists(directory) {
            for name in try FileSystem.list(directory) { try FileSystem.remove(directory + "/" + name) }
        } else {
            try FileSystem.createDirectory(directory)
        }
        var total = 0
        for (name, bytes) in seeds {
            try FileSystem.writeAtomically(bytes, to: directory + "/" + name, directory: directory)
            total += bytes.count
        }
        print("\(target): \(seeds.count) seeds, \(total) bytes")
    }

    static func numbered(_ prefix: String, _ items: [[UInt8]]) -> [(String, [UInt8])] {
        items.enumerated().map { k, bytes in (prefix + "-" + String(1000 + k).dropFirst(), bytes) }
    }

    // MARK: - Line protocol

    /// Valid and invalid lines from Tests/EvCoreTests/LineProtocolParserTests.swift, ControlLineTests.swift and
    /// LineProtocolRoundTripTests.swift (one line per seed), and a few streams of several lines.
    static let lines: [String] = [
        // Field values.
        "m f=1", "m f=1.5", "m f=-1.5e-3", "m f=1E10", "m f=.5", "m f=-.5", "m f=1.", "m f=+1.5", "m f=-0",
        "m f=1e+3", "m f=0.000000000000000000001", "m f=1e22", "m f=1e23", "m f=0.30000000000000004",
        "m f=9007199254740993", "m f=123456789012345678901234567890", "m f=1.7976931348623157e308",
        "m f=2.2250738585072014e-308", "m f=4.9e-324", "m f=1e-400",
        "m f=12i", "m f=-3i", "m f=9223372036854775807i", "m f=-9223372036854775808i", "m f=12u",
        "m f=18446744073709551615u",
        #"m f="hello""#, #"m f="""#, #"m f="say \"hi\"""#, #"m f="back\\slash""#, #"m f="trailing\\""#,
        #"m f="a, b=c d""#, #"m f="héllo ✓ 🙂""#, #"m f="x=1i,y=2 3""#,
        "m b=t", "m b=TRUE", "m b=False", "m b=F",
        #"m a=1.5,b=-2i,c=3u,d="x y",e=T 17"#,
        // Names and escaping.
        #"my\ meas\,ure f=1"#, "m=eq f=1", #"m\=eq f=1"#, #"m\\ f=1"#, #"m\x f=1"#, #"\ lead f=1"#,
        #""quoted" f=1"#, #"m,t\ k\,e\=y=v\ a\,l\=ue f=1"#, #"m,t=a\b f=1"#, #"m,t=a\\ f=1"#, "m,t=v=w f=1",
        "m,b=2,a=1 f=1", #"m f\ k\,e\=y=1"#, #"m f\\=1"#, "m #f=1", "m#x,#t=#v f=1",
        #"température,lieu=salle\ à\ manger valeur=21.5"#, "測定,タグ=値 フィールド=1", "🙂,😀=😃 🚀=1",
        // Timestamps and line shapes.
        "m f=1 1465839830100400200", "m f=1 0", "m f=1 -1", "m f=1 -9223372036854775808",
        "m f=1 9223372036854775807", "m f=1  123  ", "m  f=1", "m f=1   ", "m f=1 5\r", "m f=\"x\"\r", "",
        "   \t ", "#", "# comment", "   # indented", "  m f=1", "\tm f=1",
        // Errors.
        "m f=12x", "m f=12xi", "m f=1.5i", "m f=i", "m f=9223372036854775808i", "m f=-1u",
        "m f=18446744073709551616u", "m f=1e400", "m f=1.2.3", "m f=--1", "m f=1e", "m f=.", "m f=tru", "m f=fi",
        "m f=True1", "m", "m,t=v", "m,t=v   ", ",t=v f=1", "m,=v f=1", "m, f=1", "m,t f=1", "m,t= f=1", "m =1",
        "m f=1,", "m f", "m f g=1", "m f=", "m f=,g=1", "m f= 1", "m,t=1,t=2 f=1", "m f=1,f=2",
        #"m a\ b=1,a\ b=2"#, "m f=\"abc", #"m f="abc\""#, "m f=\"", #"m f="a"x"#, "m f=1 12a", "m f=1 +5",
        "m f=1 1.5", "m f=1 -", "m f=1 99999999999999999999", "m f=1 1 2",
        // Typed events.
        "health,component=tws status=\"ok\",latency_ms=12.5,message=\"fine\",host=\"gw\",port=4001i",
        "health,host=a,component=db latency_ms=3,status=\"Degraded\" 1700000000000000000",
        "heartbeat,component=feed seq=1i", "slot,strategy=s1,conid=265598,symbol=AAPL action=\"acquire\"",
        "slot,symbol=AAPL,conid=265598,strategy=s1 qty=100i,action=\"RELEASE\"",
        "alert,alert=disk_full,severity=critical state=\"firing\",message=\"95%\",value=95.5",
        "alert,alert=disk_full,severity=INFO state=\"ack\",by=\"ops\"", "health status=\"ok\"",
        "health,component=db status=1i", "health,component=db status=\"sleepy\"",
        "slot,strategy=s,conid=1,symbol=X action=\"hold\"", "alert,alert=disk,severity=fatal state=\"firing\"",
        "alert,alert=disk,severity=info state=\"open\"",
        #"cpu,host=a\ b,region=eu usage=0.5,count=3i,label="x\"y",up=true 99"#,
        #"my\ meas\,ure,t\ k\,e\=y=v\ a\,l\=ue f\ k=-1.5e-3,g=12u,h="a\\b",i=T -1"#,
        // Control lines.
        "#evq sync abc", "#evq sync t1", "  #evq sync x", "#evq precision s", "#evq precision ms",
        "#evq precision us", "#evq precision ns", "#evq auth secret", "#evq", "#evq ", "#evqsync 1",
        "#evq sync", "#evq sync a b", "#evq precision h", "#evq frobnicate", "#evq sync " + String(repeating: "x", count: 129),
    ]

    static let streams: [String] = [
        "#evq precision s\nm f=1 1700000000\n#evq precision ms\nm f=2 1700000000123\nm f=3\n#evq sync a",
        "cpu,host=h0,core=0 usage_user=8.3,usage_idle=85.0\nhealth,host=h0,component=ib_gateway status=\"connected\",latency_ms=13i\nheartbeat,component=md_feed seq=1i\nslot,strategy=mm1,conid=265598,symbol=AAPL action=\"acquire\"\nhealth,component=oms status=\"sideways\"",
        "mem,host=h0 used=5187270787i\nbad line\n#evq sync t1\n",
        "m f=1 5\r\nm f=2 6\r\n\r\n# c\r\nm f=\"x\" 7\r\n",
    ]

    static func lineSeeds() -> [(String, [UInt8])] {
        var seeds = numbered("line", lines.map { Array($0.utf8) })
        seeds += numbered("stream", streams.map { Array($0.utf8) })
        // Invalid UTF-8 from the UTF-8 error table.
        seeds += numbered(
            "utf8",
            [
                Array("m f=\"".utf8) + [0xFF, 0x22], Array("m,t=".utf8) + [0xC0, 0x80] + Array(" f=1".utf8),
                [0x78, 0xED, 0xA0, 0x80] + Array(" f=1".utf8), Array("m f=1 ".utf8) + [0xE2, 0x82, 0x41],
                Array("m ".utf8) + [0xF4, 0x90, 0x80, 0x80] + Array("=1".utf8), [0x23, 0xFF, 0xFE],
            ]
        )
        return seeds
    }

    // MARK: - Record codec

    /// Choice programs for FuzzRecordCodec (deterministic pseudo-random bytes) and well-formed shape keys (which the
    /// target also reads as a whole).
    static func recordSeeds() -> [(String, [UInt8])] {
        var rng = SplitMix64(seed: 0x5EED_C0DE)
        var programs: [[UInt8]] = []
        for k in 0..<12 {
            let count = 32 << (k % 4)
            programs.append((0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
        var keys: [[UInt8]] = []
        for event in sampleEvents().prefix(6) {
            var key: [UInt8] = []
            EventShapeCodec.encode(event.shape, to: &key)
            keys.append(key)
        }
        return numbered("program", programs) + numbered("shape", keys)
    }

    // MARK: - Blocks

    /// Events of every kind and field type, edge values included.
    static func sampleEvents() -> [Event] {
        let t: Int64 = 1_763_650_000_000_000_000
        var events: [Event] = []
        func add(_ time: Int64, _ measurement: String, _ tags: [Tag], _ fields: [Field]) {
            events.append(
                Event(offset: Int64(events.count), time: time, receiveTime: time + 1_000, measurement: measurement, tags: tags, fields: fields)
            )
        }
        add(t, "cpu", [Tag("host", "h0"), Tag("core", "0")], [Field("usage_user", .float(8.3)), Field("usage_idle", .float(85))])
        add(t, "health", [Tag("component", "gw"), Tag("host", "h0")], [Field("status", .string("connected")), Field("latency_ms", .int(12))])
        add(t + 1, "heartbeat", [Tag("component", "feed")], [Field("seq", .int(1))])
        add(t + 2, "slot", [Tag("strategy", "mm"), Tag("conid", "1"), Tag("symbol", "AAPL")], [Field("action", .string("acquire"))])
        add(t + 3, "alert", [Tag("alert", "cpu_high"), Tag("severity", "critical")], [Field("state", .string("firing")), Field("value", .float(93.5))])
        add(t + 4, "m", [], [Field("u", .uint(.max)), Field("b", .bool(true)), Field("i", .int(.min)), Field("s", .string("é測🙂"))])
        add(t + 5, "f", [], [Field("v", .float(.nan)), Field("w", .float(-0.0)), Field("x", .float(.pi)), Field("y", .float(.infinity))])
        add(t - 1, "cpu", [Tag("host", "h0"), Tag("core", "0")], [Field("usage_user", .float(8.4)), Field("usage_idle", .float(85))])
        add(t + 6, "health", [Tag("component", "gw"), Tag("host", "h0")], [Field("status", .string("connected")), Field("latency_ms", .int(13))])
        return events
    }

    static func blockSeeds() -> [(String, [UInt8])] {
        var blocks: [[UInt8]] = []
        // Small blocks: stored raw (LZ4 would not make them smaller).
        let events = sampleEvents()
        for k in [1, 3, events.count] {
            blocks.append(SealedBlock.seal(events.prefix(k)).bytes(firstOffset: 100))
        }
        // A host-collector-like block: many similar rows, LZ4-compressed.
        var metrics: [Event] = []
        for k in 0..<60 {
            metrics.append(
                Event(
                    time: 1_763_650_000_000_000_000 + Int64(k) * 5_000_000_000,
                    measurement: "cpu",
                    tags: [Tag("host", "h0"), Tag("core", String(k % 4))],
                    fields: [
                        Field("usage_user", .float(Double(k % 17) / 10)), Field("usage_idle", .float(90 - Double(k % 7))),
                        Field("n", .int(Int64(k))), Field("state", .string(k % 10 == 0 ? "busy" : "idle")),
                    ]
                )
            )
        }
        let compressed = SealedBlock.seal(metrics)
        precondition(compressed.header.codec == .lz4, "the metrics block compresses")
        blocks.append(compressed.bytes(firstOffset: 0))
        // Two blocks back to back (the scanner moves from one to the next).
        blocks.append(SealedBlock.seal(events.prefix(2)).bytes(firstOffset: 0) + SealedBlock.seal(events.suffix(2)).bytes(firstOffset: 2))
        // A damaged block followed by a good one (the scanner resynchronises).
        var damaged = SealedBlock.seal(events.prefix(3)).bytes(firstOffset: 0)
        damaged[BlockHeader.size + 2] ^= 0x40
        blocks.append(damaged + SealedBlock.seal(events.prefix(1)).bytes(firstOffset: 3))
        return numbered("block", blocks)
    }

    // MARK: - Checkpoints

    static func smallViews() -> Views {
        Views(
            slots: SlotRegistry(limit: 4, warningAt: 3, historyCapacity: 4, conflictCapacity: 2),
            timelines: Timelines(tiers: [Timelines.Tier(stepSeconds: 5, points: 4), Timelines.Tier(stepSeconds: 60, points: 2)], seriesMax: 8)
        )
    }

    /// The scripted history of Tests/EvViewsTests/CheckpointTests.swift, shortened, with rule-triggering samples.
    static func scriptedEvents() -> [Event] {
        let t: Int64 = 1_763_650_000_000_000_000
        var events: [Event] = []
        func add(_ time: Int64, _ measurement: String, _ tags: [Tag], _ fields: [Field]) {
            events.append(Event(offset: Int64(events.count), time: time, measurement: measurement, tags: tags, fields: fields))
        }
        for k in 0..<12 {
            add(t + Int64(k) * 1_000_000_000, "cpu", [Tag("host", "h0")], [Field("usage_idle", .float(Double(k))), Field("n", .int(Int64(k)))])
        }
        add(t, "mem", [Tag("host", "h0")], [Field("used_percent", .float(97))])
        add(t, "health", [Tag("component", "gw"), Tag("host", "h0")], [Field("status", .string("connected")), Field("latency_ms", .int(12))])
        add(t + 1_000_000_000, "health", [Tag("component", "db")], [Field("status", .string("down")), Field("message", .string("gone"))])
        add(t + 5_000_000_000, "heartbeat", [Tag("component", "feed")], [Field("seq", .int(1))])
        add(t + 6_000_000_000, "slot", [Tag("strategy", "mm"), Tag("conid", "1"), Tag("symbol", "AAPL")], [Field("action", .string("acquire"))])
        add(t + 6_500_000_000, "slot", [Tag("strategy", "mm"), Tag("conid", "1"), Tag("symbol", "AAPL")], [Field("action", .string("acquire"))])
        add(t + 7_000_000_000, "slot", [Tag("strategy", "mm"), Tag("conid", "2"), Tag("symbol", "MSFT")], [Field("action", .string("release"))])
        add(t + 8_000_000_000, "alert", [Tag("alert", "cpu_high"), Tag("severity", "critical")], [Field("state", .string("firing")), Field("value", .float(93.5))])
        add(t + 9_000_000_000, "alert", [Tag("alert", "cpu_high"), Tag("severity", "critical")], [Field("state", .string("ack")), Field("by", .string("alice"))])
        add(t + 10_000_000_000, "alert", [Tag("alert", "disk"), Tag("severity", "warning"), Tag("mount", "/")], [Field("state", .string("firing"))])
        add(t + 11_000_000_000, "alert", [Tag("alert", "disk"), Tag("severity", "warning"), Tag("mount", "/")], [Field("state", .string("resolved"))])
        add(t + 12_000_000_000, "cpu", [Tag("host", "h1")], [Field("usage_idle", .float(3))])
        return events
    }

    static func checkpointSeeds() throws -> [(String, [UInt8])] {
        var payloads: [[UInt8]] = []
        payloads.append(ViewsCheckpoint.encode(smallViews(), maxEventTime: 0))
        let events = scriptedEvents()
        for split in [5, 14, events.count] {
            var views = smallViews()
            for e in events.prefix(split) { views.apply(e) }
            payloads.append(ViewsCheckpoint.encode(views, maxEventTime: events.prefix(split).map(\.time).max()!))
        }
        // Extreme event times (Tests/EvViewsTests/ExtremeTimeTests.swift): head buckets at both ends of the range.
        var extreme = smallViews()
        for (k, time) in [Int64.min, .min + 1, -1, 0, .max - 1, .max].enumerated() {
            extreme.apply(
                Event(offset: Int64(k), time: time, measurement: "cpu", tags: [Tag("host", "x")], fields: [Field("usage_idle", .float(1))])
            )
        }
        payloads.append(ViewsCheckpoint.encode(extreme, maxEventTime: .max))
        // The same as checkpoint files (the LZ4 envelope evqd writes), through CheckpointFile itself.
        var template = Array("/tmp/evq-fuzz-seeds-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw SeedError("mkdtemp failed") }
        let directory = String(cString: made)
        defer {
            try? FileSystem.remove(directory + "/" + CheckpointFile.name)
            _ = rmdir(directory)
        }
        var files: [[UInt8]] = []
        for payload in [payloads[0], payloads[3]] {  // empty views, and the whole scripted history
            try CheckpointFile.write(payload, directory: directory)
            files.append(try FileSystem.readFile(directory + "/" + CheckpointFile.name))
        }
        return numbered("views", payloads) + numbered("file", files)
    }

    struct SeedError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}

/// The same generator as Tests/EvCoreTests/Support/SplitMix64.swift.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
