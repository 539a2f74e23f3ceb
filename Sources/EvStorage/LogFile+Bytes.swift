extension LogFile {
    /// Appends an array (typed-throws bridge: `Array.withUnsafeBytes` only rethrows untyped errors).
    public func append(_ bytes: [UInt8]) throws(StorageError) {
        let result: Result<Void, StorageError> = bytes.withUnsafeBytes { raw in
            do throws(StorageError) {
                try append(raw)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }
}
