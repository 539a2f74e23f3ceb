import EvCore
import PropertyBased

/// Generators of events for the round-trip properties.
///
/// Names mix letters with every byte line protocol escapes (`,` space `=` `\`), quotes, `#`, tabs and multi-byte
/// UTF-8, so the serializer's escaping and the parser's unescaping meet every combination of neighbours.
enum EventGen {
    static let nameCharacters: [Character] = [
        "a", "b", "x", "Z", "0", "7", "_", "-", ".", "i", "u", "t", "e",
        " ", ",", "=", "\"", "\\", "'", "#", "\t", "é", "ß", "測", "🙂",
    ]

    static let nameCharacter = Gen<Character?>.element(of: nameCharacters).map { $0! }
    /// Tag keys, tag values and field keys: never empty (line protocol cannot express an empty one).
    static let name = nameCharacter.string(of: 1...8)
    /// String field values may be empty.
    static let stringValue = nameCharacter.string(of: 0...12)
    static let measurement = name.map(expressibleMeasurement)

    /// Line protocol cannot express a measurement that starts with `#` (a comment) or a tab (skipped as leading
    /// whitespace; a leading space is fine, it is written `\ `), and a reserved name would make a typed event.
    static func expressibleMeasurement(_ s: String) -> String {
        if s.first == "#" || s.first == "\t" || EventKind(measurement: s.utf8) != .metric { return "m" + s }
        return s
    }

    static let specialDoubles: [Double] = [
        0.0, -0.0, 1, -1, 1.5, 8.3, 0.1, 0.2, 0.30000000000000004, -2.5e-8, 1e22, 1e23, 1e-7,
        9_007_199_254_740_992, 9_007_199_254_740_994, 123_456_789.125, .ulpOfOne, .greatestFiniteMagnitude,
        -.greatestFiniteMagnitude,
        .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude, -.leastNormalMagnitude,
    ]

    /// Finite doubles of every magnitude: random bit patterns, short decimals, edge values and plain ranges.
    static let finiteDouble = Gen<Double>.oneOf(
        Gen.uint64().map { Double(bitPattern: $0) }.filter { $0.isFinite },
        Gen<Double?>.element(of: specialDoubles).map { $0! },
        zip(Gen.int64(in: -999_999_999_999...999_999_999_999), Gen.int(in: 0...12)).map { Double("\($0)e-\($1)")! },
        Gen.double(in: -1000...1000)
    )

    /// Every double, NaN payloads and infinities included: blocks store them bit for bit.
    static let anyDouble = Gen<Double>.oneOf(
        finiteDouble,
        Gen.uint64().map { Double(bitPattern: $0) },
        Gen<Double?>.element(of: [
            .nan, -.nan, .signalingNaN, Double(bitPattern: 0x7FF8_0000_DEAD_BEEF),
            Double(bitPattern: 0xFFF0_0000_0000_0001),
            .infinity, -.infinity,
        ]).map { $0! }
    )

    static let time = Gen<Int64>.oneOf(
        Gen.int64(),
        Gen.int64(in: 1_600_000_000_000_000_000...1_800_000_000_000_000_000),
        Gen<Int64?>.element(of: [Int64.min, Int64.max, 0, -1]).map { $0! }
    )

    static func fieldValue<S: Sequence & SendableMetatype>(
        float: Generator<Double, S>
    ) -> Generator<FieldValue, some Sequence & SendableMetatype> {
        Gen<FieldValue>.oneOf(
            float.map { FieldValue.float($0) },
            Gen.int64().map { FieldValue.int($0) },
            Gen<Int64?>.element(of: [Int64.min, Int64.max, 0, -1]).map { FieldValue.int($0!) },
            Gen.uint64().map { FieldValue.uint($0) },
            Gen<UInt64?>.element(of: [0, 1, UInt64.max]).map { FieldValue.uint($0!) },
            stringValue.map { FieldValue.string($0) },
            Gen.bool.map { FieldValue.bool($0) }
        )
    }

    /// Tags with distinct keys, in the order generated.
    static let tags = zip(name, name).array(of: 0...4).map { pairs in
        var seen = Set<String>()
        return pairs.filter { seen.insert($0.0).inserted }.map { Tag($0.0, $0.1) }
    }

    /// One to six fields with distinct keys.
    static func fields<S: Sequence & SendableMetatype>(
        float: Generator<Double, S>
    ) -> Generator<[Field], some Sequence & SendableMetatype> {
        zip(name, fieldValue(float: float)).array(of: 1...6).map { pairs in
            var seen = Set<String>()
            return pairs.filter { seen.insert($0.0).inserted }.map { Field($0.0, $0.1) }
        }
    }

