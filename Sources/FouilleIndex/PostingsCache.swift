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
/// A phrase not held yet is read on another thread, while the query that
/// asked for it is ranked by FTS5: reading a common phrase's postings takes
/// longer than ranking one query through FTS5 (up to 25 ms at 20 copies of
/// the man pages, where read on the query path they made the p99).
///
/// What it holds belongs to one state of the index: FTS5's structure
/// record, which every write to the full-text index changes, is compared on
/// each query, and a change empties the cache. Phrases in more than
/// ``maximumPhraseRows`` rows are not held, nor phrases not held yet once
/// ``budget`` is reached: emptying a full cache to make room would have
/// queries of different words read their postings again and again.
final class PostingsCache: @unchecked Sendable {
    /// One phrase's rows and instances, read-only once made, in arrays no
    /// larger than their contents. At 20 copies of the man pages, the
    /// phrases of the development queries hold 4.8 million rows and 18
    /// million instances: 11 bytes a row and 4 an instance make 127 MB.
    final class Postings {
        let rowids: [UInt32]
        let starts: [Int32]
        /// Column and token offset, as `FouillePostings` packs them.
        let instances: [UInt32]
        /// Each row's instances in the title, lead and body, three per row,
        /// up to `FOUILLE_COUNT_SATURATED` (nil if one is in another
        /// column): BM25 needs no more, but for rows past the limit.
        let columnCounts: [UInt8]?

        init(rowids: [UInt32], starts: [Int32], instances: [UInt32]) {
            self.rowids = rowids.trimmed()
            self.starts = starts.trimmed()
            self.instances = instances.trimmed()
            let width = Int(FOUILLE_POSTING_COLUMNS)
            var counts = [UInt8](repeating: 0, count: rowids.count * width)
            var fits = true
            for row in rowids.indices {
                for i in Int(starts[row])..<Int(starts[row + 1]) {
                    let column = Int(instances[i] >> FOUILLE_POSTING_OFFSET_BITS)
                    guard column < width else {
                        fits = false
                        continue
                    }
                    if counts[row * width + column] < FOUILLE_COUNT_SATURATED { counts[row * width + column] += 1 }
                }
            }
            columnCounts = fits ? counts : nil
        }

        /// What it costs in memory, about.
        var bytes: Int {
            rowids.count * 4 + starts.count * 4 + instances.count * 4 + (columnCounts?.count ?? 0) + 256
        }
    }

    /// The index's rows and tokens, for BM25's average length.
    struct Totals {
        var rows: Int64
        var tokens: Int64
    }

    /// Phrases in more rows, or with more instances, are not held (see above).
    var maximumPhraseRows = 100_000
    var maximumPhraseInstances = 4_000_000
    /// Bytes held in all, about. Once it is reached, phrases not held yet
    /// are ranked by FTS5 until the index changes: emptying the cache to
    /// make room would have queries of different words read their postings
    /// again and again.
    var budget = 160 << 20
    /// After the index changes, phrases are read only once it has stayed
    /// unchanged this long: an ingest commits every 500 articles, and what
    /// was read in between would be thrown away at the next commit.
    var settling: Duration = .zero
    /// Off, every query is ranked by FTS5 (tests compare the two).
    var isEnabled = true
    /// Where phrases are read from, on ``reads``' thread.
    private let pool: DatabasePool
    private let reads = DispatchQueue(label: "fouille.postings-reads", qos: .utility)
    private let lock = NSLock()
    private var structure: Data?
    private var hasState = false
    /// When the index last changed (nil: the first state seen).
    private var changedAt: ContinuousClock.Instant?
    private var postings: [String: Postings] = [:]
    private var tooLarge: Set<String> = []
    /// Phrases waiting to be read, or being read.
    private var pending: Set<String> = []
    /// Each row's length in tokens, for BM25, by rowid (0: not known),
    /// shared by the phrases held: the same for each phrase of the row.
    private var lengths: [Int32] = []
    private var heldBytes = 0
    /// A phrase did not fit in the budget: no more are read.
    private var isFull = false
    private var totals: Totals?
    private var isStopped = false

