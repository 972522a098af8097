/// One request of the line protocol, parsed: `VERB [key=value...] [text]`.
///
/// Verbs are case-insensitive. Leading `key=value` tokens are options only
/// where the verb knows the key; everything after them is the text, taken as
/// the user typed it (`SEARCH limit=5 prix=bas` searches for `prix=bas`).
public enum Request: Equatable, Sendable {
    case ping
    case search(query: String, limit: Int, offset: Int)
    case count(query: String)
    case suggest(prefix: String, limit: Int)
    case stats
    case reload
    case help
    case quit

    /// Every verb, with its syntax and what it does, for `HELP` and the docs.
    public static let verbs: [(verb: String, syntax: String, summary: String)] = [
        ("PING", "PING", "is the server alive: OK PONG"),
        ("SEARCH", "SEARCH [limit=N] [offset=N] <query>", "ranked results as HIT lines, then OK total= returned= took_ms="),
        ("COUNT", "COUNT <query>", "the number of matching documents: OK <n>"),
        ("SUGGEST", "SUGGEST [limit=N] <prefix>", "completions of a partial word as TERM lines, most frequent first"),
        ("STATS", "STATS", "STAT lines: documents, generation, queries, latency..."),
        ("RELOAD", "RELOAD", "re-open the newest index generation: OK generation=<n>"),
        ("HELP", "HELP", "this list"),
        ("QUIT", "QUIT", "OK BYE, then the server closes the connection"),
    ]

    /// Parses one request line (without its line ending).
    /// - Parameter maximumLimit: larger `limit=` values are capped to it.
    public static func parse(_ line: String, maximumLimit: Int = 1000) throws(ProtocolError) -> Request {
        let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
        let verbEnd = trimmed.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? trimmed.endIndex
        let verb = trimmed[..<verbEnd].uppercased()
        let rest = trimmed[verbEnd...].drop(while: { $0 == " " || $0 == "\t" })
        switch verb {
        case "PING", "STATS", "RELOAD", "HELP", "QUIT":
            guard rest.allSatisfy(\.isWhitespace) else {
                throw ProtocolError(.badArgument, "\(verb) takes no arguments")
            }
            switch verb {
            case "PING": return .ping
            case "STATS": return .stats
            case "RELOAD": return .reload
            case "HELP": return .help
            default: return .quit
            }
        case "SEARCH":
            var options = try Options(rest, known: ["limit", "offset"])
            let limit = try options.integer("limit", default: 10, range: 0...Int.max, capped: maximumLimit)
            let offset = try options.integer("offset", default: 0, range: 0...1_000_000)
            return .search(query: options.text, limit: limit, offset: offset)
        case "COUNT":
            return .count(query: String(rest))
        case "SUGGEST":
            var options = try Options(rest, known: ["limit"])
            let limit = try options.integer("limit", default: 10, range: 1...Int.max, capped: 100)
            return .suggest(prefix: options.text, limit: limit)
        case "":
            throw ProtocolError(.unknownCommand, "empty request (try HELP)")
        default:
            let shown = verb.count > 40 ? verb.prefix(40) + "…" : Substring(verb)
            throw ProtocolError(.unknownCommand, "\(shown) (try HELP)")
        }
    }

    /// Leading `key=value` tokens whose key is known, and the text after them.
    private struct Options {
        var values: [String: Substring] = [:]
        var text: String

        init(_ arguments: Substring, known: Set<String>) throws(ProtocolError) {
            var rest = arguments
            while let end = Optional(rest.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? rest.endIndex),
                let equals = rest[..<end].firstIndex(of: "="),
                known.contains(rest[..<equals].lowercased())
            {
                let key = rest[..<equals].lowercased()
                guard values[key] == nil else { throw ProtocolError(.badArgument, "\(key) given twice") }
                values[key] = rest[rest.index(after: equals)..<end]
                rest = rest[end...].drop(while: { $0 == " " || $0 == "\t" })
            }
            text = String(rest)
        }

        mutating func integer(_ key: String, default value: Int, range: ClosedRange<Int>, capped cap: Int? = nil)
            throws(ProtocolError) -> Int
        {
            guard let raw = values[key] else { return value }
            // Digits past what an Int holds are still a whole number: the largest, then capped.
            let huge = cap != nil && !raw.isEmpty && raw.allSatisfy { $0.isASCII && $0.isNumber }
            guard let number = Int(raw) ?? (huge ? Int.max : nil), range.contains(number) else {
                let allowed = range.upperBound == Int.max
                    ? "\(range.lowerBound) or more" : "from \(range.lowerBound) to \(range.upperBound)"
                throw ProtocolError(.badArgument, "\(key) must be a whole number, \(allowed), not \(raw.prefix(20))")
            }
            return cap.map { min($0, number) } ?? number
        }
    }
}
