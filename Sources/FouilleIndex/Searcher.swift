import FouilleAnalysis
import Foundation
import GRDB

/// One result of a search.
public struct SearchHit: Sendable, Equatable {
    /// 1-based position in the whole result list (offset + i).
    public var rank: Int
    /// Higher is better; see ``Ranking``.
    public var score: Double
    public var id: String
    public var title: String
    /// An excerpt of the original text around the matches; see ``Snippet``.
    public var snippet: Snippet
}

/// The answer to a search: the hits asked for and how many documents match.
public struct SearchResults: Sendable, Equatable {
    /// Documents containing at least one clause of the query (and no excluded term).
    public var total: Int
    public var hits: [SearchHit]
    /// Rare words of the query also matched as nearby words (see ``TypoTolerance``).
    public var corrections: [Correction]

    public init(total: Int, hits: [SearchHit], corrections: [Correction] = []) {
        self.total = total
        self.hits = hits
        self.corrections = corrections
    }

    public static let empty = SearchResults(total: 0, hits: [])
}

extension SearchIndex {
    /// Runs a query typed by a person.
    ///
    /// A short query's results come in tiers (see ``QueryPlan``): documents
    /// containing every clause of the query first; then, giving up the most
    /// frequent clause first (it says the least about what is wanted),
    /// documents containing all the rarer ones; last, documents without the
    /// rarest clause, by how many clauses they contain. Such a query never
    /// has to rank every document that shares one common word with it
    /// unless the stricter tiers leave the page unfilled. Within a tier,
    /// BM25 and proximity (see ``Ranking``). A query of
    /// ``Ranking/softFromClauses`` clauses or more, a sentence or a
    /// description, is ranked by that score alone over every document
    /// containing any clause: its document may lack one of its words.
    ///
    /// Snippets are cut for the hits returned only. The whole query runs on
    /// one read snapshot.
    /// - Parameters:
    ///   - timeLimit: interrupt the query past this (``IndexError/timeout``).
    ///   - snippets: cut snippets (the default); without, hits have empty ones.
    ///   - parallelFrom: rank a query of at least this many candidate
    ///     documents in two halves at once, the second on another reader
    ///     connection and thread (the daemon gives
    ///     ``parallelFromCandidates``); nil: never. The caller must leave the
    ///     pool a free reader for each thread searching with it: the daemon
    ///     does when its query threads are at most half of ``maximumReaders``.
    public func search(
        _ text: String, limit: Int = 10, offset: Int = 0, ranking: Ranking = .default, timeLimit: Duration? = nil,
        snippets: Bool = true, parallelFrom: Int? = nil
    ) throws -> SearchResults {
        try queryParsers.withParser { parser in
            guard let typed = parser.parse(text) else { return .empty }
            return try read(timeLimit: timeLimit) { db in
                let (query, corrections) = try corrected(typed, ranking.typoTolerance, analyzer: parser.analyzer, db)
                var results = try run(
                    query, limit: max(0, limit), offset: max(0, offset), ranking: ranking,
                    analyzer: snippets ? parser.analyzer : nil,
                    split: parallelFrom.map { Split(fromCandidates: $0, timeLimit: timeLimit) }, db)
                results.corrections = corrections
                return results
            }
        }
    }