    init(pool: DatabasePool) {
        self.pool = pool
    }

    /// Phrases held now, their bytes, and phrases known too large to hold.
    var heldPhrases: Int { lock.withLock { postings.count } }
    var bytes: Int { lock.withLock { heldBytes + lengths.count * 4 } }
    var phrasesTooLarge: Int { lock.withLock { tooLarge.count } }

    /// Returns once the phrases asked for so far have been read.
    func waitForReads() {
        reads.sync {}
    }

    /// Holds reads back until ``resumeReads()`` (tests see what a query
    /// does while a read waits).
    func pauseReads() { reads.suspend() }
    func resumeReads() { reads.resume() }

    /// Reads no more phrases, and returns once a read under way is over:
    /// before the connections close.
    func stop() {
        lock.withLock { isStopped = true }
        reads.sync {}
    }

    /// The page of rows `tiers.rows(…)` would give, ranked in memory; nil
    /// when a phrase is not held (FTS5 ranks it then). `counts` says how
    /// many rows each phrase is in.
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
        let state = try counts.state(db)
        guard let (lists, totals, lengths) = held(tiers.phrases.map(\.expression), state: state) else { return nil }

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
                lengths, Int64(lengths.count), Int32(keep), Int32(offset), Int32(SnippetBuilder.maximumDepth), &rowids, &ranks, &positionCounts,
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

    /// The postings of `expressions`, the totals and the rows' lengths, for
    /// the state `state` the caller reads; nil when one is not held, after
    /// asking for those that can be.
    private func held(_ expressions: [String], state: Data?) -> ([Postings], Totals, [Int32])? {
        lock.lock()
        defer { lock.unlock() }
        if structure != state || !hasState {
            // The first state is not a change: reads start at once.
            changedAt = hasState ? .now : nil
            hasState = true
            structure = state
            postings = [:]
            tooLarge = []
            pending = []
            heldBytes = 0
            lengths = []
            isFull = false
            totals = nil
        }
        let lists = expressions.map { postings[$0] }
        if let totals, lists.allSatisfy({ $0 != nil }) { return (lists.map { $0! }, totals, lengths) }
        guard !isStopped, !expressions.contains(where: { tooLarge.contains($0) }) else { return nil }
        if let changedAt, ContinuousClock.now - changedAt < settling { return nil }
        for (i, expression) in expressions.enumerated() {
            let wanted = lists[i] == nil ? !isFull : totals == nil && !lists[i]!.rowids.isEmpty
            // A burst of new words waits for those asked for before.
            guard wanted, pending.count < 10_000, !pending.contains(expression) else { continue }
            pending.insert(expression)
            // Weakly: a generation the daemon no longer serves closes when
            // its last query lets go, not when its reads are through.
            reads.async { [weak self] in self?.read(expression, state: state) }
        }
        return nil
    }

