/// Shell-style wildcard matching on bytes: `*` any run, `?` one byte, `[abc]` / `[a-z]` / `[!a]` a set,
/// `\x` a literal `x`.
public struct Glob: Sendable {
    let pattern: [UInt8]

    public init(_ pattern: String) {
        self.pattern = Array(pattern.utf8)
    }

    public func matches(_ text: String) -> Bool {
        let t = Array(text.utf8)
        var p = 0
        var s = 0
        var starP = -1
        var starS = 0
        while s < t.count {
            if p < pattern.count {
                switch pattern[p] {
                case UInt8(ascii: "*"):
                    starP = p
                    starS = s
                    p += 1
                    continue
                case UInt8(ascii: "?"):
                    p += 1
                    s += 1
                    continue
                case UInt8(ascii: "["):
                    if let (matched, next) = matchSet(at: p, byte: t[s]) {
                        if matched {
                            p = next
                            s += 1
                            continue
                        }
                    } else if t[s] == UInt8(ascii: "[") {
                        p += 1
                        s += 1
                        continue
                    }
                case UInt8(ascii: "\\") where p + 1 < pattern.count:
                    if pattern[p + 1] == t[s] {
                        p += 2
                        s += 1
                        continue
                    }
                default:
                    if pattern[p] == t[s] {
                        p += 1
                        s += 1
                        continue
                    }
                }
            }
            guard starP >= 0 else { return false }
            p = starP + 1
            starS += 1
            s = starS
        }
        while p < pattern.count && pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }

    /// Whether `byte` is in the set starting at `pattern[p] == "["`, and the index after `]`; `nil` if unclosed.
    private func matchSet(at p: Int, byte: UInt8) -> (Bool, Int)? {
        var i = p + 1
        var negate = false
        if i < pattern.count && (pattern[i] == UInt8(ascii: "!") || pattern[i] == UInt8(ascii: "^")) {
            negate = true
            i += 1
        }
        var matched = false
        var first = true
        while i < pattern.count {
            let c = pattern[i]
            if c == UInt8(ascii: "]") && !first { return (matched != negate, i + 1) }
            first = false
            if i + 2 < pattern.count && pattern[i + 1] == UInt8(ascii: "-") && pattern[i + 2] != UInt8(ascii: "]") {
                if byte >= c && byte <= pattern[i + 2] { matched = true }
                i += 3
            } else {
                if byte == c { matched = true }
                i += 1
            }
        }
        return nil
    }
}
