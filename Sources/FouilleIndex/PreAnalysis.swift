import FouilleAnalysis
import Foundation

/// Terms analysed ahead of an insert, on another thread.
///
/// FTS5 calls the tokenizer inside the insert, on the one writer thread, so
/// the French analysis would run there in series with SQLite's own work.
/// Ingest instead analyses each text on its reading thread and leaves the
/// tokens here; when FTS5 asks the tokenizer for the same text (same length,
/// same 64-bit hash of its bytes), the tokens are replayed, not recomputed.
/// A text not found here is analysed as usual, so a miss costs only time.
final class PreAnalysis: @unchecked Sendable {
    static let shared = PreAnalysis()

    struct Key: Hashable {
        var length: Int
        var hash: UInt64
    }

    /// Tokens in flat arrays: a batch of articles yields millions of them.
    struct Tokens {
        var terms: [UInt8] = []
        var termEnds: [Int32] = []
        var starts: [Int32] = []
        var ends: [Int32] = []
        /// Words the analyzer stemmed for the first time (see ``NewWords``).
        var newWords: [(word: String, term: String)] = []
    }

    private let lock = NSLock()
    private var entries: [Key: Tokens] = [:]
    /// Each text's ``BodyWords``, from the same analysis, for the
    /// writer (which stores them for bodies); nil when it has no word.
    private var bodyWords: [Key: Data?] = [:]

    static func key(_ bytes: UnsafeBufferPointer<UInt8>) -> Key {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return Key(length: bytes.count, hash: hash)
    }

    /// Analyses `text` now and keeps its tokens for the insert, and for a
    /// body (`isBody`) the map of its words; returns the key to release it by.
    @discardableResult
    func store(_ text: String, isBody: Bool = false, analyzer: FrenchAnalyzer) -> Key? {
        guard !text.isEmpty else { return nil }
        var text = text
        return text.withUTF8 { bytes in
            var tokens = Tokens()
            final class Words { var list: [(word: String, term: String)] = [] }
            let words = Words()
            analyzer.onNewWord = { words.list.append(($0, $1)) }
            defer { analyzer.onNewWord = nil }
            analyzer.analyze(bytes, mode: .document) { token in
                tokens.terms.append(contentsOf: token.text.utf8)
                tokens.termEnds.append(Int32(tokens.terms.count))
                tokens.starts.append(Int32(token.start))
                tokens.ends.append(Int32(token.end))
                return true
            }
            tokens.newWords = words.list
            let key = Self.key(bytes)
            let found = isBody
                ? BodyWords.encode(words: tokens.starts.indices.lazy.map { Int(tokens.starts[$0])..<Int(tokens.ends[$0]) })
                : nil
            lock.lock()
            entries[key] = tokens
            if isBody { bodyWords[key] = .some(found) }
            lock.unlock()
            return key
        }
    }

    /// The tokens stored for these bytes, removed from the store.
    func take(_ bytes: UnsafeBufferPointer<UInt8>) -> Tokens? {
        lock.lock()
        defer { lock.unlock() }
        guard !entries.isEmpty else { return nil }
        return entries.removeValue(forKey: Self.key(bytes))
    }

    /// The map of words stored for these bytes (nil inside: no word),
    /// removed from the store; nil when none were stored.
    func takeBodyWords(_ bytes: UnsafeBufferPointer<UInt8>) -> Data?? {
        lock.lock()
        defer { lock.unlock() }
        guard !bodyWords.isEmpty else { return nil }
        return bodyWords.removeValue(forKey: Self.key(bytes))
    }

    func release(_ keys: [Key]) {
        lock.lock()
        for key in keys {
            entries.removeValue(forKey: key)
            bodyWords.removeValue(forKey: key)
        }
        lock.unlock()
    }
}

extension SearchIndex {
    /// Analyses the documents' text now, on the calling thread, so that
    /// writing them later does not (see ``PreAnalysis``). Returns a handle to
    /// pass to ``releaseAnalysis(_:)`` once they are written.
    public func preAnalyze(_ documents: [Document]) -> PreAnalyzed {
        guard analysesFrench, !documents.isEmpty else { return PreAnalyzed(keys: []) }
        // One worker per core, each with its own analyzer, over interleaved documents.
        let workers = min(documents.count, max(1, ProcessInfo.processInfo.activeProcessorCount))
        final class Keys: @unchecked Sendable {
            let lock = NSLock()
            var all: [PreAnalysis.Key] = []
        }
        let keys = Keys()
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let mine = ingestAnalyzers.withParser { parser in
                stride(from: worker, to: documents.count, by: workers).flatMap { i in
                    [(documents[i].title, false), (documents[i].lead, false), (documents[i].body, true)].compactMap {
                        PreAnalysis.shared.store($0.0, isBody: $0.1, analyzer: parser.analyzer)
                    }
                }
            }
            keys.lock.lock()
            keys.all += mine
            keys.lock.unlock()
        }
        return PreAnalyzed(keys: keys.all)
    }

    /// Drops what ``preAnalyze(_:)`` kept and the inserts did not use.
    public func releaseAnalysis(_ analyzed: PreAnalyzed) {
        PreAnalysis.shared.release(analyzed.keys)
    }
}

/// What ``SearchIndex/preAnalyze(_:)`` kept.
public struct PreAnalyzed: Sendable {
    let keys: [PreAnalysis.Key]
}