    /// Metric events that line protocol can express: finite floats, expressible names.
    static let lineEvent: Generator<Event, some Sequence & SendableMetatype> = zip(
        measurement,
        tags,
        fields(float: finiteDouble),
        time,
        time,
        Gen.int64(in: 0...Int64.max)
    )
    .map { t in Event(offset: t.5, time: t.3, receiveTime: t.4, measurement: t.0, tags: t.1, fields: t.2) }

    /// Valid typed events (health, heartbeat, slot, alert) with extra tags and fields in random order.
    static let typedEvent = Generator<Event, Shrink.None<Event>> { rng in randomTypedEvent(using: &rng) }

    // MARK: - Random building blocks (for generators without shrinking)

    static func randomName(using rng: inout some RandomNumberGenerator, count: ClosedRange<Int> = 1...8) -> String {
        let n = Int.random(in: count, using: &rng)
        return String((0..<n).map { _ in nameCharacters.randomElement(using: &rng)! })
    }

    /// `word` in lower, upper or capitalized case: typed-event words match ignoring ASCII case.
    static func randomCase(_ word: String, using rng: inout some RandomNumberGenerator) -> String {
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: word
        case 1: word.uppercased()
        default: word.prefix(1).uppercased() + word.dropFirst()
        }
    }

    static func randomTypedEvent(using rng: inout some RandomNumberGenerator) -> Event {
        let kind = [EventKind.health, .heartbeat, .slot, .alert].randomElement(using: &rng)!
        var tags: [Tag] = TypedEventRules.requiredTags(kind).map { Tag($0, randomName(using: &rng)) }
        var fields: [Field] = []
        switch kind {
        case .health:
            let word = HealthColor.statusWords.randomElement(using: &rng)!.word
            fields.append(Field("status", .string(randomCase(word, using: &rng))))
        case .slot:
            let word = TypedEventRules.slotActions.randomElement(using: &rng)!
            fields.append(Field("action", .string(randomCase(word, using: &rng))))
        case .alert:
            let severity = TypedEventRules.alertSeverities.randomElement(using: &rng)!
            tags = tags.map { $0.key == "severity" ? Tag("severity", randomCase(severity, using: &rng)) : $0 }
            let state = TypedEventRules.alertStates.randomElement(using: &rng)!
            fields.append(Field("state", .string(randomCase(state, using: &rng))))
        case .heartbeat, .metric:
            break
        }
        for _ in 0..<Int.random(in: 0...2, using: &rng) {
            let key = randomName(using: &rng)
            if !tags.contains(where: { $0.key == key }) { tags.append(Tag(key, randomName(using: &rng))) }
        }
        for _ in 0..<Int.random(in: (fields.isEmpty ? 1 : 0)...3, using: &rng) {
            let key = randomName(using: &rng)
            if !fields.contains(where: { $0.key == key }) {
                fields.append(
                    Field(key, BlockGen.randomValue(of: FieldType.allCases.randomElement(using: &rng)!, using: &rng))
                )
            }
        }
        if fields.isEmpty { fields.append(Field("latency_ms", .float(1.5))) }
        tags.shuffle(using: &rng)
        fields.shuffle(using: &rng)
        let time = Int64.random(in: .min ... .max, using: &rng)
        return Event(time: time, receiveTime: time &+ 17, measurement: kind.description, tags: tags, fields: fields)
    }
}

/// Random event sequences for block round trips: a few shapes that repeat, values that follow each other the way
/// real series do (so deltas, repeated strings and scale changes all occur) and edge values.
enum BlockGen {
    struct Template {
        var measurement: String
        var tags: [Tag]
        var keys: [String]
        var types: [FieldType]
    }

    static let stringPool = ["", "a", "ok", "é測🙂", "with \"quotes\" and \\ backslash", "long string value 0123456789"]

    /// Sequences of 1…`maxCount` events; with `finiteFloats` only what line protocol can carry.
    static func events(maxCount: Int = 40, finiteFloats: Bool) -> Generator<[Event], Shrink.None<[Event]>> {
        Generator { rng in randomEvents(count: 1...maxCount, finiteFloats: finiteFloats, using: &rng) }
    }

    static func randomTemplate(using rng: inout some RandomNumberGenerator) -> Template {
        var tags: [Tag] = []
        for _ in 0..<Int.random(in: 0...3, using: &rng) {
            let key = EventGen.randomName(using: &rng)
            if !tags.contains(where: { $0.key == key }) { tags.append(Tag(key, EventGen.randomName(using: &rng))) }
        }
        var keys: [String] = []
        for _ in 0..<Int.random(in: 1...6, using: &rng) {
            let key = EventGen.randomName(using: &rng)
            if !keys.contains(key) { keys.append(key) }
        }
        return Template(
            measurement: EventGen.expressibleMeasurement(EventGen.randomName(using: &rng)),
            tags: tags,
            keys: keys,
            types: keys.map { _ in FieldType.allCases.randomElement(using: &rng)! }
        )
    }

