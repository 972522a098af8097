import Foundation
import GRDB

/// The index's vocabulary of real words, for typo correction.
///
/// FTS5's own vocabulary holds stems, and a typo often lands in the part of a
/// word the stemmer would have cut (`configuraiton` keeps its ending and
/// stems nowhere near `configur`), so corrections are looked up among whole
/// words instead: every word of letters met while indexing, folded
/// (`événements` → `evenements`), with its term, in the table `words`.
/// Ingest fills it in the transaction that indexes the words (see
/// ``NewWords``), so it never names a word the index has not seen.
///
/// In memory the words are one sorted byte buffer, walked like a trie: the
/// edit distance to the query word is computed row by row down shared
/// prefixes, and a prefix already too far away skips every word that
/// starts with it, by binary search. This is the Levenshtein-automaton walk
/// Meilisearch does over its FST, without a per-query scan of the vocabulary.
/// The buffer is loaded on the first lookup and extended with the rows added
/// since (rowids only grow).
final class Lexicon: @unchecked Sendable {
    /// Shortest and longest words kept (UTF-8 bytes): shorter ones are never
    /// corrected into (a query word of 5 letters is one edit from 4), longer
    /// ones are not words.
    static let wordLengths = 4...40

    private let lock = NSLock()
    private var bytes: [UInt8] = []
    /// Word i is bytes[starts[i]..<starts[i + 1]]; sorted bytewise.
    private var starts: [Int32] = [0]
    private var loadedThrough: Int64 = 0
    private var hasTable: Bool?

