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
/// each query, and a change empties the cache. A phrase with more than
/// ``maximumPhraseInstances`` instances is not held, and a query using one is
/// ranked by FTS5 as before: at 200,000 articles the common words would
/// cost more memory than they save time. Past ``budget`` instances in all,
/// the cache is emptied and fills again with the phrases still asked for.
final class PostingsCache: @unchecked Sendable {
    /// One phrase's rows and instances, read-only once made.
    final class Postings {
        let rowids: [Int64]
        let starts: [Int32]
        let columns: [Int32]
        let offsets: [Int32]

        init(rowids: [Int64], starts: [Int32], columns: [Int32], offsets: [Int32]) {
            self.rowids = rowids
            self.starts = starts
            self.columns = columns
            self.offsets = offsets
        }
    }

    /// The index's figures BM25 needs, for one state of the index.
    final class Totals {
        let rows: Int64
        let tokens: Int64
        /// By rowid: the row's length in tokens + 1; 0 for no row.
        let lengths: [UInt32]

        init(rows: Int64, tokens: Int64, lengths: [UInt32]) {
            self.rows = rows
            self.tokens = tokens
            self.lengths = lengths
        }
    }

    /// Phrases with more instances are not held (see above).
    var maximumPhraseInstances = 500_000
    /// Instances held in all: about 40 MB (12 bytes per instance, and a
    /// rowid and a start per row).
    var budget = 3_000_000
    /// Off, every query is ranked by FTS5 (tests compare the two).
    var isEnabled = true
    /// Rowids past this are not held (their lengths would take too much memory).
    static let maximumRowid: Int64 = 4_000_000

    private let lock = NSLock()
    private var structure: Data?
    private var postings: [String: Postings] = [:]
    private var tooLarge: Set<String> = []
    private var instances = 0
    private var totals: Totals?

    /// Phrases held now, and phrases known too large to hold.
    var heldPhrases: Int { lock.withLock { postings.count } }
    var phrasesTooLarge: Int { lock.withLock { tooLarge.count } }