    private func run(
        _ query: SearchQuery, limit: Int, offset: Int, ranking: Ranking, analyzer: FrenchAnalyzer?, split: Split?,
        _ db: Database
    ) throws -> SearchResults {
        guard let plan = try QueryPlan(query, db, counts: clauseCounts, ranking: ranking) else { return .empty }
        let total = try plan.total(db, counts: clauseCounts)
        // The strict tier alone, when it fills the page; else all tiers in one
        // ranking. A query ranked softly has no tiers: a document with every
        // clause may rank below one without, so the strict tier proves nothing
        // and every document with any clause is scored.
        var tiers = plan.soft ? plan.loose : plan.strict
        // Documents to rank: the strict tier's are few (they hold every clause).
        var candidates = plan.soft ? total : 0
        if plan.soft, let floor = ranking.softCandidates,
           let first = try fewestRarest(plan, filling: max(floor, offset + limit), db) {
            (tiers, candidates) = first
        }
        var rows = try rank(tiers, candidates: candidates, limit: limit, offset: offset, ranking: ranking, split: split, db)
        if !plan.soft, rows.count < limit, plan.clauseCount > 1 {
            // The fewest rarest clauses whose documents fill the page, if any:
            // their tiers come first, and ranking them is cheaper than all.
            (tiers, candidates) = try fewestRarest(plan, filling: offset + limit, db) ?? (plan.loose, total)
            rows = try rank(tiers, candidates: candidates, limit: limit, offset: offset, ranking: ranking, split: split, db)
        }
        var hits: [SearchHit] = []
        let snippets = analyzer.map {
            SnippetBuilder(
                phraseClauses: tiers.phrases.map(\.clause), phraseLengths: tiers.phrases.map(\.length), analyzer: $0)
        }
        let bodyWordsColumn = hasBodyWords
            ? "(SELECT offsets FROM body_checkpoints WHERE rowid = documents.rowid)" : "NULL"
        let documents = try db.cachedStatement(
            sql: "SELECT id, title, lead, \(bodyWordsColumn) FROM documents WHERE rowid = ?")
        let bodies = BodyBlob(db)
        defer { bodies.close() }
        for row in rows {
            // A cursor's row reads SQLite's memory in place: a fetched Row
            // would copy and validate every column into a String.
            // The cursor must outlive the row: it resets the statement when it goes.
            let cursor = try Row.fetchCursor(documents, arguments: [row.rowid])
            defer { withExtendedLifetime(cursor) {} }
            guard let document = try cursor.next() else { continue }
            let title: String = document[1]
            let snippet = try snippets.map { builder in
                let words: Data? = document[3]
                let body = try bodies.body(rowid: row.rowid)
                return try document.withBytes(atIndex: 1) { title in
                    try document.withBytes(atIndex: 2) { lead in
                        try builder.snippet(
                            title: title, lead: lead, body: body, positions: row.positions, bodyWords: words)
                    }
                }
            } ?? Snippet(marked: "")
            hits.append(SearchHit(
                rank: offset + hits.count + 1, score: row.score, id: document[0],
                title: Snippet.oneLine(title), snippet: snippet))
        }
        return SearchResults(total: total, hits: hits)
    }

    /// The first tiers of the fewest rarest clauses (fewer than all) whose
    /// documents number at least `minimum`, and that number; nil when no
    /// such clauses are.
    private func fewestRarest(_ plan: QueryPlan, filling minimum: Int, _ db: Database) throws -> (QueryPlan.Tiers, Int)? {
        guard plan.clauseCount > 1 else { return nil }
        for rarer in 1..<plan.clauseCount {
            let documents = try clauseCounts.documents(matching: plan.expression(anyOfRarest: rarer), db)
            if documents >= minimum { return (plan.firstTiers(containingAnyOf: rarer), documents) }
        }
        return nil
    }

    /// Queries with at least this many candidate documents are worth
    /// ranking in two halves at once (`parallelFrom`). Below it, the second
    /// connection's transaction and the hand-over to another thread cost
    /// about what half the ranking saves.
    public static let parallelFromCandidates = 2_000

    struct Split {
        var fromCandidates: Int
        var timeLimit: Duration?
    }

