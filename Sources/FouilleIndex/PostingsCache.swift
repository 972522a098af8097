import CFTS5Match
import Foundation
import GRDB

extension QueryPlan.Tiers {
    /// The rows a tiers' expression matches.
    enum Matching {
        /// Every clause (the strict tier).
        case all
        /// Any clause.
        case any
        /// Any of the phrases repeated to restrict the rows (``QueryPlan/firstTiers(containingAnyOf:)``).
        case restricted

        var code: Int32 {
            switch self {
            case .all: Int32(FOUILLE_MATCH_ALL)
            case .any: Int32(FOUILLE_MATCH_ANY)
            case .restricted: Int32(FOUILLE_MATCH_RESTRICTED)
            }
        }
    }
}

/// The postings of the phrases queries use, read from FTS5 once and held
/// in memory, so that a query is ranked without FTS5's iterators.
///
/// Ranking through FTS5 costs about a microsecond and a half per candidate
/// row, most of it FTS5 moving every phrase's iterator to the row and
/// decoding its positions, again for every query. Words recur from query to
/// query (the vocabulary is Zipfian), so a phrase's rows and positions are
/// read once, through FTS5 itself (`phrase_instances()`), and kept; the
/// query is then ranked in C over plain arrays (`fouille_rank_postings()`),
/// with `tier_rank()`'s arithmetic in the same order, so that ranks,
/// scores and positions are the ones FTS5 gives to the last bit.
///
/// What it holds belongs to one state of the index: FTS5's structure
/// record, which every write to the full-text index changes, is compared on
/// each query, and a change empties the cache. A query using a phrase found
/// in more than ``maximumPhraseRows`` rows is ranked by FTS5 as before, and
/// so are queries using phrases not held once ``budget`` is reached: the
/// common words of a large index would cost more memory, and more time to
/// read, than they save (at 20 copies of the man pages, emptying a full
/// cache to make room had every query read its postings again: p50 24 ms).
final class PostingsCache: @unchecked Sendable {
    /// One phrase's rows and instances, read-only once made.
    final class Postings {
        let rowids: [Int64]
        /// Each row's length in tokens, for BM25.
        let lengths: [Int32]
        let starts: [Int32]
        let columns: [Int32]
        let offsets: [Int32]
        /// Each row's instances in the title, lead and body, three per row
        /// (nil if one is in another column): BM25 needs no more.
        let columnCounts: [Int32]?

        init(rowids: [Int64], lengths: [Int32], starts: [Int32], columns: [Int32], offsets: [Int32]) {
            self.rowids = rowids
            self.lengths = lengths
            self.starts = starts
            self.columns = columns
            self.offsets = offsets
            let width = Int(FOUILLE_POSTING_COLUMNS)
            var counts = [Int32](repeating: 0, count: rowids.count * width)
            var fits = true
            for row in rowids.indices {
                for i in Int(starts[row])..<Int(starts[row + 1]) {
                    let column = Int(columns[i])
                    guard column >= 0, column < width else {
                        fits = false
                        continue
                    }
                    counts[row * width + column] += 1
                }
            }
            columnCounts = fits ? counts : nil
        }
    }

    /// The index's rows and tokens, for BM25's average length.
    struct Totals {
        var rows: Int64
        var tokens: Int64
    }

    /// Phrases in more rows, or with more instances, are not held (see above).
    var maximumPhraseRows = 2_000
    var maximumPhraseInstances = 100_000
    /// Instances held in all: about 60 MB (12 bytes per instance, and a
    /// rowid, a length, a start and three counts per row). Once it is
    /// reached, phrases not held yet are ranked by FTS5 until the index
    /// changes: emptying the cache to make room would have queries of
    /// different words read their postings again and again.
    var budget = 4_000_000
    /// Off, every query is ranked by FTS5 (tests compare the two).
    var isEnabled = true
    private let lock = NSLock()
    private var structure: Data?
    private var postings: [String: Postings] = [:]
    private var tooLarge: Set<String> = []
    /// Phrases asked for once, not read yet: a phrase is read when a second
    /// query asks for it. Reading postings costs more than ranking through
    /// FTS5 once (a first pass over the development queries, each new, took
    /// p50 2.9 ms against 2.3–2.6 ranked by FTS5, p99 8.4–8.7 against 4.4–5.0).
    private var seen: Set<String> = []
    private var instances = 0
    private var totals: Totals?

