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
    /// Byte by byte: every hit of every answer goes through here, and
    /// appending scalar by scalar cost a tenth of a query.
    public func rendered(open: String = "[", close: String = "]") -> String {
        var marked = marked
        return marked.withUTF8 { utf8 in
            var out: [UInt8] = []
            out.reserveCapacity(utf8.count + 16)
            var i = 0
            while i < utf8.count {
                // U+E000 and U+E001 are EE 80 80 and EE 80 81 in UTF-8.
                if utf8[i] == 0xEE, i + 2 < utf8.count, utf8[i + 1] == 0x80, utf8[i + 2] == 0x80 || utf8[i + 2] == 0x81 {
                    out += (utf8[i + 2] == 0x80 ? open : close).utf8
                    i += 3
                } else {
                    out.append(utf8[i])
                    i += 1
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// The matched words, in order.
    public var matches: [String] {
        marked.components(separatedBy: Self.open).dropFirst().compactMap {
            $0.components(separatedBy: Self.close).first
        }
    }

    public var description: String { rendered() }

    /// Tabs, carriage returns and line feeds become spaces: fields are one line.
    /// Byte by byte: the three are ASCII, so no UTF-8 sequence holds them,
    /// and rebuilding the string scalar by scalar took over a third of the
    /// time snippets took.
    static func oneLine(_ text: String) -> String {
        guard text.utf8.contains(where: isLineBreakOrTab) else { return text }
        return oneLine(bytes: text.utf8)
    }

    /// The same, for the UTF-8 bytes of a snippet being made.
    static func oneLine<Bytes: Sequence<UInt8>>(bytes: Bytes) -> String {
        String(decoding: bytes.map { isLineBreakOrTab($0) ? 0x20 : $0 }, as: UTF8.self)
    }

    private static func isLineBreakOrTab(_ byte: UInt8) -> Bool {
        byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}

/// A document body that a snippet reads only as far as it needs: searches
/// read it through an SQLite blob handle, a prefix at a time. Hits' bodies
/// averaged 11 KB on the development set (up to 104 KB), and a snippet cut
/// with a map of the body's words needs the bytes up to its window only.
protocol BodyPrefix {
    /// Its length in bytes.
    var count: Int { get }
    /// Calls `body` with its first `bytes` bytes (all of them when it has fewer).
    func withPrefix<T>(_ bytes: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) throws -> T
}

extension UnsafeBufferPointer<UInt8>: BodyPrefix {
    func withPrefix<T>(_ bytes: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) throws -> T {
        try body(UnsafeBufferPointer(rebasing: self[..<Swift.min(bytes, count)]))
    }
}

/// Cuts snippets for the hits of one query.
///
/// FTS5's `snippet()` tokenizes a whole column for every call, and a hit
/// needed up to three calls (body, lead, title): on long documents that was
/// most of a query's time. Here FTS5 only says where the row's matches are
/// (`match_positions()`: column and token offset of each phrase instance,
/// read from the index, not the text). The builder picks the window of
/// ``windowTokens`` indexed words holding the most distinct query clauses,
/// from the body, else the lead, else the title, and runs the analyzer over
/// the column only as far as the window's end, to turn token offsets back
/// into the bytes as written.
struct SnippetBuilder {
    /// Indexed words (stop words not counted) in a snippet.
    static let windowTokens = 16
    /// Windows starting further into a column are taken only when no earlier
    /// one has a match: the text has to be read up to the window.
    static let preferredDepth = 150
    /// Matches deeper than this are not shown: reaching them would mean
    /// analysing tens of kilobytes per hit. The lead or title is shown
    /// instead when it has a match, else the start of the body.
    static let maximumDepth = 600

    private let analyzer: FrenchAnalyzer
    /// Per phrase of the MATCH expression, in order: its clause, and how many
    /// tokens it spans.
    private let phraseClauses: [Int]
    private let phraseLengths: [Int]

    init(phraseClauses: [Int], phraseLengths: [Int], analyzer: FrenchAnalyzer) {
        self.analyzer = analyzer
        self.phraseClauses = phraseClauses
        self.phraseLengths = phraseLengths
    }

    struct Position: Equatable {
        var column: Int
        var offset: Int
        var phrase: Int
    }

    /// Reads `match_positions()` output: native `Int32` triples (column,
    /// offset, phrase).
    static func positions(_ blob: Data) -> [Position] {
        blob.withUnsafeBytes { raw in
            let count = raw.count / (3 * MemoryLayout<Int32>.size)
            return (0..<count).map { i in
                let base = i * 3 * MemoryLayout<Int32>.size
                func field(_ k: Int) -> Int {
                    Int(raw.loadUnaligned(fromByteOffset: base + k * MemoryLayout<Int32>.size, as: Int32.self))
                }
                return Position(column: field(0), offset: field(1), phrase: field(2))
            }
        }
    }

    /// The snippet of a document whose matches are at `positions`: from the
    /// column whose best window holds the most query clauses, the body
    /// winning ties, then the lead (a snippet repeating the title says little).
    ///
    /// The title and lead are the bytes SQLite holds, borrowed; the body is
    /// read only as far as the snippet needs (see ``BodyPrefix``).
    /// `bodyWords`: the body's row of ``BodyWords``, if any.
    func snippet<Body: BodyPrefix>(
        title: UnsafeBufferPointer<UInt8>, lead: UnsafeBufferPointer<UInt8>, body: Body,
        positions: [Position], bodyWords: Data? = nil
    ) throws -> Snippet {
        let lengths = [title.count, lead.count, body.count]
        var best: (column: Int, window: Range<Int>, score: (Int, Int), matches: [Position])?
        for column in [2, 1, 0] where lengths[column] > 0 {
            let here = positions.filter { $0.column == column && $0.offset < Self.maximumDepth }
                .sorted { $0.offset < $1.offset }
            guard !here.isEmpty else { continue }
            let (window, score) = bestWindow(here)
            if best == nil || score.0 > best!.score.0 { best = (column, window, score, here) }
        }
        if let best {
            if best.column == 2 {
                return try renderBody(body, window: best.window, matches: best.matches, words: bodyWords)
            }
            return render(best.column == 1 ? lead : title, window: best.window, matches: best.matches)
        }
        if body.count > 0 {
            return try renderBody(body, window: 0..<Self.windowTokens, matches: [], words: bodyWords)
        }
        return render(lead.isEmpty ? title : lead, window: 0..<Self.windowTokens, matches: [])
    }

    /// The snippet of a body. With a map of its words, the window's words
    /// are read from it and the body only up to the word after the window;
    /// else the body is read whole and analysed, from the checkpoint before
    /// the window if it has some.
    private func renderBody<Body: BodyPrefix>(
        _ body: Body, window: Range<Int>, matches: [Position], words stored: Data?
    ) throws -> Snippet {
        if let stored, let words = BodyWords.words(stored, first: window.upperBound + 1) {
            // The word after the window, when the map holds it, proves there
            // is text after the window; else the map ended with the body's
            // words (the window's end or beyond), unless it is full.
            let next = words.count > window.upperBound ? words[window.upperBound].lowerBound : nil
            if next != nil || words.count < BodyWords.mappedWords {
                let ranges = Array(words[min(window.lowerBound, words.count)..<min(window.upperBound, words.count)])
                let rendered = try body.withPrefix(next.map { $0 + 1 } ?? body.count) { prefix -> Snippet? in
                    guard (ranges.last?.upperBound ?? 0) <= prefix.count, next.map({ $0 < prefix.count }) ?? true else {
                        return nil  // a map that does not fit the body: analyse it
                    }
                    return render(prefix, ranges: ranges, window: window, marked: marks(window, matches))
                }
                if let rendered { return rendered }
            }
        }
        return try body.withPrefix(body.count) {
            render($0, window: window, matches: matches, checkpoints: BodyWords.checkpoints(stored))
        }
    }

    /// The earliest window with the most distinct clauses, starting a little
    /// before its first match. (Earliest, because the text has to be read up
    /// to it.)
    ///
    /// One sweep: windows start in offset order, so the matches inside one
    /// are a slice whose two ends only move forward.
    private func bestWindow(_ matches: [Position]) -> (Range<Int>, (Int, Int)) {
        var best = 0..<Self.windowTokens, bestScore = (-1, -1)
        let early = matches.prefix { $0.offset < Self.preferredDepth }.count
        // Per clause (index 0 for a phrase of no clause), matches inside.
        var inside = [Int](repeating: 0, count: (phraseClauses.max() ?? 0) + 2)
        var distinct = 0, low = 0, high = 0
        func slot(_ match: Position) -> Int {
            match.phrase < phraseClauses.count ? max(phraseClauses[match.phrase] + 1, 0) : 0
        }
        for first in 0..<max(early, 1) {
            let start = max(0, matches[first].offset - 2)
            let window = start..<(start + Self.windowTokens)
            while high < matches.count, matches[high].offset < window.upperBound {
                if inside[slot(matches[high])] == 0 { distinct += 1 }
                inside[slot(matches[high])] += 1
                high += 1
            }
            while low < high, matches[low].offset < window.lowerBound {
                inside[slot(matches[low])] -= 1
                if inside[slot(matches[low])] == 0 { distinct -= 1 }
                low += 1
            }
            let score = (distinct, high - low)
            if score.0 > bestScore.0 {
                bestScore = score
                best = window
            }
        }
        return (best, bestScore)
    }

    /// The window's text as written, matches marked, `…` where text was left out.
    private func render(
        _ text: UnsafeBufferPointer<UInt8>, window: Range<Int>, matches: [Position], checkpoints: [Int] = []
    ) -> Snippet {
        render(text, ranges: wordRanges(text, window: window, checkpoints: checkpoints), window: window,
               marked: marks(window, matches))
    }

    /// By word of the window: whether it is marked.
    private func marks(_ window: Range<Int>, _ matches: [Position]) -> [Bool] {
        var marked = [Bool](repeating: false, count: window.count)
        for match in matches where window.contains(match.offset) {
            let length = match.phrase < phraseLengths.count ? phraseLengths[match.phrase] : 1
            for token in match.offset..<(match.offset + length) where window.contains(token) {
                marked[token - window.lowerBound] = true
            }
        }
        return marked
    }

    private func render(_ utf8: UnsafeBufferPointer<UInt8>, ranges: [Range<Int>], window: Range<Int>, marked: [Bool]) -> Snippet {
        guard let first = ranges.first, let last = ranges.last else {
            return Snippet(marked: Snippet.oneLine(String(String(decoding: utf8.prefix(300), as: UTF8.self).prefix(160))))
        }
        let from = window.lowerBound == 0 ? 0 : first.lowerBound
        var out: [UInt8] = from == 0 ? [] : Array("…".utf8)
        var position = from
        var i = 0
        while i < ranges.count {
            guard marked[i] else {
                i += 1
                continue
            }
            // Consecutive matched tokens make one span: `[Corée du Nord]`
            // (`du`, a stop word, is no token between them).
            var j = i
            while j + 1 < ranges.count, marked[j + 1] { j += 1 }
            out += utf8[position..<ranges[i].lowerBound]
            out += Array(Snippet.open.utf8) + utf8[ranges[i].lowerBound..<ranges[j].upperBound] + Array(Snippet.close.utf8)
            position = ranges[j].upperBound
            i = j + 1
        }
        out += utf8[position..<last.upperBound]
        // The punctuation that ends the sentence, if it directly follows.
        var tail = last.upperBound
        while tail < utf8.count, tail < last.upperBound + 2, [0x2E, 0x21, 0x3F, 0x3B].contains(utf8[tail]) {
            out.append(utf8[tail])
            tail += 1
        }
        if utf8[tail...].contains(where: { $0 > 0x20 }) { out += Array("…".utf8) }
        return Snippet(marked: Snippet.oneLine(bytes: out))
    }

    /// The byte ranges of the window's words, analysed from the last
    /// checkpoint at or before the window (see ``BodyWords``), else
    /// from the start of the text.
    private func wordRanges(_ utf8: UnsafeBufferPointer<UInt8>, window: Range<Int>, checkpoints: [Int]) -> [Range<Int>] {
        let passed = min(window.lowerBound / BodyWords.interval, checkpoints.count)
        if passed > 0, checkpoints[passed - 1] < utf8.count,
           let ranges = wordRanges(utf8, from: checkpoints[passed - 1], word: passed * BodyWords.interval, window: window)
        {
            return ranges
        }
        return wordRanges(utf8, from: 0, word: 0, window: window) ?? []
    }

    /// The same from byte `from`, where word number `first` starts; nil when
    /// no word starts there (a checkpoint that does not fit the text, which
    /// is then analysed from its start).
    private func wordRanges(_ utf8: UnsafeBufferPointer<UInt8>, from: Int, word first: Int, window: Range<Int>) -> [Range<Int>]? {
        var ranges: [Range<Int>] = []
        var index = first
        var fits = true
        analyzer.forEachIndexedWord(UnsafeBufferPointer(rebasing: utf8[from...])) { range in
            if from > 0, index == first, range.lowerBound != 0 {
                fits = false
                return false
            }
            if index >= window.lowerBound { ranges.append((from + range.lowerBound)..<(from + range.upperBound)) }
            index += 1
            return index < window.upperBound
        }
        return fits && (from == 0 || index > first) ? ranges : nil
    }
}
