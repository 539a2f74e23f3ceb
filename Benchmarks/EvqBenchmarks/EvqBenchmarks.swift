import Benchmark
import EvCore
import EvStorage
import EvViews
import Glibc
import Logging

/// The reference workload (`../shared/workload/lpgen.c`), read from the file `EVQ_WORKLOAD` names
/// (tools/bench generates it): lines of line protocol.
let workload: [[UInt8]] = {
    guard let path = getenv("EVQ_WORKLOAD").map({ String(cString: $0) }) else {
        fatalError("set EVQ_WORKLOAD to a file made by lpgen (tools/bench does this)")
    }
    let bytes = try! FileSystem.readFile(path)
    return bytes.split(separator: UInt8(ascii: "\n")).map(Array.init)
}()

let linesPerIteration = 100_000

/// The workload as sealed blocks of ~the size ingest makes them.
let sealedBlocks: [SealedBlock] = seal(workload.prefix(linesPerIteration))

/// Lines parsed and sealed into blocks of ~the size ingest makes them.
func seal(_ lines: ArraySlice<[UInt8]>) -> [SealedBlock] {
    var parser = LineProtocolParser()
    var encoder = BlockEncoder()
    var blocks: [SealedBlock] = []
    for line in lines {
        _ = line.withUnsafeBytes { try! parser.parse($0, receiveTime: 1) }
        encoder.append(parser, receiveTime: 1)
        if encoder.rawBytes >= 1024 * 1024 { blocks.append(SealedBlock.seal(&encoder)) }
    }
    if !encoder.isEmpty { blocks.append(SealedBlock.seal(&encoder)) }
    return blocks
}

let benchmarks: @Sendable () -> Void = {
    let throughput = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .cpuTotal],
        scalingFactor: .kilo,
        maxDuration: .seconds(5),
        maxIterations: 50
    )

    Benchmark("parse: reference workload lines (×1000 per iteration unit)", configuration: throughput) { benchmark in
        var parser = LineProtocolParser()
        for _ in benchmark.scaledIterations {
            for line in workload.prefix(linesPerIteration / 100) {
                line.withUnsafeBytes { blackHole(try! parser.parse($0, receiveTime: 1)) }
            }
            // 1,000 lines per scaled iteration.
        }
    }

    Benchmark("parse+encode+seal: lines into LZ4 blocks (×1000)", configuration: throughput) { benchmark in
        var parser = LineProtocolParser()
        var encoder = BlockEncoder()
        var k = 0
        for _ in benchmark.scaledIterations {
            for _ in 0..<1000 {
                let line = workload[k % workload.count]
                k += 1
                _ = line.withUnsafeBytes { try! parser.parse($0, receiveTime: 1) }
                encoder.append(parser, receiveTime: 1)
                if encoder.rawBytes >= 1024 * 1024 { blackHole(SealedBlock.seal(&encoder)) }
            }
        }
    }

    Benchmark("replay: decompress+decode events (×1000)", configuration: throughput) { benchmark in
        // One scaled iteration decodes 1,000 events on average: the blocks hold `linesPerIteration` events.
        let rounds = max(1, benchmark.scaledIterations.count / (linesPerIteration / 1000))
        benchmark.startMeasurement()
        for _ in 0..<rounds {
            for block in sealedBlocks {
                let raw = block.header.codec == .lz4
                    ? block.body.withUnsafeBytes { LZ4.decompress($0, rawBytes: block.header.rawBytes)! }
                    : block.body
                try! BlockDecoder.forEach(body: raw, header: block.header) { blackHole($0) }
            }
        }
    }

    // A rebuild from the log: the first million events of the workload (2,000 series, 500 ticks of 5 s) applied in
    // order to fresh views, so series creation and ring allocation are part of the figure. Throughput in events/s.
    let rebuild = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .cpuTotal],
        scalingFactor: .mega,
        maxDuration: .seconds(10),
        maxIterations: 20
    )

    Benchmark("views: apply 1 M decoded events to fresh views (×1M)", configuration: rebuild) { benchmark in
        let events = replayEvents
        precondition(benchmark.scaledIterations.count <= events.count)
        var views = Views()
        benchmark.startMeasurement()
        events.withUnsafeBufferPointer { events in
            for k in benchmark.scaledIterations { views.apply(events[k]) }
        }
        benchmark.stopMeasurement()
        blackHole(views.applied)
    }

    Benchmark("replay: decompress+decode+apply 1 M events to fresh views (×1M)", configuration: rebuild) { benchmark in
        precondition(benchmark.scaledIterations.count == replayLines)
        var views = Views()
        let interner = ShapeInterner()  // as LogReader and the live engine decode
        benchmark.startMeasurement()
        for block in replayBlocks {
            let raw = block.header.codec == .lz4
                ? block.body.withUnsafeBytes { LZ4.decompress($0, rawBytes: block.header.rawBytes)! }
                : block.body
            try! BlockDecoder.forEach(body: raw, header: block.header, interner: interner) { views.apply($0) }
        }
        benchmark.stopMeasurement()
        blackHole(views.applied)
    }

    Benchmark(
        "timeline: 720-point query of one series (in process)",
        configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(3), maxIterations: 100_000)
    ) { benchmark in
        let views = fullViews
        let end = decodedEvents.last!.time
        var k = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try! views.timelines.query(series: k % views.timelines.seriesCount, end: end, points: 720))
            k += 7
        }
    }

    Benchmark(
        "append+fsync: one 1,000-event block per commit",
        configuration: .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(5), maxIterations: 2000)
    ) { benchmark in
        let directory = "/tmp/evq-bench-append-\(getpid())"
        let log = try! SegmentLog(directory: directory, logger: Logger(label: "bench"))
        let block = SealedBlock.seal(decodeFirst(1000))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            try! log.append([block])
            try! log.sync()
        }
        benchmark.stopMeasurement()
        try! log.close()
        for name in try! FileSystem.list(directory) { try! FileSystem.remove(directory + "/" + name) }
        rmdir(directory)
    }
}