    /// Phrases held now, and phrases known too large to hold.
    var heldPhrases: Int { lock.withLock { postings.count } }
    var phrasesTooLarge: Int { lock.withLock { tooLarge.count } }

    /// The page of rows `tiers.rows(…)` would give, ranked in memory; nil
    /// when a phrase is in too many rows or the cache is full (FTS5 ranks
    /// it then). `counts` says how many rows each phrase is in.
    func rank(
        _ tiers: QueryPlan.Tiers, limit: Int, offset: Int, ranking: Ranking, counts: ClauseCounts, _ db: Database
    ) throws -> [QueryPlan.Tiers.Row]? {
        let keep = offset + limit
        guard isEnabled, limit > 0, keep <= 10_000, !tiers.phrases.isEmpty, tiers.phrases.count <= 64,
              tiers.phrases.allSatisfy({ !$0.expression.isEmpty })
        else { return nil }
        for phrase in tiers.phrases {
            let rows = phrase.documents > 0 ? phrase.documents : try counts.documents(matching: phrase.expression, db)
            if rows > maximumPhraseRows { return nil }
        }
        let state = try SearchIndex.structure(db)
        guard let (lists, totals) = try held(tiers.phrases.map(\.expression), state: state, db) else { return nil }

        var rowids = [Int64](repeating: 0, count: keep)
        var ranks = [Double](repeating: 0, count: keep)
        // For the page's rows only: up to 256 triples each, written only as
        // far as each row's count.
        var positionCounts = [Int32](repeating: 0, count: limit)
        var positions = [Int32](unsafeUninitializedCapacity: limit * 3 * 256) { _, initialized in
            initialized = limit * 3 * 256
        }
        var count: Int32 = 0
        let weights = [ranking.titleWeight, ranking.leadWeight, ranking.bodyWeight]
        let code: Int32 = withPostings(lists) { postings in
            fouille_rank_postings(
                postings.baseAddress, Int32(postings.count), tiers.rankMap, Int32(tiers.clauseCount), tiers.soft ? 1 : 0,
                tiers.matching.code, weights, Int32(weights.count), totals.rows, totals.tokens,
                Int32(keep), Int32(offset), Int32(SnippetBuilder.maximumDepth), &rowids, &ranks, &positionCounts,
                &positions, &count)
        }
        guard code == 0 else { return nil }
        return (0..<Int(count)).dropFirst(offset).map { k in
            let found = (0..<Int(positionCounts[k - offset])).map { i in
                let base = ((k - offset) * 256 + i) * 3
                return SnippetBuilder.Position(
                    column: Int(positions[base]), offset: Int(positions[base + 1]), phrase: Int(positions[base + 2]))
            }
            return tiers.row(rowid: rowids[k], rank: ranks[k], positions: found)
        }
    }

    /// The postings of `expressions` and the totals, for the state `state`
    /// this connection reads; nil when one phrase is too large to hold.
    private func held(_ expressions: [String], state: Data?, _ db: Database) throws -> ([Postings], Totals)? {
        lock.lock()
        if structure != state {
            structure = state
            postings = [:]
            tooLarge = []
            seen = []
            instances = 0
            totals = nil
        }
        var lists: [Postings?] = expressions.map { postings[$0] }
        let large = expressions.contains { tooLarge.contains($0) }
        let full = instances >= budget
        var known = totals
        if large || (full && lists.contains { $0 == nil }) {
            lock.unlock()
            return nil
        }
        var firstTime = false
        for (i, expression) in expressions.enumerated() where lists[i] == nil && !seen.contains(expression) {
            if seen.count >= 100_000 { seen.removeAll() }  // the vocabulary of a lot of one-off queries
            seen.insert(expression)
            firstTime = true
        }
        lock.unlock()
        if firstTime { return nil }
        for (i, expression) in expressions.enumerated() where lists[i] == nil {
            lists[i] = try Self.read(expression, maximumInstances: maximumPhraseInstances, db)
            if lists[i] == nil {
                lock.lock()
                if structure == state { tooLarge.insert(expression) }
                lock.unlock()
                return nil
            }
        }
        if known == nil {
            guard let some = expressions.indices.first(where: { !lists[$0]!.rowids.isEmpty }),
                  let read = try Self.readTotals(expressions[some], db)
            else { return nil }
            known = read
        }
        lock.lock()
        if structure == state {
            if totals == nil { totals = known }
            for (i, expression) in expressions.enumerated() where postings[expression] == nil {
                postings[expression] = lists[i]
                instances += lists[i]!.columns.count
            }
        }
        lock.unlock()
        return (lists.map { $0! }, known!)
    }

