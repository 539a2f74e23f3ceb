/// A control line: a line-protocol comment that starts with `#evq ` (`spec/wire-protocol.md`, "Control lines").
/// Other servers ignore them as comments.
public enum ControlLine: Sendable, Hashable {
    /// `#evq sync TOKEN`: reply `ok TOKEN OFFSET` once every earlier line of the connection is durable.
    case sync(token: String)
    /// `#evq precision s|ms|us|ns`: the unit of the following lines' timestamps.
    case precision(Precision)
    /// `#evq auth TOKEN`: the shared token, first line of a connection to a server that requires one.
    case auth(token: String)

    /// Longest sync token, in bytes.
    public static let tokenBytesMax = 128

    /// Reads a comment line (as `LineProtocolParser` reported it).
    ///
    /// - Returns: the control, or `nil` for an ordinary comment (one that does not start with `#evq` and a space).
    /// - Throws: `LineProtocolError` for an `#evq` line that is not a known, well-formed control.
    public static func parse(_ line: UnsafeRawBufferPointer) throws(LineProtocolError) -> ControlLine? {
        var end = line.count
        if end > 0 && line[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        var start = 0
        while start < end && (line[start] == UInt8(ascii: " ") || line[start] == UInt8(ascii: "\t")) { start += 1 }
        let prefix = "#evq".utf8
        guard end - start >= prefix.count,
            UnsafeRawBufferPointer(rebasing: line[start..<start + prefix.count]).elementsEqual(prefix)
        else { return nil }
        var i = start + prefix.count
        if i < end && line[i] != UInt8(ascii: " ") { return nil }  // "#evqsomething" is an ordinary comment
        var words: [(text: String, column: Int)] = []
        while i < end {
            while i < end && line[i] == UInt8(ascii: " ") { i += 1 }
            let wordStart = i
            while i < end && line[i] != UInt8(ascii: " ") { i += 1 }
            if i > wordStart {
                words.append(
                    (
                        String(decoding: UnsafeRawBufferPointer(rebasing: line[wordStart..<i]), as: UTF8.self),
                        wordStart + 1
                    )
                )
            }
        }
        guard let command = words.first else {
            throw LineProtocolError(column: start + 1, .invalidControl("missing command after #evq"))
        }
        switch command.text {
        case "sync":
            guard words.count == 2 else {
                throw LineProtocolError(column: command.column, .invalidControl("usage: #evq sync TOKEN"))
            }
            let token = words[1]
            guard token.text.utf8.count <= tokenBytesMax,
                token.text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
            else {
                throw LineProtocolError(
                    column: token.column,
                    .invalidControl("sync token must be 1-\(tokenBytesMax) visible ASCII characters")
                )
            }
            return .sync(token: token.text)
        case "precision":
            guard words.count == 2, let precision = Precision(rawValue: words[1].text) else {
                throw LineProtocolError(column: command.column, .invalidControl("usage: #evq precision s|ms|us|ns"))
            }
            return .precision(precision)
        case "auth":
            guard words.count == 2 else {
                throw LineProtocolError(column: command.column, .invalidControl("usage: #evq auth TOKEN"))
            }
            return .auth(token: words[1].text)
        default:
            throw LineProtocolError(column: command.column, .unknownControl(command.text))
        }
    }
}
