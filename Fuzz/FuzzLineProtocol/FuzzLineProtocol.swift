import EvCore
import EvStorage
import FuzzSupport

/// libFuzzer target: the line-protocol parser and `#evq` control lines on arbitrary bytes.
///
/// The input is a stream of lines split at `\n`, read as ingest reads a connection: one parser per stream (so its
/// reused buffers are exercised), `#evq precision` changing the unit of the following timestamps. Each stream is
/// read twice, with the default limits and with tiny ones. Properties checked besides "does not trap":
/// - an error names a column within the line (1 … length + 1) and a one-line, non-empty reason;
/// - a line the parser calls an event or blank is no control line (`ControlLine.parse` returns nil);
/// - an accepted line's shape key is `EventShapeCodec.encode` of its event's shape, and a line without a timestamp
///   takes the receive time;
/// - an accepted line written back by `LineProtocolSerializer` parses to the same event, bit for bit;
/// - the accepted events, appended from the parser and appended as events, encode to the same block body, which
///   (sealed with LZ4 when that is smaller) decodes back to the same events.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLineProtocol(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    for limits in LineProtocolTarget.limits {
        LineProtocolTarget.run(input, limits: limits)
    }
    return 0
}

enum LineProtocolTarget {
    static let limits = [
        Limits.default,
        Limits(lineBytesMax: 48, nameBytesMax: 6, stringFieldBytesMax: 5, fieldCountMax: 3, tagCountMax: 2),
    ]
    /// Receive times the lines take in turn: ordinary, extremes, zero, negative.
    static let receiveTimes: [Int64] = [1_700_000_000_000_000_042, .max, .min, 0, -1]

    static func run(_ input: UnsafeRawBufferPointer, limits: Limits) {
        var parser = LineProtocolParser(limits: limits)
        // Reads the written-back lines: no line length limit (escaping may lengthen a line), the same name limits.
        var verifier = LineProtocolParser(
            limits: Limits(
                lineBytesMax: 1 << 30,
                nameBytesMax: limits.nameBytesMax,
                stringFieldBytesMax: limits.stringFieldBytesMax,
                fieldCountMax: limits.fieldCountMax,
                tagCountMax: limits.tagCountMax
            )
        )
        var fromParser = BlockEncoder(rowCapacity: 256)
        var fromEvents = BlockEncoder(rowCapacity: 256)
        var accepted: [Event] = []
        var lineStart = 0
        var lineNumber = 0
        while lineStart <= input.count {
            var lineEnd = lineStart
            while lineEnd < input.count && input[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            let line = UnsafeRawBufferPointer(rebasing: input[lineStart..<lineEnd])
            let receiveTime = receiveTimes[lineNumber % receiveTimes.count]
            let offset = Int64(accepted.count)
            switch parse(&parser, line, receiveTime: receiveTime) {
            case .failure(let error):
                checkError(error, line: line)
            case .success(.comment):
                switch control(line) {
                case .success(.precision(let precision)): parser.precision = precision
                case .success(.sync(let token)):
                    Fuzz.check(
                        (1...ControlLine.tokenBytesMax).contains(token.utf8.count)
                            && token.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F },
                        "sync token \(Fuzz.visible(token.utf8)) accepted"
                    )
                case .success(.auth(let token)):
                    Fuzz.check(!token.isEmpty && !token.utf8.contains(UInt8(ascii: " ")), "auth token \(token)")
                case .success(nil): break
                case .failure(let error): checkError(error, line: line)
                }
            case .success(let outcome):
                if case .success(nil) = control(line) {} else {
                    Fuzz.fail("\(outcome) line \(Fuzz.visible(line)) is also a control line")
                }
                guard outcome == .event else { break }
                let event = parser.makeEvent(offset: offset, receiveTime: receiveTime)
                checkEvent(event, parser: parser, verifier: &verifier, line: line, receiveTime: receiveTime)
                fromParser.append(parser, receiveTime: receiveTime)
                fromEvents.append(event)
                accepted.append(event)
            }
            lineStart = lineEnd + 1
            lineNumber += 1
        }
        guard !accepted.isEmpty else { return }
        checkBlock(&fromParser, &fromEvents, accepted)
    }