    /// A phrase's postings, through FTS5; nil when too large to hold.
    private static func read(_ expression: String, maximumInstances: Int, _ db: Database) throws -> Postings? {
        var rowids: [Int64] = [], lengths: [Int32] = [], starts: [Int32] = [0], columns: [Int32] = [], offsets: [Int32] = []
        let statement = try db.cachedStatement(sql: """
            SELECT rowid, phrase_instances(documents_fts) FROM documents_fts WHERE documents_fts MATCH ? ORDER BY rowid
            """)
        let cursor = try GRDB.Row.fetchCursor(statement, arguments: [expression])
        while let row = try cursor.next() {
            rowids.append(row[0])
            // The row's length, then (column, offset) pairs.
            let read = try row.withUnsafeData(atIndex: 1) { data -> Bool in
                guard let data, data.count >= 4 else { return false }
                data.withUnsafeBytes { raw in
                    lengths.append(raw.loadUnaligned(fromByteOffset: 0, as: Int32.self))
                    let pairs = (raw.count - 4) / 8
                    for i in 0..<pairs {
                        columns.append(raw.loadUnaligned(fromByteOffset: 4 + i * 8, as: Int32.self))
                        offsets.append(raw.loadUnaligned(fromByteOffset: 8 + i * 8, as: Int32.self))
                    }
                }
                return true
            }
            guard read else { return nil }
            guard columns.count <= maximumInstances else { return nil }
            starts.append(Int32(columns.count))
        }
        return Postings(rowids: rowids, lengths: lengths, starts: starts, columns: columns, offsets: offsets)
    }

    /// The rows and tokens of the index, FTS5's own figures (as
    /// `tier_rank()` reads them), through a MATCH of `expression`, which has rows.
    private static func readTotals(_ expression: String, _ db: Database) throws -> Totals? {
        guard let blob = try Data.fetchOne(
            db.cachedStatement(sql: "SELECT index_totals(documents_fts) FROM documents_fts WHERE documents_fts MATCH ? LIMIT 1"),
            arguments: [expression]), blob.count == 16
        else { return nil }
        return blob.withUnsafeBytes {
            Totals(rows: $0.loadUnaligned(fromByteOffset: 0, as: Int64.self), tokens: $0.loadUnaligned(fromByteOffset: 8, as: Int64.self))
        }
    }
}

/// `lists` as C structs pointing into their arrays, for the length of `body`.
private func withPostings<T>(_ lists: [PostingsCache.Postings], _ body: (UnsafeBufferPointer<FouillePostings>) -> T) -> T {
    var structs: [FouillePostings] = []
    structs.reserveCapacity(lists.count)
    func next(_ i: Int) -> T {
        guard i < lists.count else { return structs.withUnsafeBufferPointer(body) }
        let list = lists[i]
        return list.rowids.withUnsafeBufferPointer { rowids in
            (list.columnCounts ?? []).withUnsafeBufferPointer { counts in
            list.lengths.withUnsafeBufferPointer { lengths in
            list.starts.withUnsafeBufferPointer { starts in
                list.columns.withUnsafeBufferPointer { columns in
                    list.offsets.withUnsafeBufferPointer { offsets in
                        structs.append(FouillePostings(
                            rowids: rowids.baseAddress, lengths: lengths.baseAddress, starts: starts.baseAddress,
                            columns: columns.baseAddress, offsets: offsets.baseAddress,
                            column_counts: list.columnCounts == nil ? nil : counts.baseAddress, count: Int32(rowids.count)))
                        return next(i + 1)
                    }
                }
            }
            }
            }
        }
    }
    return next(0)
}
