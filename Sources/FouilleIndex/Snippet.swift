import FouilleAnalysis
import Foundation
import GRDB

/// An excerpt of a document's original text with the matched words marked.
///
/// Held with private-use markers (U+E000, U+E001) that no text contains, and
/// rendered for each output: `[` `]` on the wire, bold on a terminal.
public struct Snippet: Sendable, Equatable, CustomStringConvertible {
    static let open = "\u{E000}"
    static let close = "\u{E001}"

    /// The excerpt with private markers around matches.
    public var marked: String

    /// The excerpt with `open` and `close` around each match, on one line.
    public func rendered(open: String = "[", close: String = "]") -> String {
        marked.replacingOccurrences(of: Self.open, with: open)
            .replacingOccurrences(of: Self.close, with: close)
    }

    /// The matched words, in order.
    public var matches: [String] {
        marked.components(separatedBy: Self.open).dropFirst().compactMap {
            $0.components(separatedBy: Self.close).first
        }
    }

    public var description: String { rendered() }

    /// Tabs, carriage returns and line feeds become spaces: fields are one line.
    static func oneLine(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map {
            $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0
        }))
    }
}

/// Cuts snippets for the hits of one query.
///
/// FTS5's `snippet()` tokenizes a whole column for every call, and a hit
/// needed up to three calls (body, lead, title): on long documents that was
/// most of a query's time. This builder segments at most ``scanLimit`` bytes
/// of a column and stops as soon as a window holds every word of the query.
/// Only words whose first letters could begin a query term are folded and
/// stemmed (a stem starts like its word, save rare exceptions that then go
/// unmarked); the rest are skipped at the cost of segmenting them. It picks
/// the window of ``windowTokens`` words with the most distinct query words
/// (then the most matches), from the body, else the lead, else the title.
struct SnippetBuilder {
    /// Words of context in a snippet.
    static let windowTokens = 20
    /// Bytes of one column read at most, in search of matches.
    static let scanLimit = 32 * 1024

    /// What to mark: query terms, per column (a `title:` term marks only titles).
    private struct Wanted {
        var exact: [String: Int] = [:]  // term → distinct-word number
        var prefixes: [(String, Int)] = []
        var count = 0
        /// First two bytes of every term (lower-case ASCII), and first bytes
        /// of one-byte terms: a word starting otherwise cannot match.
        var starts = Set<UInt16>()
        var singleStarts = Set<UInt8>()
        /// A term starts with a byte outside ASCII: no filtering is possible.
        var unfiltered = false

        mutating func add(_ term: String) {
            let bytes = Array(term.utf8)
            guard let first = bytes.first else { return }
            if first >= 0x80 || (bytes.count > 1 && bytes[1] >= 0x80) {
                unfiltered = true
            } else if bytes.count == 1 {
                singleStarts.insert(first)
            } else {
                starts.insert(UInt16(first) << 8 | UInt16(bytes[1]))
            }
        }

        /// Whether the surface word in `bytes` could have one of the terms:
        /// folding lower-cases ASCII and leaves it in place.
        func mayMatch(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
            guard !unfiltered, let first = bytes.first, first < 0x80 else { return true }
            let a = lower(first)
            if singleStarts.contains(a) { return true }
            guard bytes.count > 1 else { return false }
            // An apostrophe inside a kept word is dropped by folding (aujourd'hui).
            guard bytes[1] < 0x80, bytes[1] != 0x27 else { return true }
            return starts.contains(UInt16(a) << 8 | UInt16(lower(bytes[1])))
        }

        private func lower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }

