import EvStorage

/// The `LogReader` of the event pages, kept between requests: `refresh()` scans only what the log appended since the
/// previous page, where a new reader reads and checks the whole active segment (up to `--segment-mib`, 64 MiB) for
/// every page, however few events it returns.
///
/// `@unchecked Sendable`: used only inside `HTTPAPI.pages.run`, which runs one body at a time; the gate's lock orders
/// one body's accesses before the next one's.
final class CachedLogReader: @unchecked Sendable {
    private let directory: String
    private var reader: LogReader?

    init(directory: String) {
        self.directory = directory
    }

    /// The reader, brought up to the log's end. After an error the next call starts a new one.
    func current() throws(StorageError) -> LogReader {
        if let reader {
            do {
                try reader.refresh()
                return reader
            } catch {
                self.reader = nil
                throw error
            }
        }
        let fresh = try LogReader(directory: directory)
        reader = fresh
        return fresh
    }
}
