import FouilleAnalysis
import Foundation
import GRDB

/// Where a document body's indexed words are, so that a snippet is cut
/// without analysing the body.
///
/// FTS5 gives a match as a word offset; the snippet needs bytes, and only the
/// analyzer knows which bytes are the n-th indexed word (stop words are not
/// counted). Analysing a body up to and through a window was a fifth of a
/// query's time, with the checkpoints below; more through the daemon.
///
/// Stored in `body_checkpoints` (named for the earlier format; document
/// rowid → blob), written by ingest
/// with the document from the analysis it made anyway. Two formats, told
/// apart by their first byte:
/// - ``wordsFormat`` (0), written now: each of the first ``mappedWords``
///   words as two LEB128 numbers, its start less the previous word's end,
///   and its length. About 2 bytes per word: 1.2 KB for a long body.
/// - ``interval`` (32), written by earlier versions and still read: the
///   start of words 32, 64, … below ``SnippetBuilder/maximumDepth``, as
///   LEB128 deltas. A snippet analyses the body from the checkpoint before
///   its window.
///
/// A body without a row (ingested before the table existed, or with no
/// word) is analysed from its start.
enum BodyWords {
    /// The first byte of a map of every word.
    static let wordsFormat: UInt8 = 0
    /// Words mapped: every window a snippet shows lies within them.
    static let mappedWords = SnippetBuilder.maximumDepth + SnippetBuilder.windowTokens
    /// The first byte, and the spacing, of earlier versions' checkpoints.
    static let interval = 32

    static func create(_ db: Database) throws {
        try db.execute(sql: "CREATE TABLE IF NOT EXISTS body_checkpoints(rowid INTEGER PRIMARY KEY, offsets BLOB NOT NULL)")
    }

    /// The map of a body whose indexed words are `words` (in order); nil
    /// when it has none, or when they are not in order (never stored: the
    /// body is then analysed).
    static func encode<Words: Sequence<Range<Int>>>(words: Words) -> Data? {
        // Bytes first, one Data at the end: appending to a Data byte by
        // byte took 5% of an ingest's CPU samples (on the analysing
        // threads; no change in MB/s measured either way).
        var out: [UInt8] = [wordsFormat]
        out.reserveCapacity(2 * mappedWords + 8)
        var previous = 0, count = 0
        for word in words {
            guard count < mappedWords else { break }
            guard word.lowerBound >= previous, !word.isEmpty else { return nil }
            appendVarint(word.lowerBound - previous, to: &out)
            appendVarint(word.count, to: &out)
            previous = word.upperBound
            count += 1
        }
        return count > 0 ? Data(out) : nil
    }

    /// The map of `body`, found by analysing it (when ingest has not).
    static func encode(body: UnsafeBufferPointer<UInt8>, analyzer: FrenchAnalyzer) -> Data? {
        var words: [Range<Int>] = []
        analyzer.forEachIndexedWord(body) { range in
            words.append(range)
            return words.count < mappedWords
        }
        return encode(words: words)
    }

    /// The ranges of a map's first `count` words (fewer when it holds fewer);
    /// nil when `data` is not a map or is damaged.
    static func words(_ data: Data, first count: Int) -> [Range<Int>]? {
        guard data.first == wordsFormat else { return nil }
        var words: [Range<Int>] = []
        words.reserveCapacity(min(count, mappedWords))
        var previous = 0
        var gap: Int?  // a word's first number, until its second comes
        let intact = forEachNumber(in: data) { number in
            guard words.count < count else { return false }
            guard let start = gap.map({ previous + $0 }) else {
                gap = number
                return true
            }
            previous = start + number
            words.append(start..<previous)
            gap = nil
            return words.count < count
        }
        return intact && gap == nil ? words : nil
    }

    /// Calls `each` with the LEB128 numbers after a blob's first byte until
    /// it returns false; false when one is cut, too long, or over
    /// `Int32.max`: bodies are at most a few MB, so such a number is damage,
    /// and adding it up could overflow.
    private static func forEachNumber(in data: Data, _ each: (Int) -> Bool) -> Bool {
        data.withUnsafeBytes { raw in
            var value = 0, shift = 0
            for byte in raw.dropFirst() {
                guard shift < 56 else { return false }
                value |= Int(byte & 0x7F) << shift
                if byte & 0x80 != 0 {
                    shift += 7
                    continue
                }
                guard value <= Int(Int32.max) else { return false }
                guard each(value) else { return true }
                (value, shift) = (0, 0)
            }
            return shift == 0
        }
    }

    private static func appendVarint(_ value: Int, to out: inout [UInt8]) {
        var value = UInt(value)
        while value >= 0x80 {
            out.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
    }

    /// The byte offsets of words `interval`, `2 × interval`, …; empty for
    /// nil or a damaged blob (the body is then analysed from its start).
    static func checkpoints(_ data: Data?) -> [Int] {
        guard let data, data.first == UInt8(interval) else { return [] }
        var offsets: [Int] = []
        var previous = 0
        let intact = forEachNumber(in: data) { delta in
            previous += delta
            offsets.append(previous)
            return true
        }
        return intact ? offsets : []
    }
}