        func number(of term: String) -> Int? {
            if let number = exact[term] { return number }
            return prefixes.first { term.hasPrefix($0.0) }?.1
        }
    }

    private let analyzer: FrenchAnalyzer
    private var wanted: [Wanted] = Array(repeating: Wanted(), count: 3)  // title, lead, body

    init(query: SearchQuery, analyzer: FrenchAnalyzer) {
        self.analyzer = analyzer
        var numbers: [String: Int] = [:]
        for clause in query.clauses {
            for term in clause.alternatives {
                let columns: [Int] = term.field.map { [SearchQuery.Field.allCases.firstIndex(of: $0)!] } ?? [0, 1, 2]
                for (position, word) in term.terms.enumerated() {
                    let key = (term.kind == .prefix && position == term.terms.count - 1 ? "*" : "") + word
                    let number = numbers[key] ?? numbers.count
                    numbers[key] = number
                    for column in columns {
                        wanted[column].add(word)
                        if key.hasPrefix("*") {
                            wanted[column].prefixes.append((word, number))
                        } else {
                            wanted[column].exact[word] = number
                        }
                    }
                }
            }
        }
        for column in 0..<3 {
            wanted[column].count = Set(wanted[column].exact.values).union(wanted[column].prefixes.map(\.1)).count
        }
    }

    /// The snippet of a document: the body, else the lead, else the title.
    func snippet(title: String, lead: String, body: String) -> Snippet {
        for (column, text) in [(2, body), (1, lead), (0, title)] where !text.isEmpty {
            if let snippet = best(in: text, column: column) { return snippet }
        }
        let fallback = body.isEmpty ? (lead.isEmpty ? title : lead) : body
        return Snippet(marked: Snippet.oneLine(window(fallback, tokens: [], matches: [], from: 0)))
    }

    private struct Match {
        var token: Int
        var number: Int
    }

    private func best(in text: String, column: Int) -> Snippet? {
        let wanted = self.wanted[column]
        guard wanted.count > 0 else { return nil }
        var tokens: [Range<Int>] = []
        var matches: [Match] = []
        var utf8 = text
        utf8.withUTF8 { bytes in
            let scanned = UnsafeBufferPointer(rebasing: bytes[..<min(bytes.count, Self.scanLimit)])
            var complete: Int?  // token at which a window first held every word
            analyzer.forEachSurface(scanned) { range, isNumber in
                let surface = UnsafeBufferPointer(rebasing: scanned[range])
                if wanted.mayMatch(surface) {
                    guard let term = analyzer.term(ofSurface: surface, isNumber: isNumber) else { return true }
                    if let number = wanted.number(of: term) {
                        matches.append(Match(token: tokens.count, number: number))
                        if complete == nil, Self.distinct(matches, from: max(0, tokens.count - Self.windowTokens + 1), through: tokens.count) == wanted.count {
                            complete = tokens.count
                        }
                    }
                }
                tokens.append(range)
                // Every word found in one window: a little context after it, and done.
                return complete.map { tokens.count < $0 + Self.windowTokens / 2 } ?? true
            }
        }
        guard !matches.isEmpty else { return nil }
        // The window with the most distinct query words, then the most matches.
        var bestStart = 0, bestScore = (-1, -1)
        for match in matches {
            let start = max(0, match.token - 3)
            let inside = matches.filter { $0.token >= start && $0.token < start + Self.windowTokens }
            let score = (Set(inside.map(\.number)).count, inside.count)
            if score > bestScore {
                bestScore = score
                bestStart = start
            }
        }
        return Snippet(marked: Snippet.oneLine(window(text, tokens: tokens, matches: matches, from: bestStart)))
    }

    private static func distinct(_ matches: [Match], from first: Int, through last: Int) -> Int {
        var seen = Set<Int>()
        for match in matches.reversed() {
            if match.token < first { break }
            if match.token <= last { seen.insert(match.number) }
        }
        return seen.count
    }

    /// The matched token right after `token`, past at most two stop words.
    private func nextMatch(after token: Int, through end: Int, marked: Set<Int>, tokens: [Range<Int>], utf8: [UInt8]) -> Int? {
        var candidate = token + 1
        while candidate <= end, candidate <= token + 3 {
            if marked.contains(candidate) { return candidate }
            let isStopWord = utf8[tokens[candidate]].withUnsafeBufferPointer {
                analyzer.term(ofSurface: $0, isNumber: false) == nil
            }
            guard isStopWord else { return nil }
            candidate += 1
        }
        return nil
    }

    /// The text from token `start` for ``windowTokens`` tokens, matches marked,
    /// `…` where text was left out.
    private func window(_ text: String, tokens: [Range<Int>], matches: [Match], from start: Int) -> String {
        let utf8 = Array(text.utf8)
        guard !tokens.isEmpty else {
            // No analysis: the first words of the text.
            let words = text.split(separator: " ", maxSplits: Self.windowTokens, omittingEmptySubsequences: true)
            return words.prefix(Self.windowTokens).joined(separator: " ") + (words.count > Self.windowTokens ? "…" : "")
        }
        let end = min(tokens.count, start + Self.windowTokens) - 1
        let from = start == 0 ? 0 : tokens[start].lowerBound
        let to = end == tokens.count - 1 && tokens[end].upperBound == utf8.count ? utf8.count : tokens[end].upperBound
        let marked = Set(matches.map(\.token).filter { $0 >= start && $0 <= end })
        var out: [UInt8] = start == 0 ? [] : Array("…".utf8)
        var position = from
        var index = start
        while index <= end {
            guard marked.contains(index) else {
                index += 1
                continue
            }
            // Matched words with nothing but stop words between them make one
            // span: `[Corée du Nord]`, as FTS5's own highlight() would have it.
            var last = index
            while let next = nextMatch(after: last, through: end, marked: marked, tokens: tokens, utf8: utf8) { last = next }
            out += utf8[position..<tokens[index].lowerBound]
            out += Array(Snippet.open.utf8) + utf8[tokens[index].lowerBound..<tokens[last].upperBound] + Array(Snippet.close.utf8)
            position = tokens[last].upperBound
            index = last + 1
        }
        out += utf8[position..<to]
        // Finish the sentence's punctuation if it directly follows.
        var tail = to
        while tail < utf8.count, tail < to + 2, [0x2E, 0x21, 0x3F, 0x3B].contains(utf8[tail]) {
            out.append(utf8[tail])
            tail += 1
        }
        if tail < utf8.count { out += Array("…".utf8) }
        return String(decoding: out, as: UTF8.self)
    }
}