    static func randomEvents(
        count: ClosedRange<Int>,
        finiteFloats: Bool,
        using rng: inout some RandomNumberGenerator
    ) -> [Event] {
        let templates = (0..<Int.random(in: 1...5, using: &rng)).map { _ in randomTemplate(using: &rng) }
        var previous: [Int: [FieldValue]] = [:]
        var events: [Event] = []
        var template = 0
        var time = Int64.random(in: 1_600_000_000_000_000_000...1_800_000_000_000_000_000, using: &rng)
        for _ in 0..<Int.random(in: count, using: &rng) {
            if Bool.random(using: &rng) { template = Int.random(in: 0..<templates.count, using: &rng) }
            let t = templates[template]
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: time = Int64.random(in: .min ... .max, using: &rng)
            case 1: time = [Int64.min, .max, 0, -1].randomElement(using: &rng)!
            default: time &+= Int64.random(in: -1_000_000...1_000_000_000, using: &rng)
            }
            let receiveTime: Int64 =
                Int.random(in: 0..<8, using: &rng) == 0 ? .random(in: .min ... .max, using: &rng) : time &+ 12_345
            var values: [FieldValue] = []
            for (k, type) in t.types.enumerated() {
                let last = previous[template]?[k]
                values.append(nextValue(of: type, after: last, finiteFloats: finiteFloats, using: &rng))
            }
            previous[template] = values
            let shape = EventShape(measurement: t.measurement, tags: t.tags, fieldKeys: t.keys, fieldTypes: t.types)
            events.append(Event(offset: 0, time: time, receiveTime: receiveTime, shape: shape, values: values))
        }
        return events
    }

    /// A value of `type`, often close to or equal to the field's previous value.
    static func nextValue(
        of type: FieldType,
        after last: FieldValue?,
        finiteFloats: Bool,
        using rng: inout some RandomNumberGenerator
    ) -> FieldValue {
        let roll = Int.random(in: 0..<10, using: &rng)
        switch (type, last) {
        case (_, let last?) where roll == 0:
            return last
        case (.float, .float(let v)?) where roll < 4 && v.isFinite:
            let step = Double("\(Int.random(in: -999...999, using: &rng))e-\(Int.random(in: 0...4, using: &rng))")!
            let next = v + step
            return .float(next.isFinite ? next : step)
        case (.int, .int(let v)?) where roll < 4:
            return .int(v &+ Int64.random(in: -1000...1000, using: &rng))
        case (.uint, .uint(let v)?) where roll < 4:
            return .uint(v &+ UInt64.random(in: 0...1000, using: &rng))
        case (.float, _) where !finiteFloats && roll == 9:
            let odd: [Double] = [
                .nan, -.nan, .signalingNaN, Double(bitPattern: 0x7FF8_0000_DEAD_BEEF), .infinity, -.infinity,
            ]
            return .float(Bool.random(using: &rng) ? odd.randomElement(using: &rng)! : Double(bitPattern: rng.next()))
        default:
            return randomValue(of: type, using: &rng, finiteFloats: finiteFloats)
        }
    }

    static func randomValue(
        of type: FieldType,
        using rng: inout some RandomNumberGenerator,
        finiteFloats: Bool = true
    ) -> FieldValue {
        switch type {
        case .float:
            switch Int.random(in: 0..<5, using: &rng) {
            case 0:
                // A short decimal, the form the block codec stores as mantissa and scale.
                let m = Int64.random(in: -99_999_999...99_999_999, using: &rng)
                return .float(Double("\(m)e-\(Int.random(in: 0...8, using: &rng))")!)
            case 1:
                return .float(EventGen.specialDoubles.randomElement(using: &rng)!)
            case 2:
                return .float(Double.random(in: -1e6...1e6, using: &rng))
            default:
                var v = Double(bitPattern: rng.next())
                while finiteFloats && !v.isFinite { v = Double(bitPattern: rng.next()) }
                return .float(v)
            }
        case .int:
            return .int(
                Bool.random(using: &rng)
                    ? [Int64.min, .max, 0, -1, 1].randomElement(using: &rng)! : .random(in: .min ... .max, using: &rng)
            )
        case .uint:
            return .uint(
                Bool.random(using: &rng) ? [0, 1, UInt64.max].randomElement(using: &rng)! : rng.next()
            )
        case .string:
            return .string(
                Bool.random(using: &rng)
                    ? stringPool.randomElement(using: &rng)! : EventGen.randomName(using: &rng, count: 0...10)
            )
        case .bool:
            return .bool(Bool.random(using: &rng))
        }
    }
}
