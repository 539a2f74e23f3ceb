#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts dedicated OS threads: blocking `write`/`fsync` stay off the Swift cooperative pool and NIO's loops.
public enum OSThread {
    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Runs `body` on a new detached thread.
    public static func start(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(
            &thread,
            nil,
            { argument in
                let box = Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue()
                box.body()
                return nil
            },
            box
        )
        precondition(result == 0, "pthread_create failed: \(result)")
        pthread_detach(thread)
    }

    /// Lowers the calling thread's scheduling priority by `niceness` (Linux: threads have their own nice value), so
    /// that bulk work (ingest, the log writer, the views applier) yields the CPU to latency-sensitive reads.
    public static func lowerPriority(by niceness: Int32) {
        guard niceness > 0 else { return }
        #if os(Linux)
        // On Linux the nice value is per thread, and `who == 0` names the calling thread (see pthreads(7)).
        errno = 0
        let current = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        if errno == 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, current + niceness) }
        #endif
    }

    /// Sleeps the calling thread.
    public static func sleep(milliseconds: Int) {
        usleep(useconds_t(milliseconds * 1000))
    }
}