    /// Ranks `tiers`. With `split` and enough candidates, the rowids are cut
    /// in two: this connection ranks the lower half while another reader
    /// ranks the upper half on another thread, and the two lists are merged
    /// (each holds its half's best `offset + limit` rows; the page's rows are
    /// among them). `tier_rank()` scores a row from the query and the row
    /// alone, so the merged page is the one a single ranking gives.
    ///
    /// Both halves must read the same index: the other reader compares
    /// FTS5's structure record, which every commit changes, with this
    /// connection's, and when a commit came between the two, the lower
    /// half's connection ranks the upper half too.
    func rank(
        _ tiers: QueryPlan.Tiers, candidates: Int, limit: Int, offset: Int, ranking: Ranking, split: Split?,
        _ db: Database
    ) throws -> [QueryPlan.Tiers.Row] {
        if limit > 0,
           let rows = try postings.rank(tiers, limit: limit, offset: offset, ranking: ranking, counts: clauseCounts, db)
        {
            return rows
        }
        // Two statements: SQLite reads one end of the b-tree for a lone
        // min() or max(), and scans the table for both in one.
        guard let split, limit > 0, candidates >= split.fromCandidates,
              let lowest = try Int64.fetchOne(db.cachedStatement(sql: "SELECT min(rowid) FROM documents")),
              let highest = try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(rowid) FROM documents")),
              highest > lowest
        else {
            return try tiers.rows(db, ranking: ranking, limit: limit, offset: offset)
        }
        let middle = lowest + (highest - lowest) / 2
        let upper = (middle + 1)...highest
        let structure = try Self.structure(db)
        let other = UpperHalf()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global(qos: .userInitiated).async {
            defer { done.signal() }
            other.rows = Result {
                try self.read(timeLimit: split.timeLimit) { db in
                    guard try Self.structure(db) == structure else { return nil }
                    return try tiers.rows(db, ranking: ranking, limit: limit, offset: offset, rowids: upper)
                }
            }
        }
        let lower = Result { try tiers.rows(db, ranking: ranking, limit: limit, offset: offset, rowids: lowest...middle) }
        done.wait()
        var rows = try lower.get()
        switch other.rows {
        case .success(let upperRows?):
            rows += upperRows
        case .failure(IndexError.timeout):
            throw IndexError.timeout
        default:  // another snapshot, or a failure this connection will meet again and report
            rows += try tiers.rows(db, ranking: ranking, limit: limit, offset: offset, rowids: upper)
        }
        rows.sort { ($0.rank, $0.rowid) < ($1.rank, $1.rowid) }
        return Array(rows.dropFirst(offset).prefix(limit))
    }

    /// FTS5's structure record: which segments make the index, and a
    /// counter every change increments.
    static func structure(_ db: Database) throws -> Data? {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT block FROM documents_fts_data WHERE id = 10"))
    }

    /// The upper half's rows, handed from its thread; read after the semaphore.
    private final class UpperHalf: @unchecked Sendable {
        var rows: Result<[QueryPlan.Tiers.Row]?, any Error> = .success(nil)
    }

    /// The number of documents `text` matches, as `total` of ``search(_:limit:offset:ranking:timeLimit:snippets:parallelFrom:)``.
    public func count(_ text: String, timeLimit: Duration? = nil) throws -> Int {
        try queryParsers.withParser { parser in
            guard let typed = parser.parse(text) else { return 0 }
            return try read(timeLimit: timeLimit) { db in
                let (query, _) = try corrected(typed, Ranking.default.typoTolerance, analyzer: parser.analyzer, db)
                return try QueryPlan(query, db, counts: clauseCounts, ranking: .default)?.total(db, counts: clauseCounts) ?? 0
            }
        }
    }

    /// The FTS5 expression a query text becomes, or nil when nothing in it is searchable.
    public func expression(for text: String) -> String? {
        queryParsers.withParser { $0.parse(text) }?.expression
    }
}

/// How a query runs: its clauses ordered rarest first, and the tiers of
/// results that follow from giving them up one by one.
///
/// With clauses c0 (rarest) … cn-1 (most frequent), the first tier holds the
/// documents containing every clause; each next one gives up the most
/// frequent clause still required, so documents containing all the rarer
/// ones come next. When even c0 alone is exhausted, the same goes on among
/// the documents without c0, from c1, and so on: n(n+1)/2 tiers, disjoint,
/// in one list. The strict tier is one cheap AND query; when it does not
/// fill the page, one query over the documents containing any clause ranks
/// them by tier, then BM25 (`tier_rank()`, an FTS5 auxiliary function that
/// reads which clauses a row contains and scores it in one pass; both
/// queries rank with it, so paging across them is consistent). Clauses
/// found in no document are dropped first, so a typo does not empty the
/// results.
///
/// A query of ``Ranking/softFromClauses`` clauses or more is planned
/// ``soft``: no tiers, one query over the documents containing any clause,
/// ranked by score (`tier_rank()` with its soft flag).
struct QueryPlan {
    /// One phrase of a MATCH expression, in order.
    struct Phrase {
        /// Its clause (-1 for an exclusion).
        var clause: Int
        /// Its length in tokens, for snippets.
        var length: Int
        /// A typo correction (see ``TypoTolerance``).
        var isCorrection = false
        /// The documents holding it, for its IDF. Planning has counted them
        /// already (and remembers them); left to `tier_rank()`, each query
        /// would walk every document of every word once more.
        var documents = 0
        /// Repeated only to restrict the rows (see ``QueryPlan/firstTiers(containingAnyOf:)``):
        /// `tier_rank()` skips it.
        var restrictsOnly = false
        /// Its FTS5 expression alone, for its postings (see ``PostingsCache``).
        var expression = ""

