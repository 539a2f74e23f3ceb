import EvCore
import PropertyBased
import Testing

/// Properties: the serializer and the parser are inverses, and the parser survives any bytes.
@Suite struct LineProtocolRoundTripTests {
    @Test("random metric events survive serialize then parse bit for bit")
    func metricRoundTrip() async {
        await propertyCheck(count: 1000, input: EventGen.lineEvent) { event in
            expectRoundTrip(event)
        }
    }

    @Test("random valid typed events survive serialize then parse bit for bit")
    func typedRoundTrip() async {
        await propertyCheck(count: 500, input: EventGen.typedEvent) { event in
            #expect(event.kind != .metric)
            expectRoundTrip(event)
        }
    }

    @Test("event sequences written as one stream parse back line by line")
    func streamRoundTrip() async {
        await propertyCheck(count: 100, input: EventGen.lineEvent.array(of: 1...20)) { events in
            var stream: [UInt8] = []
            for event in events { LineProtocolSerializer.append(event, to: &stream) }
            let lines = stream.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            #expect(lines.count == events.count + 1)
            #expect(lines.last?.isEmpty == true)
            var parser = LineProtocolParser()
            for (event, line) in zip(events, lines) {
                let parsed = parser.parseLine(Array(line), receiveTime: event.receiveTime, offset: event.offset)
                #expect(parsed.event?.isLosslessEqual(to: event) == true, "\(String(decoding: line, as: UTF8.self))")
            }
        }
    }

    @Test("hand-picked edge events round-trip", arguments: edgeEvents)
    func edgeRoundTrip(_ event: Event) {
        expectRoundTrip(event)
    }