    static func checkError(_ error: LineProtocolError, line: UnsafeRawBufferPointer) {
        let description = error.description
        Fuzz.check(
            error.column >= 1 && error.column <= line.count + 1,
            "column \(error.column) outside a \(line.count)-byte line \(Fuzz.visible(line)): \(description)"
        )
        Fuzz.check(
            !description.isEmpty && !description.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }),
            "reason \(Fuzz.visible(description.utf8)) for \(Fuzz.visible(line))"
        )
    }

    static func checkEvent(
        _ event: Event,
        parser: LineProtocolParser,
        verifier: inout LineProtocolParser,
        line: UnsafeRawBufferPointer,
        receiveTime: Int64
    ) {
        var key: [UInt8] = []
        EventShapeCodec.encode(event.shape, to: &key)
        Fuzz.check(key == parser.shapeKey, "shape key of \(Fuzz.visible(line)) differs from its encoded shape")
        Fuzz.check(parser.hasTimestamp || event.time == receiveTime, "\(Fuzz.visible(line)) without timestamp")
        Fuzz.check(event.receiveTime == receiveTime, "receive time of \(Fuzz.visible(line))")
        var written: [UInt8] = []
        LineProtocolSerializer.append(event, to: &written)
        Fuzz.check(
            written.last == UInt8(ascii: "\n") && written.firstIndex(of: UInt8(ascii: "\n")) == written.count - 1,
            "\(Fuzz.visible(line)) written as \(Fuzz.visible(written)): not one line"
        )
        written.removeLast()
        let again = written.withUnsafeBytes { parse(&verifier, $0, receiveTime: receiveTime) }
        guard case .success(.event) = again else {
            Fuzz.fail("\(Fuzz.visible(line)) written as \(Fuzz.visible(written)) reads back as \(again)")
        }
        let reread = verifier.makeEvent(offset: event.offset, receiveTime: receiveTime)
        Fuzz.check(
            reread.isLosslessEqual(to: event),
            "\(Fuzz.visible(line)) written as \(Fuzz.visible(written)) reads back as a different event"
        )
    }

    static func checkBlock(_ fromParser: inout BlockEncoder, _ fromEvents: inout BlockEncoder, _ events: [Event]) {
        let sealed = SealedBlock.seal(&fromParser)
        let expectedBody = fromEvents.finish()
        let raw: [UInt8]
        switch sealed.header.codec {
        case .none: raw = sealed.body
        case .lz4:
            guard let decompressed = sealed.body.withUnsafeBytes({ LZ4.decompress($0, rawBytes: sealed.header.rawBytes) })
            else { Fuzz.fail("a sealed block of \(events.count) events does not decompress") }
            raw = decompressed
        }
        Fuzz.check(raw == expectedBody, "parser path and event path encode different bodies")
        var decoded: [Event] = []
        let result = raw.withUnsafeBytes { body -> Result<Void, BlockDecodeError> in
            do throws(BlockDecodeError) {
                try BlockDecoder.decode(body: body, header: sealed.header, into: &decoded)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        if case .failure(let error) = result { Fuzz.fail("block of accepted lines does not decode: \(error)") }
        Fuzz.check(decoded.count == events.count, "block of \(events.count) events decodes to \(decoded.count)")
        for (a, b) in zip(decoded, events) {
            Fuzz.check(a.isLosslessEqual(to: b), "event \(b.offset) decodes differently from the block")
        }
    }

    static func parse(
        _ parser: inout LineProtocolParser,
        _ line: UnsafeRawBufferPointer,
        receiveTime: Int64
    ) -> Result<LineProtocolParser.Outcome, LineProtocolError> {
        do throws(LineProtocolError) {
            return .success(try parser.parse(line, receiveTime: receiveTime))
        } catch {
            return .failure(error)
        }
    }

    static func control(_ line: UnsafeRawBufferPointer) -> Result<ControlLine?, LineProtocolError> {
        do throws(LineProtocolError) {
            return .success(try ControlLine.parse(line))
        } catch {
            return .failure(error)
        }
    }
}