        /// Its entry in `tier_rank()`'s map: "clause:documents", "~" after
        /// the clause marking a correction, -2 for a restricting phrase.
        var rankEntry: String {
            (restrictsOnly ? "-2" : String(clause)) + (isCorrection ? "~:" : ":") + String(documents)
        }
    }

    struct Tiers {
        let expression: String
        let clauseCount: Int
        let phrases: [Phrase]
        /// Clauses with a correction among their alternatives.
        let correctedClauses: Int
        /// Which rows the expression matches, for ranking postings in memory.
        let matching: Matching
        /// Ranked by score alone, without tiers (see ``QueryPlan/soft``).
        var soft = false

        struct Row {
            var rowid: Int64
            /// `tier_rank()`'s: lower first, ties by rowid.
            var rank: Double
            var score: Double
            var positions: [SnippetBuilder.Position]
        }

        /// The page of rows from `offset`; with `rowids`, the rows from the
        /// first of that range up to `offset + limit` (the caller merges them
        /// with the other ranges').
        func rows(_ db: Database, ranking: Ranking, limit: Int, offset: Int, rowids: ClosedRange<Int64>? = nil) throws -> [Row] {
            guard limit > 0 else { return [] }
            let statement = try db.cachedStatement(sql: """
                SELECT rowid, \(ranking.tierRank) AS rank, match_positions(documents_fts, \(SnippetBuilder.maximumDepth))
                FROM documents_fts
                WHERE documents_fts MATCH ?\(rowids == nil ? "" : " AND rowid BETWEEN ? AND ?")
                ORDER BY rank, rowid LIMIT ? OFFSET ?
                """)
            // A page past 2³⁰ rows (it is empty) keeps every row's positions.
            let keep = offset < 1 << 30 && limit < 1 << 30 ? offset + limit : 0
            var arguments: StatementArguments = [rankMap, clauseCount, soft ? 1 : 0, keep, expression]
            if let rowids {
                arguments += [rowids.lowerBound, rowids.upperBound, keep == 0 ? Int64.max : Int64(keep), 0]
            } else {
                arguments += [limit, offset]
            }
            return try GRDB.Row.fetchAll(statement, arguments: arguments).map { row in
                self.row(rowid: row[0], rank: row[1], positions: SnippetBuilder.positions(row[2] ?? Data()))
            }
        }

        /// `tier_rank()`'s map of the phrases (see ``Phrase/rankEntry``).
        var rankMap: String { phrases.map(\.rankEntry).joined(separator: ",") }

        /// A row `tier_rank()` gave `rank`, with its score.
        func row(rowid: Int64, rank: Double, positions: [SnippetBuilder.Position]) -> Row {
            let tiers = clauseCount * (clauseCount + 1) / 2
            // Ranked softly, every row is in one tier, reported as the loosest (1).
            let (tier, typos, bm25) = soft ? (tiers - 1, 0, rank) : Ranking.split(rank)
            let score = Ranking.score(level: tiers - tier, bm25: bm25, typos: typos, corrected: correctedClauses)
            return Row(rowid: rowid, rank: rank, score: score, positions: positions)
        }
    }

    /// Clauses that take part, the rarest ones: a long query's most frequent
    /// words say little, and n clauses make n(n+1)/2 tiers (Meilisearch
    /// likewise reads ten words of a query).
    static let maximumClauses = 10