    static let edgeEvents: [Event] = [
        Event(time: 0, measurement: " lead", fields: [Field("f", .float(-0.0))]),
        Event(time: .min, measurement: #"a\"#, tags: [Tag(#"\"#, #"\\"#)], fields: [Field(#"\ "#, .int(.min))]),
        Event(time: .max, measurement: "m=x", tags: [Tag("=", ",")], fields: [Field(" ", .uint(.max))]),
        Event(time: -1, measurement: #"\,\=\ "#, fields: [Field("s", .string(#"\"\\""#))]),
        Event(time: 1, measurement: "m", fields: [Field("s", .string(""))]),
        Event(
            time: 2,
            measurement: "m",
            fields: [Field("f", .float(.leastNonzeroMagnitude)), Field("g", .float(.greatestFiniteMagnitude))]
        ),
        Event(time: 3, measurement: "m#", tags: [Tag("#", "#")], fields: [Field("#", .bool(false))]),
        Event(time: 4, measurement: "é測🙂", tags: [Tag("é", "🙂")], fields: [Field("測", .string("🙂 \" \\"))]),
        Event(time: 5, measurement: "m\t", tags: [Tag("\tk", "v\t")], fields: [Field("\t", .float(1e-5))]),
    ]

    // MARK: - Fuzz

    @Test("the parser never traps on 100,000 random byte strings, and re-serializes whatever it accepts to itself")
    func fuzz() {
        var rng = SplitMix64(seed: 0xE71_C0DE_5EED)
        let small = Limits(lineBytesMax: 48, nameBytesMax: 6, stringFieldBytesMax: 5, fieldCountMax: 3, tagCountMax: 2)
        var parsers = [LineProtocolParser(), LineProtocolParser(limits: small)]
        var verifier = LineProtocolParser()
        let corpus = Self.corpus
        var events = 0
        var errors = 0
        var others = 0
        var failures = 0
        for iteration in 0..<100_000 {
            let bytes: [UInt8]
            switch iteration % 3 {
            case 0: bytes = Fuzz.randomBytes(using: &rng)
            case 1: bytes = Fuzz.mutate(corpus.randomElement(using: &rng)!, using: &rng)
            default:
                let line = Fuzz.structuredLine(using: &rng)
                bytes = Bool.random(using: &rng) ? line : Fuzz.mutate(line, using: &rng)
            }
            let which = Int.random(in: 0..<parsers.count, using: &rng)
            parsers[which].precision = Precision.allCases.randomElement(using: &rng)!
            let receiveTime = Int64.random(in: .min ... .max, using: &rng)
            switch parsers[which].parseLine(bytes, receiveTime: receiveTime, offset: Int64(iteration)) {
            case .event(let event):
                events += 1
                // What the parser accepts, the serializer writes so that the parser reads the same event again.
                let line = Array(LineProtocolSerializer.line(event).utf8)
                let again = verifier.parseLine(line, receiveTime: receiveTime, offset: Int64(iteration))
                if again.event?.isLosslessEqual(to: event) != true {
                    failures += 1
                    if failures <= 5 {
                        Issue.record("input \(visible(bytes)) -> \(visible(line)) -> \(again)")
                    }
                }
            case .failure(let error):
                errors += 1
                let description = error.description
                if error.column < 1 || error.column > bytes.count + 1 || description.isEmpty
                    || description.contains("\n") || description.contains("\r")
                {
                    failures += 1
                    if failures <= 5 {
                        Issue.record("input \(visible(bytes)) -> col \(error.column) \(description)")
                    }
                }
            case .blank, .comment:
                others += 1
            }
        }
        #expect(failures == 0)
        // The generators must reach deep into the parser, not only its first byte.
        #expect(events > 5_000, "events \(events)")
        #expect(errors > 20_000, "errors \(errors)")
        #expect(others > 100, "blank or comment \(others)")
    }

    /// Valid lines the mutations start from.
    static let corpus: [[UInt8]] = [
        #"m f=1"#,
        #"cpu,host=a\ b,region=eu usage=0.5,count=3i,label="x\"y",up=true 99"#,
        #"my\ meas\,ure,t\ k\,e\=y=v\ a\,l\=ue f\ k=-1.5e-3,g=12u,h="a\\b",i=T -1"#,
        #"health,component=db status="ok",latency_ms=3 1700000000000000000"#,
        #"slot,strategy=s1,conid=265598,symbol=AAPL action="acquire""#,
        #"alert,alert=disk_full,severity=critical state="firing",message="95%""#,
        #"heartbeat,component=feed seq=1i"#,
        #"température,lieu=salle\ à\ manger valeur=21.5,測="🙂""#,
        #"m a=1,b=2,c=3,d=4 5"#,
        #"m,a=1,b=2,c=3 f=.5"#,
        #"m f=9223372036854775807i,g=18446744073709551615u,h=-9223372036854775808i"#,
        #"  m f=1E10  123  "#,
        "m f=1 5\r",
        #"#evq sync abc"#,
    ].map { Array($0.utf8) }

    // MARK: - Helpers

    private func expectRoundTrip(_ event: Event, sourceLocation: SourceLocation = #_sourceLocation) {
        var bytes: [UInt8] = []
        LineProtocolSerializer.append(event, to: &bytes)
        #expect(bytes.last == UInt8(ascii: "\n"), sourceLocation: sourceLocation)
        bytes.removeLast()
        #expect(!bytes.contains(UInt8(ascii: "\n")), "one event, one line", sourceLocation: sourceLocation)
        var parser = LineProtocolParser()
        let result = parser.parseLine(bytes, receiveTime: event.receiveTime, offset: event.offset)
        guard let parsed = result.event else {
            Issue.record("\(visible(bytes)): \(result)", sourceLocation: sourceLocation)
            return
        }
        #expect(
            parsed.isLosslessEqual(to: event),
            "line: \(String(decoding: bytes, as: UTF8.self))",
            sourceLocation: sourceLocation
        )
        #expect(parser.hasTimestamp, sourceLocation: sourceLocation)
    }
}

/// Byte-string generators for the parser fuzz.
enum Fuzz {
    /// Bytes that matter to line protocol, weighted by repetition.
    static let syntaxBytes: [UInt8] = Array(#", =\"\\i0123456789.eEtTfFu-+#mabx, = "#.utf8) + [0x0D, 0x09, 0x20, 0x20]

    static let pieces: [[UInt8]] =
        [
            "é", "測", "🙂", "true", "FALSE", "12i", "-3u", "1e-3", "\"a\\\"b\"", "\\ ", "\\,", "\\=", "\\\\", " 123",
            "=\"",
            "health", "status=\"ok\"", ",component=x", "#evq sync 1", "9223372036854775808", "18446744073709551615u",
        ].map { Array($0.utf8) } + [[0xC3], [0x80], [0xFF], [0xED, 0xA0, 0x80], [0xF0, 0x9F], [0x00], [0x0A]]

    static func randomBytes(using rng: inout some RandomNumberGenerator) -> [UInt8] {
        let count = Int.random(in: 0...40, using: &rng)
        var out: [UInt8] = []
        while out.count < count {
            switch Int.random(in: 0..<20, using: &rng) {
            case 0: out.append(UInt8.random(in: .min ... .max, using: &rng))
            case 1...3: out += pieces.randomElement(using: &rng)!
            default: out.append(syntaxBytes.randomElement(using: &rng)!)
            }
        }
        return out
    }

    static func mutate(_ line: [UInt8], using rng: inout some RandomNumberGenerator) -> [UInt8] {
        var out = line
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            let position = Int.random(in: 0...out.count, using: &rng)
            let byte =
                Bool.random(using: &rng)
                ? syntaxBytes.randomElement(using: &rng)! : UInt8.random(in: .min ... .max, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0 where position < out.count: out[position] = byte
            case 1: out.insert(byte, at: position)
            case 2 where position < out.count: out.remove(at: position)
            case 3: out.removeLast(out.count - position)
            case 4: out.insert(contentsOf: pieces.randomElement(using: &rng)!, at: position)
            default:
                let end = Int.random(in: position...out.count, using: &rng)
                out.insert(contentsOf: out[position..<end], at: position)
            }
        }
        return out
    }

    static let nameParts: [String] = [
        "a", "b", "x", "Z", "é", "測", "🙂", "\\ ", "\\,", "\\=", "\\\\", "\\", "\"", "#", "\t", "i", "1",
    ]
    static let valueParts: [String] = [
        "1", "-1.5e-3", "1E10", ".5", "0", "-0", "12i", "-3i", "12u", "9223372036854775807i", "18446744073709551615u",
        "t", "TRUE", "false", "F", "\"\"", "\"a\\\"b\"", "\"a\\\\\"", "\"x y,z=w\"", "\"é🙂\"", "1e400", "12x",
    ]

    static func name(using rng: inout some RandomNumberGenerator) -> String {
        (0..<Int.random(in: 1...4, using: &rng)).map { _ in nameParts.randomElement(using: &rng)! }.joined()
    }

    /// A line built from valid-looking parts, so that most of them parse.
    static func structuredLine(using rng: inout some RandomNumberGenerator) -> [UInt8] {
        var line = name(using: &rng)
        for _ in 0..<Int.random(in: 0...3, using: &rng) {
            line += "," + name(using: &rng) + "=" + name(using: &rng)
        }
        line += " "
        for k in 0..<Int.random(in: 1...4, using: &rng) {
            if k > 0 { line += "," }
            line += name(using: &rng) + "=" + valueParts.randomElement(using: &rng)!
        }
        if Bool.random(using: &rng) { line += " " + String(Int64.random(in: -1_000_000...1_000_000_000, using: &rng)) }
        return Array(line.utf8)
    }
}