    /// Reads `expression`'s postings (and the totals, the first time), and
    /// holds them if the index is still in the state `state` and there is room.
    private func read(_ expression: String, state: Data?) {
        defer { lock.withLock { _ = pending.remove(expression) } }
        let (held, needsTotals, isCurrent) = lock.withLock {
            (postings[expression], totals == nil, !isStopped && structure == state)
        }
        guard isCurrent, held == nil || needsTotals else { return }
        do {
            try pool.read { db in
                guard try SearchIndex.structure(db) == state else { return }
                var rowLengths: [Int32] = []
                let list = try held ?? Self.read(expression, maximumInstances: maximumPhraseInstances, lengths: &rowLengths, db)
                let known = try needsTotals && list?.rowids.isEmpty == false ? Self.readTotals(expression, db) : nil
                lock.withLock {
                    guard structure == state else { return }
                    if totals == nil { totals = known }
                    guard held == nil else { return }
                    guard let list else {
                        tooLarge.insert(expression)
                        return
                    }
                    guard postings[expression] == nil else { return }
                    let lengthsNeeded = max(lengths.count, list.rowids.last.map { Int($0) + 1 } ?? 0)
                    guard heldBytes + list.bytes + lengthsNeeded * 4 <= budget else {
                        isFull = true
                        return
                    }
                    postings[expression] = list
                    heldBytes += list.bytes
                    // Written only where not known yet: a query holding the
                    // array makes the first write copy it.
                    if let last = list.rowids.last, Int(last) >= lengths.count {
                        lengths += repeatElement(0, count: Int(last) + 1 - lengths.count)
                    }
                    for (rowid, length) in zip(list.rowids, rowLengths) where lengths[Int(rowid)] != length {
                        lengths[Int(rowid)] = length
                    }
                }
            }
        } catch {
            // Not asked again until the index changes: a read failing
            // for good would otherwise be retried by every query.
            lock.withLock { if structure == state { _ = tooLarge.insert(expression) } }
        }
    }

    /// Rowids past this are not held: the rows' lengths are an array by rowid.
    static let maximumRowid = 1 << 24

    /// A phrase's postings, through FTS5, and its rows' lengths in
    /// `lengths`; nil when too large to hold.
    private static func read(
        _ expression: String, maximumInstances: Int, lengths: inout [Int32], _ db: Database
    ) throws -> Postings? {
        var rowids: [UInt32] = [], starts: [Int32] = [0], instances: [UInt32] = []
        let statement = try db.cachedStatement(sql: """
            SELECT rowid, phrase_instances(documents_fts) FROM documents_fts WHERE documents_fts MATCH ? ORDER BY rowid
            """)
        let cursor = try GRDB.Row.fetchCursor(statement, arguments: [expression])
        let offsetLimit = Int32(1 << FOUILLE_POSTING_OFFSET_BITS)
        let columnLimit = Int32(1 << (32 - FOUILLE_POSTING_OFFSET_BITS))
        while let row = try cursor.next() {
            let rowid: Int64 = row[0]
            guard (0...Int64(maximumRowid)).contains(rowid) else { return nil }
            rowids.append(UInt32(rowid))
            // The row's length, then (column, offset) pairs.
            let read = try row.withUnsafeData(atIndex: 1) { data -> Bool in
                guard let data, data.count >= 4 else { return false }
                return data.withUnsafeBytes { raw in
                    lengths.append(raw.loadUnaligned(fromByteOffset: 0, as: Int32.self))
                    let pairs = (raw.count - 4) / 8
                    for i in 0..<pairs {
                        let column = raw.loadUnaligned(fromByteOffset: 4 + i * 8, as: Int32.self)
                        let offset = raw.loadUnaligned(fromByteOffset: 8 + i * 8, as: Int32.self)
                        guard (0..<columnLimit).contains(column), (0..<offsetLimit).contains(offset) else { return false }
                        instances.append(UInt32(column) << FOUILLE_POSTING_OFFSET_BITS | UInt32(offset))
                    }
                    return true
                }
            }
            guard read, instances.count <= maximumInstances else { return nil }
            starts.append(Int32(instances.count))
        }
        return Postings(rowids: rowids, starts: starts, instances: instances)
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

extension Array {
    /// The same elements in storage of their count, not of the capacity
    /// appending grew (up to twice as much).
    fileprivate func trimmed() -> [Element] {
        guard capacity > count else { return self }
        return [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            _ = buffer.initialize(from: self)
            initialized = count
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
                list.starts.withUnsafeBufferPointer { starts in
                    list.instances.withUnsafeBufferPointer { instances in
                        structs.append(FouillePostings(
                            rowids: rowids.baseAddress, starts: starts.baseAddress, instances: instances.baseAddress,
                            column_counts: list.columnCounts == nil ? nil : counts.baseAddress, count: Int32(rowids.count)))
                        return next(i + 1)
                    }
                }
            }
        }
    }
    return next(0)
}