    let clauseCount: Int
    /// Ranked by score alone: a query of ``Ranking/softFromClauses`` clauses
    /// or more. Only ``loose`` is used then.
    let soft: Bool
    /// Documents containing every clause.
    let strict: Tiers
    /// Documents containing any clause, ranked by tier (or by score alone
    /// when ``soft``).
    let loose: Tiers
    private let clauses: [SearchQuery.Clause]
    private let excluded: [SearchQuery.Term]

    /// Nil when no clause matches any document.
    init?(_ query: SearchQuery, _ db: Database, counts: ClauseCounts, ranking: Ranking) throws {
        var counted: [(clause: SearchQuery.Clause, documents: Int)] = []
        for clause in query.clauses {
            let documents = try counts.documents(matching: clause.expression, db)
            if documents > 0 { counted.append((clause, documents)) }
        }
        guard !counted.isEmpty else { return nil }
        soft = counted.count >= ranking.softFromClauses
        counted = counted.enumerated()
            .sorted { ($0.element.documents, $0.offset) < ($1.element.documents, $1.offset) }
            .map(\.element)
        let clauses = Array(counted.map(\.clause).prefix(Self.maximumClauses))
        clauseCount = clauses.count
        self.clauses = clauses
        excluded = query.excluded
        var phrases: [Phrase] = []
        for (number, (clause, clauseDocuments)) in counted.prefix(Self.maximumClauses).enumerated() {
            for term in clause.alternatives {
                phrases.append(Phrase(
                    clause: number, length: max(1, term.terms.count), isCorrection: term.isCorrection,
                    documents: clause.alternatives.count == 1
                        ? clauseDocuments : try counts.documents(matching: term.expression, db),
                    expression: term.expression))
            }
        }
        // Rows holding an exclusion are not matched: its IDF is never used.
        phrases += query.excluded.map { Phrase(clause: -1, length: max(1, $0.terms.count), expression: $0.expression) }
        let correctedClauses = clauses.filter { $0.alternatives.contains(where: \.isCorrection) }.count
        strict = Tiers(
            expression: SearchQuery.expression(all: clauses, without: query.excluded),
            clauseCount: clauses.count, phrases: phrases, correctedClauses: correctedClauses, matching: .all)
        loose = Tiers(
            expression: SearchQuery.expression(any: clauses, without: query.excluded),
            clauseCount: clauses.count, phrases: phrases, correctedClauses: correctedClauses, matching: .any,
            soft: soft)
    }

    /// The first tiers only: documents containing any of the `rarer` rarest
    /// clauses, in the same order as in ``loose`` (their tiers come first).
    /// Ranking them does not score every document sharing a common word with
    /// the query. The expression repeats those clauses, to restrict the rows,
    /// before the full list of clauses, which `tier_rank()` reads.
    func firstTiers(containingAnyOf rarer: Int) -> Tiers {
        let restriction = Array(clauses[..<rarer])
        var expression = restriction.map(\.expression).joined(separator: " OR ")
        if restriction.count > 1 { expression = "(" + expression + ")" }
        expression += " AND " + SearchQuery.expression(any: clauses, without: excluded)
        let repeated = restriction.enumerated().flatMap { number, clause in
            clause.alternatives.map {
                Phrase(clause: number, length: max(1, $0.terms.count), restrictsOnly: true, expression: $0.expression)
            }
        }
        return Tiers(
            expression: expression, clauseCount: clauseCount, phrases: repeated + loose.phrases,
            correctedClauses: loose.correctedClauses, matching: .restricted, soft: soft)
    }

    /// Documents containing any of the `rarer` rarest clauses and no exclusion.
    func expression(anyOfRarest rarer: Int) -> String {
        SearchQuery.expression(any: Array(clauses[..<rarer]), without: excluded)
    }

    /// Documents containing any clause and no exclusion: every tier together.
    func total(_ db: Database, counts: ClauseCounts) throws -> Int {
        try counts.documents(matching: loose.expression, db)
    }
}