    /// Whether `word` (folded) belongs in the vocabulary: letters only.
    static func accepts(_ word: String) -> Bool {
        wordLengths.contains(word.utf8.count)
            && word.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || $0 >= 0x80 }
    }

    static func create(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS words(
                rowid INTEGER PRIMARY KEY,
                word TEXT NOT NULL UNIQUE,
                term TEXT NOT NULL
            )
            """)
    }

    /// Records the words ``NewWords`` holds for this connection.
    static func record(_ words: [String: String], _ db: Database) throws {
        guard !words.isEmpty else { return }
        let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO words(word, term) VALUES (?, ?)")
        for (word, term) in words { try insert.execute(arguments: [word, term]) }
    }

    /// Words within `maximumEdits` of `word` (folded), with their edit
    /// distance (optimal string alignment: a swap of two neighbours is one
    /// edit), nearest first. `word` itself is not among them.
    func neighbours(of word: String, maximumEdits: Int, _ db: Database) throws -> [(word: String, edits: Int)] {
        try refresh(db)
        lock.lock()
        let (bytes, starts) = (self.bytes, self.starts)
        lock.unlock()
        return Self.walk(Array(word.utf8), maximumEdits: maximumEdits, bytes: bytes, starts: starts)
            .filter { $0.edits > 0 }
            .sorted { ($0.edits, $0.word) < ($1.edits, $1.word) }
    }

    /// Loads the rows added since the last look, if any.
    private func refresh(_ db: Database) throws {
        lock.lock()
        defer { lock.unlock() }
        if hasTable == nil { hasTable = try db.tableExists("words") }
        guard hasTable == true else { return }
        let last = try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(rowid) FROM words")) ?? 0
        guard last > loadedThrough else { return }
        var added = try String.fetchAll(
            db, sql: "SELECT word FROM words WHERE rowid > ? AND rowid <= ?", arguments: [loadedThrough, last]
        ).map { Array($0.utf8) }
        added.sort { $0.lexicographicallyPrecedes($1) }
        merge(added)
        loadedThrough = last
    }

    /// Merges sorted new words into the sorted buffer.
    private func merge(_ added: [[UInt8]]) {
        var merged: [UInt8] = []
        merged.reserveCapacity(bytes.count + added.reduce(0) { $0 + $1.count })
        var mergedStarts: [Int32] = [0]
        mergedStarts.reserveCapacity(starts.count + added.count)
        var i = 0, j = 0
        let count = starts.count - 1
        func append<C: Collection>(_ word: C) where C.Element == UInt8 {
            merged.append(contentsOf: word)
            mergedStarts.append(Int32(merged.count))
        }
        while i < count || j < added.count {
            let old = i < count ? bytes[Int(starts[i])..<Int(starts[i + 1])] : nil
            if let old, j == added.count || !added[j].lexicographicallyPrecedes(old) {
                if j < added.count, old.elementsEqual(added[j]) { j += 1 }
                append(old)
                i += 1
            } else {
                append(added[j])
                j += 1
            }
        }
        bytes = merged
        starts = mergedStarts
    }

    /// The trie walk over sorted words. Row d of the table holds the
    /// distances between the first d bytes of the current word and each
    /// prefix of the query; rows down the prefix shared with the previous
    /// word are reused. Only the band of cells within `maximumEdits` of the
    /// diagonal is computed (the others cannot come back under the limit),
    /// with a sentinel on each side of it.
    static func walk(_ query: [UInt8], maximumEdits: Int, bytes: [UInt8], starts: [Int32]) -> [(word: String, edits: Int)] {
        let count = starts.count - 1
        guard count > 0, maximumEdits >= 0 else { return [] }
        let n = query.count, k = maximumEdits, far = Int32(maximumEdits + 1)
        let width = n + 1
        let depthLimit = n + k
        var table = [Int32](repeating: far, count: (depthLimit + 1) * width)
        for j in 0..<width { table[j] = Int32(j) }
        var found: [(word: String, edits: Int)] = []
        query.withUnsafeBufferPointer { q in
            bytes.withUnsafeBufferPointer { b in
                starts.withUnsafeBufferPointer { s in
                    table.withUnsafeMutableBufferPointer { rows in
                        var previousStart = 0, previousLength = 0
                        var i = 0
                        while i < count {
                            let start = Int(s[i]), length = Int(s[i + 1]) - start
                            var depth = 0
                            let shared = min(previousLength, length)
                            while depth < shared, b[previousStart + depth] == b[start + depth] { depth += 1 }
                            var pruned = false
                            while depth < length {
                                guard depth < depthLimit else { pruned = true; break }
                                let c = b[start + depth]
                                let r = depth + 1  // the row computed now
                                let above = depth * width, row = r * width
                                let low = max(1, r - k), high = min(n, r + k)
                                rows[row] = Int32(r)
                                if low > 1 { rows[row + low - 1] = far }
                                if high < n { rows[row + high + 1] = far }
                                var smallest = r <= k ? Int32(r) : far
                                if low <= high {
                                    for j in low...high {
                                        var d = min(rows[above + j] + 1, rows[row + j - 1] + 1,
                                                    rows[above + j - 1] + (q[j - 1] == c ? 0 : 1))
                                        if r > 1, j > 1, c == q[j - 2], b[start + depth - 1] == q[j - 1] {
                                            d = min(d, rows[above - width + j - 2] + 1)
                                        }
                                        rows[row + j] = d
                                        if d < smallest { smallest = d }
                                    }
                                }
                                depth = r
                                if smallest > k { pruned = true; break }
                            }
                            if pruned {
                                // Every word starting with these `depth` bytes is too far.
                                var low = i + 1, high = count
                                while low < high {
                                    let middle = (low + high) / 2
                                    let other = Int(s[middle]), otherLength = Int(s[middle + 1]) - other
                                    var same = otherLength >= depth
                                    var p = 0
                                    while same, p < depth { same = b[other + p] == b[start + p]; p += 1 }
                                    if same { low = middle + 1 } else { high = middle }
                                }
                                previousStart = start
                                previousLength = depth
                                i = low
                                continue
                            }
                            if abs(length - n) <= k, rows[length * width + n] <= k {
                                let word = String(decoding: UnsafeBufferPointer(rebasing: b[start..<(start + length)]), as: UTF8.self)
                                found.append((word, Int(rows[length * width + n])))
                            }
                            previousStart = start
                            previousLength = length
                            i += 1
                        }
                    }
                }
            }
        }
        return found
    }
}

/// Words met by each writer connection's tokenizer, until the transaction
/// indexing them records them in ``Lexicon``'s table.
///
/// FTS5 calls the tokenizer inside an insert, where it cannot write to
/// another table, so the words wait here, keyed by connection.
/// ``SearchIndex/write(_:)`` empties its connection's set at the start of
/// each transaction (what a failed one left is stale) and records it at the end.
final class NewWords: @unchecked Sendable {
    static let shared = NewWords()

    private let lock = NSLock()
    private var byConnection: [ObjectIdentifier: [String: String]] = [:]

    func add(_ words: [(word: String, term: String)], connection: ObjectIdentifier) {
        guard !words.isEmpty else { return }
        lock.lock()
        for (word, term) in words where Lexicon.accepts(word) { byConnection[connection, default: [:]][word] = term }
        lock.unlock()
    }

    func take(_ connection: ObjectIdentifier) -> [String: String] {
        lock.lock()
        defer { lock.unlock() }
        return byConnection.removeValue(forKey: connection) ?? [:]
    }
}
