#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvCore
import EvHost
import EvStorage
import Logging
import ServiceLifecycle
import Synchronization

/// evqd's built-in host collector: every `interval`, a `HostSampler` sample of this machine, written as ordinary
/// line-protocol events through ingest's own path (parsed, encoded into a block, sealed, submitted to the log
/// writer), so they are stored, viewed and alerted on like anything a client sends (`spec/host-metrics.md`).
final class HostCollector: Service, Sendable {
    private let sampler: Mutex<HostSampler>
    private let writer: LogWriter
    private let interval: Duration
    private let logger: Logger
    /// Samples taken and events written, and the CPU time sampling took (for the overhead figure).
    let samples = Atomic<Int>(0)
    let events = Atomic<Int>(0)
    let cpuNanoseconds = Atomic<Int>(0)

    init(sampler: sending HostSampler, writer: LogWriter, interval: Duration, logger: Logger) {
        self.sampler = Mutex(sampler)
        self.writer = writer
        self.interval = interval
        self.logger = logger
    }

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            collect()
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            } catch {
                return
            }
        }
    }

    /// Takes one sample and submits it.
    func collect() {
        let cpuBefore = Self.threadCPUNanoseconds()
        let now = WallClock.nowNanoseconds()
        let sampled = sampler.withLock { $0.sample(at: now) }
        var parser = LineProtocolParser()
        var encoder = BlockEncoder()
        var line: [UInt8] = []
        for event in sampled {
            line.removeAll(keepingCapacity: true)
            LineProtocolSerializer.append(event, to: &line)
            line.removeLast()  // the newline
            do {
                let outcome = try line.withUnsafeBytes { bytes throws(LineProtocolError) in try parser.parse(bytes, receiveTime: now) }
                if case .event = outcome { encoder.append(parser, receiveTime: now) }
            } catch {
                logger.error("the host collector made a line ingest refuses", metadata: ["line": "\(String(decoding: line, as: UTF8.self))", "error": "\(error)"])
            }
        }
        guard !encoder.isEmpty else { return }
        let count = encoder.eventCount
        let logger = logger
        writer.submit([SealedBlock.seal(&encoder)], sync: false) { result in
            if case .failure(let error) = result {
                logger.error("storing host samples failed", metadata: ["error": "\(error)"])
            }
        }
        samples.add(1, ordering: .relaxed)
        events.add(count, ordering: .relaxed)
        cpuNanoseconds.add(Int(Self.threadCPUNanoseconds() - cpuBefore), ordering: .relaxed)
    }

    static func threadCPUNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