/// How many documents an expression matches, and the typo corrections of
/// rare words, remembered for each state of the index, whichever connection
/// reads it.
///
/// Planning counts every clause, and words recur from query to query (the
/// vocabulary is Zipfian), so most counts are found here. A state is named
/// by FTS5's structure record, which every write to the full-text index
/// changes: a word ingested a moment ago is never planned as absent.
/// Remembered per connection instead, every reader had to learn each count
/// for itself; and a query lands on whichever reader is free, so that at
/// 20 copies of the man pages, with postings read on another reader, four
/// counts in ten were counted again (a count of a query's words, OR'ed,
/// takes 1 to 3 ms there).
///
/// Each connection reads the structure record only when `PRAGMA
/// data_version` says another connection committed since it last looked.
/// The version is read once per read transaction (``begin(_:)``), where it
/// also starts the transaction's snapshot, which the version then
/// describes: read before every count, it cost a twentieth of a query.
final class ClauseCounts: @unchecked Sendable {
    private let lock = NSLock()
    /// Each connection's data version when it last looked, and the state it read then.
    private var connections: [ObjectIdentifier: (version: Int, state: Data?)] = [:]
    /// What is known of the newest states seen, the oldest first: a
    /// reader still in an older snapshot keeps its own.
    private var memories: [(state: Data?, memory: Memory)] = []
    /// States remembered at most.
    static let states = 4
    /// Counts kept per state at most.
    static let capacity = 50_000

    private struct Memory {
        var counts: [String: Int] = [:]
        var corrections: [String: [(word: String, term: String)]] = [:]
    }

    /// Called at the start of every read transaction, before any count.
    func begin(_ db: Database) throws {
        let connection = ObjectIdentifier(db)
        let version = try Int.fetchOne(db.cachedStatement(sql: "PRAGMA data_version")) ?? 0
        if lock.withLock({ connections[connection]?.version == version }) { return }
        let state = try SearchIndex.structure(db)
        lock.withLock { connections[connection] = (version, state) }
    }

    /// FTS5's structure record, as the connection read it in ``begin(_:)``.
    func state(_ db: Database) throws -> Data? {
        let connection = ObjectIdentifier(db)
        if let known = lock.withLock({ connections[connection] }) { return known.state }
        try begin(db)
        return lock.withLock { connections[connection]?.state }
    }

    func documents(matching expression: String, _ db: Database) throws -> Int {
        if let known = try remembered({ $0.counts[expression] }, db) { return known }
        let count = try Int.fetchOne(
            db.cachedStatement(sql: "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH ?"),
            arguments: [expression]) ?? 0
        try remember(db) { memory in
            if memory.counts.count >= Self.capacity { memory.counts.removeAll() }
            memory.counts[expression] = count
        }
        return count
    }

    /// The corrections `find` gives for `key`, found once per state of the index.
    func corrections(
        _ key: String, _ db: Database, find: () throws -> [(word: String, term: String)]
    ) throws -> [(word: String, term: String)] {
        if let known = try remembered({ $0.corrections[key] }, db) { return known }
        let found = try find()
        try remember(db) { memory in
            if memory.corrections.count >= Self.capacity { memory.corrections.removeAll() }
            memory.corrections[key] = found
        }
        return found
    }

    private func remembered<T>(_ value: (Memory) -> T?, _ db: Database) throws -> T? {
        let state = try state(db)
        return lock.withLock { memories.last(where: { $0.state == state }).flatMap { value($0.memory) } }
    }

    /// Changes the state's memory in place: a copy taken out and put back
    /// would copy its dictionaries (up to ``capacity`` entries) on every
    /// count not known yet.
    private func remember(_ db: Database, _ change: (inout Memory) -> Void) throws {
        let state = try state(db)
        lock.withLock {
            if let i = memories.lastIndex(where: { $0.state == state }) {
                change(&memories[i].memory)
                return
            }
            if memories.count >= Self.states { memories.removeFirst() }
            memories.append((state, Memory()))
            change(&memories[memories.count - 1].memory)
        }
    }
}

extension Row {
    /// The bytes of a text column, borrowed for `body` (empty for NULL).
    fileprivate func withBytes<T>(atIndex index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) throws -> T {
        try withUnsafeData(atIndex: index) { data in
            guard let data, !data.isEmpty else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
            return try data.withUnsafeBytes { try body($0.bindMemory(to: UInt8.self)) }
        }
    }
}
