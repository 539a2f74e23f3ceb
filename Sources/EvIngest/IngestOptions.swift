import EvCore
import NIOCore

/// Settings of the TCP ingest server (`spec/wire-protocol.md`, "Limits").
public struct IngestOptions: Sendable {
    public var limits: Limits
    /// Most concurrent connections; more are refused with an `err` reply.
    public var connectionsMax: Int
    /// A connection's open block is sealed once its encoded body reaches this size.
    public var blockBytesTarget: Int
    /// ... or once it has been open this long (so unsynced data reaches the log promptly).
    public var blockLinger: TimeAmount
    /// A connection stops reading while more than this many of its bytes wait for the log writer.
    public var inFlightBytesMax: Int
    /// Largest single socket read; one read per read cycle.
    public var readBytesMax: Int
    /// When set, a connection's lines are refused until it sends `#evq auth TOKEN` with this token.
    public var authToken: String?
    /// With a token: a connection that has not sent it this long after connecting is closed, so idle sockets cannot
    /// hold connection slots (issue 15, item 6).
    public var authTimeout: TimeAmount
    /// With a token: most connections waiting to authenticate at once (default a quarter of `connectionsMax`), so
    /// the rest of the limit stays for clients that have authenticated.
    public var unauthenticatedMax: Int

    public init(
        limits: Limits = .default,
        connectionsMax: Int = 1024,
        blockBytesTarget: Int = 1024 * 1024,
        blockLinger: TimeAmount = .milliseconds(100),
        inFlightBytesMax: Int = 4 * 1024 * 1024,
        readBytesMax: Int = 512 * 1024,
        authToken: String? = nil,
        authTimeout: TimeAmount = .seconds(10),
        unauthenticatedMax: Int? = nil
    ) {
        self.authToken = authToken
        self.authTimeout = authTimeout
        self.unauthenticatedMax = unauthenticatedMax ?? max(1, connectionsMax / 4)
        self.limits = limits
        self.connectionsMax = connectionsMax
        self.blockBytesTarget = blockBytesTarget
        self.blockLinger = blockLinger
        self.inFlightBytesMax = inFlightBytesMax
        self.readBytesMax = readBytesMax
    }
}