    /// The page of rows `tiers.rows(…)` would give, ranked in memory; nil
    /// when a phrase is too large to hold (FTS5 ranks it then).
    func rank(_ tiers: QueryPlan.Tiers, limit: Int, offset: Int, ranking: Ranking, _ db: Database) throws -> [QueryPlan.Tiers.Row]? {
        let keep = offset + limit
        guard isEnabled, limit > 0, keep <= 10_000, !tiers.phrases.isEmpty, tiers.phrases.count <= 64,
              tiers.phrases.allSatisfy({ !$0.expression.isEmpty })
        else { return nil }
        let state = try SearchIndex.structure(db)
        guard let (lists, totals) = try held(tiers.phrases.map(\.expression), state: state, db) else { return nil }

        var rowids = [Int64](repeating: 0, count: keep)
        var ranks = [Double](repeating: 0, count: keep)
        var positionCounts = [Int32](repeating: 0, count: keep)
        var positions = [Int32](repeating: 0, count: keep * 3 * 256)
        var count: Int32 = 0
        let map = tiers.phrases.map(\.rankEntry).joined(separator: ",")
        let weights = [ranking.titleWeight, ranking.leadWeight, ranking.bodyWeight]
        let code: Int32 = withPostings(lists) { postings in
            totals.lengths.withUnsafeBufferPointer { lengths in
                fouille_rank_postings(
                    postings.baseAddress, Int32(postings.count), map, Int32(tiers.clauseCount), tiers.soft ? 1 : 0,
                    tiers.matching.code, weights, Int32(weights.count), totals.rows, totals.tokens,
                    lengths.baseAddress, Int64(lengths.count), Int32(keep), Int32(SnippetBuilder.maximumDepth),
                    &rowids, &ranks, &positionCounts, &positions, &count)
            }
        }
        guard code == 0 else { return nil }
        return (0..<Int(count)).dropFirst(offset).map { k in
            let found = (0..<Int(positionCounts[k])).map { i in
                let base = (k * 256 + i) * 3
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
            instances = 0
            totals = nil
        }
        var lists: [Postings?] = expressions.map { postings[$0] }
        let large = expressions.contains { tooLarge.contains($0) }
        var known = totals
        lock.unlock()
        if large { return nil }
        if known == nil {
            guard let read = try Self.readTotals(db) else { return nil }
            known = read
        }
        for (i, expression) in expressions.enumerated() where lists[i] == nil {
            lists[i] = try Self.read(expression, maximumInstances: maximumPhraseInstances, db)
            if lists[i] == nil {
                lock.lock()
                if structure == state { tooLarge.insert(expression) }
                lock.unlock()
                return nil
            }
        }
        lock.lock()
        if structure == state {
            if totals == nil { totals = known }
            for (i, expression) in expressions.enumerated() where postings[expression] == nil {
                if instances + lists[i]!.columns.count > budget {
                    postings = [:]
                    instances = 0
                }
                postings[expression] = lists[i]
                instances += lists[i]!.columns.count
            }
        }
        lock.unlock()
        return (lists.map { $0! }, known!)
    }

    /// A phrase's postings, through FTS5; nil when too large to hold.
    private static func read(_ expression: String, maximumInstances: Int, _ db: Database) throws -> Postings? {
        var rowids: [Int64] = [], starts: [Int32] = [0], columns: [Int32] = [], offsets: [Int32] = []
        let statement = try db.cachedStatement(sql: """
            SELECT rowid, phrase_instances(documents_fts) FROM documents_fts WHERE documents_fts MATCH ? ORDER BY rowid
            """)
        let cursor = try GRDB.Row.fetchCursor(statement, arguments: [expression])
        while let row = try cursor.next() {
            let rowid: Int64 = row[0]
            guard rowid >= 0, rowid < maximumRowid else { return nil }
            rowids.append(rowid)
            try row.withUnsafeData(atIndex: 1) { data in
                guard let data else { return }
                data.withUnsafeBytes { raw in
                    let pairs = raw.count / (2 * MemoryLayout<Int32>.size)
                    for i in 0..<pairs {
                        columns.append(raw.loadUnaligned(fromByteOffset: i * 8, as: Int32.self))
                        offsets.append(raw.loadUnaligned(fromByteOffset: i * 8 + 4, as: Int32.self))
                    }
                }
            }
            guard columns.count <= maximumInstances else { return nil }
            starts.append(Int32(columns.count))
        }
        return Postings(rowids: rowids, starts: starts, columns: columns, offsets: offsets)
    }

    /// The rows and tokens of the index (FTS5's own figures, as `tier_rank()`
    /// reads them) and each row's length, from FTS5's `docsize` table.
    private static func readTotals(_ db: Database) throws -> Totals? {
        guard let highest = try Int64.fetchOne(db, sql: "SELECT max(id) FROM documents_fts_docsize") else {
            return Totals(rows: 0, tokens: 0, lengths: [])
        }
        guard highest < maximumRowid,
              let blob = try Data.fetchOne(
                db, sql: "SELECT index_totals(documents_fts) FROM documents_fts WHERE documents_fts MATCH ? LIMIT 1",
                arguments: [try firstTerm(db)]),
              blob.count == 16
        else { return nil }
        let (rows, tokens) = blob.withUnsafeBytes {
            ($0.loadUnaligned(fromByteOffset: 0, as: Int64.self), $0.loadUnaligned(fromByteOffset: 8, as: Int64.self))
        }
        var lengths = [UInt32](repeating: 0, count: Int(highest) + 1)
        let cursor = try GRDB.Row.fetchCursor(db, sql: "SELECT id, sz FROM documents_fts_docsize")
        while let row = try cursor.next() {
            let id: Int64 = row[0]
            guard id >= 0, id <= highest else { continue }
            let length = try row.withUnsafeData(atIndex: 1) { data in data.map(sumOfVarints) ?? 0 }
            lengths[Int(id)] = UInt32(min(length, Int(UInt32.max - 1))) + 1
        }
        return Totals(rows: rows, tokens: tokens, lengths: lengths)
    }

    /// Some term of the index, for a MATCH that reaches FTS5's totals.
    private static func firstTerm(_ db: Database) throws -> String {
        let term = try String.fetchOne(db, sql: "SELECT term FROM documents_vocab LIMIT 1") ?? ""
        return "\"" + String(FrenchTokenizer.rawTermMarker) + term.replacingQuotes(with: "\"\"") + "\""
    }

    /// FTS5's `docsize` record: one SQLite varint per column.
    static func sumOfVarints(_ data: Data) -> Int {
        var sum = 0, value = 0, used = 0
        for byte in data {
            used += 1
            if used == 9 {
                value = (value << 8) | Int(byte)
            } else {
                value = (value << 7) | Int(byte & 0x7F)
                if byte & 0x80 != 0 { continue }
            }
            sum += value
            (value, used) = (0, 0)
        }
        return sum
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
            list.starts.withUnsafeBufferPointer { starts in
                list.columns.withUnsafeBufferPointer { columns in
                    list.offsets.withUnsafeBufferPointer { offsets in
                        structs.append(FouillePostings(
                            rowids: rowids.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CLongLong.self) },
                            starts: starts.baseAddress, columns: columns.baseAddress, offsets: offsets.baseAddress,
                            count: Int32(rowids.count)))
                        return next(i + 1)
                    }
                }
            }
        }
    }
    return next(0)
}
