import Foundation

// The fuzz budget and the hostile text generator, shared by the fuzz tests of
// FouilleIndexTests and FouilleServerTests.

/// How much a fuzz test runs: an iteration count by default (the same work
/// every time), or a time from `FOUILLE_FUZZ_SECONDS`.
public struct FuzzBudget {
    public let iterations: Int
    public let seconds: Double?
    public let seed: UInt64
    public let start = Date()

    public init(defaultIterations: Int) {
        let environment = ProcessInfo.processInfo.environment
        iterations = environment["FOUILLE_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? defaultIterations
        seconds = environment["FOUILLE_FUZZ_SECONDS"].flatMap { Double($0) }
        seed = environment["FOUILLE_FUZZ_SEED"].flatMap { UInt64($0) } ?? 1
    }

    public var elapsed: Double { Date().timeIntervalSince(start) }

    public func more(_ done: Int) -> Bool {
        if let seconds { return elapsed < seconds }
        return done < iterations
    }
}

/// Hostile text from a seeded ``SplitMix64``: French words, FTS5 syntax,
/// control and unusual characters, huge tokens.
public struct HostileText {
    private var generator: SplitMix64

    public init(seed: UInt64) { generator = SplitMix64(seed: seed &* 0x2545_F491_4F6C_DD1D) }

    public mutating func next() -> UInt64 { generator.next() }

    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    public mutating func chance(_ percent: Int) -> Bool { int(in: 1...100) <= percent }

    public mutating func pick<T>(_ list: [T]) -> T { list[int(in: 0...(list.count - 1))] }

    public static let words = [
        "corée", "Corée", "CORÉE", "coree", "nord", "coopération", "cooper", "Nouvelle-Calédonie", "États-Unis",
        "l'Ukraine", "l’archipel", "aujourd’hui", "Aujourd'hui", "tourisme", "inflation", "avions", "été", "est",
        "œuvre", "Straße", "ﬁn", "Ｐａｒｉｓ", "le", "la", "des", "du", "qu'il", "O’Neill", "prud'homme", "3,5",
        "42", "2024", "rowid", "rank", "documents", "documents_fts", "guillemets", "requête", "poésie",
    ]

    public static let syntax = [
        "NEAR", "NEAR(", "NEAR/3", "NEAR(corée nord, 2)", "AND", "OR", "NOT", "and", "or", "not", "^", "^corée",
        "*", "**", "corée*", "*corée", ":", "::", "title:", "lead:", "body:", "TITLE:", "Body:", "rank:", "rowid:",
        "documents_fts:", "{title lead}:", "-{body}:", "{", "}", "(", ")", "((", "))", "+", "+corée", "-", "--",
        "-corée", "-\"", "\"", "\"\"", "\"corée du nord\"", "title:\"banque centrale\"", "\"*", "*\"", "'", "’", "`",
        "\\", "\\\"", ",", ";", "/*", "*/", "%", "_", "=", "==", "!", "?", "@", "#", "$", "&", "|", "~", "<", ">",
        "[", "]", "limit=5", "offset=", "prix=bas", "' OR 1=1 --", "\"; DROP TABLE documents; --",
        "x' UNION SELECT body FROM documents --", "NEAR(\"", "^\"", "0x41", "1e308", "NaN", "NULL",
    ]

    public static let odd = [
        "\0", "\u{1}", "\u{7}", "\u{8}", "\t", "\r", "\u{B}", "\u{C}", "\u{1B}[2J", "\u{7F}", "\u{85}", "\u{A0}",
        "\u{2028}", "\u{200B}", "\u{200D}", "\u{202E}", "\u{FEFF}", "\u{FFFD}", "\u{FFFF}", "\u{10FFFF}", "\u{301}",
        "e\u{301}", "🙂", "👩‍👩‍👧", "🇫🇷", "ǅ", "İ", "ß", "ﬀ", "Ⅻ", "①", "٣", "𝔉", "\u{E000}", "ｔｉｔｌｅ：", "＂",
        "“", "”", "«", "»", "‐", "–", "—", "・", "。", "漢字", "한국", "ا", "\u{0}corée",
    ]

    /// One piece of a query.
    public mutating func piece() -> String {
        switch int(in: 0...99) {
        case 0..<30: return pick(Self.words)
        case 30..<60: return pick(Self.syntax)
        case 60..<75: return pick(Self.odd)
        case 75..<83:
            // Any scalar at all (surrogates are not scalars, so skipped).
            var scalars = String.UnicodeScalarView()
            for _ in 0..<int(in: 1...6) {
                let value = chance(50) ? UInt32(int(in: 0...0x7F)) : UInt32(int(in: 0...0x10FFFF))
                if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
            }
            return String(scalars)
        case 83..<93:
            return pick(["0", "-1", "99999999999999999999", "9223372036854775807", "1.5", "3,5", "0x10", "٣", "５"])
        case 93..<95:
            // A huge token: a word or a character many times over.
            let unit = pick(["a", "é", "🙂", "corée", "\"", "*", "(", "-", "x y ", "NEAR ", "OR "])
            return String(repeating: unit, count: int(in: 100...(chance(20) ? 20_000 : 2_000)))
        case 95..<97:
            // A long chain of alternatives: `a OR b OR c ...`.
            return (0..<int(in: 2...400)).map { _ in pick(Self.words) + (chance(50) ? String(int(in: 0...999)) : "") }
                .joined(separator: pick([" OR ", " OR -", " NOT ", " AND "]))
        default:
            return String(repeating: pick(Self.syntax), count: int(in: 2...40))
        }
    }

    /// A query as someone (or something) might type it.
    public mutating func query() -> String {
        var text = ""
        for _ in 0..<int(in: 0...(chance(10) ? 120 : 12)) {
            if !text.isEmpty { text += pick(["", " ", " ", " ", "  ", "\t", "(", ")", "\"", ":", "*", "-", "\u{A0}"]) }
            text += piece()
        }
        return text
    }
}
