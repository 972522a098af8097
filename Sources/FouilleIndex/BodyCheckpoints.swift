import FouilleAnalysis
import Foundation
import GRDB

/// Where every ``interval``-th indexed word of a document's body starts, so
/// that a snippet deep in a body is cut by analysing a few dozen words from
/// the checkpoint before its window, not every word up to it.
///
/// FTS5 gives a match as a word offset; the snippet needs bytes, and only the
/// analyzer knows which bytes are the n-th indexed word (stop words are not
/// counted). Analysing a body up to a window a few hundred words in was most
/// of what a snippet cost, and so a third of a query.
///
/// Stored in `body_checkpoints` (document rowid → blob): the interval, one
/// byte, then the byte offsets of words `interval`, `2 × interval`, … below
/// ``SnippetBuilder/maximumDepth``, as LEB128 deltas: about 40 bytes per
/// long body. A blob of another interval is not used. Ingest writes them with
/// the document, from the word starts its analysis found anyway. A body
/// without a row (short, or ingested before the table existed) is analysed
/// from its start, as before.
enum BodyCheckpoints {
    /// A snippet analyses half of it, on average, before its window. 16
    /// measured no faster through the daemon, for twice the bytes.
    static let interval = 32

    static func create(_ db: Database) throws {
        try db.execute(sql: "CREATE TABLE IF NOT EXISTS body_checkpoints(rowid INTEGER PRIMARY KEY, offsets BLOB NOT NULL)")
    }

    /// The checkpoints of a body whose indexed words start at `wordStarts`
    /// (in order); nil when it has too few words to need any.
    static func encode<Starts: Sequence<Int>>(wordStarts: Starts) -> Data? {
        var out = Data([UInt8(interval)])
        var previous = 0
        for (index, start) in wordStarts.enumerated() {
            guard index < SnippetBuilder.maximumDepth else { break }
            guard index > 0, index % interval == 0 else { continue }
            var delta = UInt(max(0, start - previous))
            previous = start
            while delta >= 0x80 {
                out.append(UInt8(delta & 0x7F) | 0x80)
                delta >>= 7
            }
            out.append(UInt8(delta))
        }
        return out.count > 1 ? out : nil
    }

    /// The checkpoints of `body`, found by analysing it (when ingest has not).
    static func encode(body: UnsafeBufferPointer<UInt8>, analyzer: FrenchAnalyzer) -> Data? {
        var starts: [Int] = []
        analyzer.forEachIndexedWord(body) { range in
            starts.append(range.lowerBound)
            return starts.count < SnippetBuilder.maximumDepth
        }
        return encode(wordStarts: starts)
    }

    /// The byte offsets of words `interval`, `2 × interval`, …; empty for
    /// nil or a damaged blob (the body is then analysed from its start).
    static func decode(_ data: Data?) -> [Int] {
        guard let data, data.first == UInt8(interval) else { return [] }
        var offsets: [Int] = []
        var value = 0, shift = 0, previous = 0
        for byte in data.dropFirst() {
            guard shift < 56 else { return [] }
            value |= Int(byte & 0x7F) << shift
            if byte & 0x80 != 0 {
                shift += 7
                continue
            }
            previous += value
            offsets.append(previous)
            (value, shift) = (0, 0)
        }
        return shift == 0 ? offsets : []
    }
}