let replayLines = 1_000_000

/// The first `replayLines` lines of the workload as sealed blocks.
let replayBlocks: [SealedBlock] = seal(workload.prefix(replayLines))

/// `replayBlocks` decoded once, shapes interned as a reader does.
let replayEvents: [Event] = {
    var events: [Event] = []
    events.reserveCapacity(replayLines)
    let interner = ShapeInterner()
    for block in replayBlocks {
        let raw = block.body.withUnsafeBytes { LZ4.decompress($0, rawBytes: block.header.rawBytes)! }
        try! BlockDecoder.forEach(body: raw, header: block.header, interner: interner) { events.append($0) }
    }
    return events
}()

/// The sealed blocks decoded once.
let decodedEvents: [Event] = {
    var events: [Event] = []
    for block in sealedBlocks {
        let raw = block.body.withUnsafeBytes { LZ4.decompress($0, rawBytes: block.header.rawBytes)! }
        try! BlockDecoder.forEach(body: raw, header: block.header) { events.append($0) }
    }
    return events
}()

/// Views with the whole workload file applied (an hour and more of 5 s ticks: full 720-point rings).
let fullViews: Views = {
    var views = Views()
    var parser = LineProtocolParser()
    for (k, line) in workload.enumerated() {
        _ = line.withUnsafeBytes { try! parser.parse($0, receiveTime: 1) }
        views.apply(parser.makeEvent(offset: Int64(k), receiveTime: 1))
    }
    let bytesPerPoint = Double(views.timelines.pointBytes) / Double(views.timelines.pointCount)
    print("timelines: \(views.timelines.seriesCount) series, \(views.timelines.pointCount) points, \(bytesPerPoint) bytes per point")
    return views
}()

func decodeFirst(_ count: Int) -> [Event] {
    var events: [Event] = []
    let block = sealedBlocks[0]
    let raw = block.body.withUnsafeBytes { LZ4.decompress($0, rawBytes: block.header.rawBytes)! }
    try! BlockDecoder.forEach(body: raw, header: block.header) { if events.count < count { events.append($0) } }
    return events
}
