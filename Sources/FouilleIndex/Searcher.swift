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

    public static let empty = SearchResults(total: 0, hits: [])
}

extension SearchIndex {
    /// Runs a query typed by a person.
    ///
    /// The results come in tiers (see ``QueryPlan``): documents containing
    /// every clause of the query first; then, giving up the most frequent
    /// clause first (it says the least about what is wanted), documents
    /// containing all the rarer ones; last, documents without the rarest
    /// clause, by how many clauses they contain. So a whole sentence typed
    /// into a search box still finds its document, and a query never has to
    /// rank every document that shares one common word with it unless the
    /// stricter tiers leave the page unfilled. Within a tier, BM25.
    ///
    /// Snippets are cut for the hits returned only. The whole query runs on
    /// one read snapshot.
    /// - Parameters:
    ///   - timeLimit: interrupt the query past this (``IndexError/timeout``).
    ///   - snippets: cut snippets (the default); without, hits have empty ones.
    public func search(
        _ text: String, limit: Int = 10, offset: Int = 0, ranking: Ranking = .default, timeLimit: Duration? = nil,
        snippets: Bool = true
    ) throws -> SearchResults {
        try queryParsers.withParser { parser in
            guard let query = parser.parse(text) else { return .empty }
            return try read(timeLimit: timeLimit) { db in
                try run(
                    query, limit: max(0, limit), offset: max(0, offset), ranking: ranking,
                    analyzer: snippets ? parser.analyzer : nil, db)
            }
        }
    }

    private func run(
        _ query: SearchQuery, limit: Int, offset: Int, ranking: Ranking, analyzer: FrenchAnalyzer?, _ db: Database
    ) throws -> SearchResults {
        guard let plan = try QueryPlan(query, db, counts: clauseCounts) else { return .empty }
        let total = try plan.total(db, counts: clauseCounts)
        var hits: [SearchHit] = []
        var skip = offset
        for tier in plan.tiers where hits.count < limit {
            if skip > 0 {
                let count = try tier.count(db)
                if count <= skip {
                    skip -= count
                    continue
                }
            }
            let rows = try tier.rows(db, ranking: ranking, limit: limit - hits.count, offset: skip)
            skip = 0
            let snippets = analyzer.map {
                SnippetBuilder(phraseClauses: tier.phraseClauses, phraseLengths: tier.phraseLengths, analyzer: $0)
            }
            let documents = try db.cachedStatement(sql: "SELECT id, title, lead, body FROM documents WHERE rowid = ?")
            for row in rows {
                guard let document = try Row.fetchOne(documents, arguments: [row.rowid]) else { continue }
                let title: String = document[1]
                let snippet = snippets?.snippet(
                    title: title, lead: document[2], body: document[3],
                    positions: SnippetBuilder.positions(row.positions)) ?? Snippet(marked: "")
                hits.append(SearchHit(
                    rank: offset + hits.count + 1, score: row.score, id: document[0],
                    title: Snippet.oneLine(title), snippet: snippet))
            }
        }
        return SearchResults(total: total, hits: hits)
    }

    /// The number of documents `text` matches, as `total` of ``search(_:limit:offset:ranking:timeLimit:snippets:)``.
    public func count(_ text: String, timeLimit: Duration? = nil) throws -> Int {
        guard let query = queryParsers.withParser({ $0.parse(text) }) else { return 0 }
        return try read(timeLimit: timeLimit) { db in
            try QueryPlan(query, db, counts: clauseCounts)?.total(db, counts: clauseCounts) ?? 0
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
/// With clauses c0 (rarest) … cn-1 (most frequent), tier k holds the
/// documents containing c0 … cn-1-k but not cn-k: every tier is disjoint
/// from the stricter ones, so paging walks one list. The last tier holds the
/// documents without c0 that contain any other clause, ranked by how many
/// they contain. Clauses found in no document are dropped first, so a typo
/// does not empty the strict tiers.
struct QueryPlan {
    struct Tier {
        let expression: String
        /// Clauses every document of the tier contains; nil for the last,
        /// looser tier, ranked by `matched_clauses()`.
        let level: Int?
        let clauseCount: Int
        /// For `matched_clauses()` and snippets: the clause of each phrase
        /// of the expression, in order (-1 for exclusions), and its length.
        let phraseClauses: [Int]
        let phraseLengths: [Int]

        struct Row {
            var rowid: Int64
            var score: Double
            var positions: String
        }

        func count(_ db: Database) throws -> Int {
            try Int.fetchOne(
                db.cachedStatement(sql: "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH ?"),
                arguments: [expression]) ?? 0
        }

        func rows(_ db: Database, ranking: Ranking, limit: Int, offset: Int) throws -> [Row] {
            guard limit > 0 else { return [] }
            if let level {
                let statement = try db.cachedStatement(sql: """
                    SELECT rowid, \(ranking.bm25) AS bm25, match_positions(documents_fts) FROM documents_fts
                    WHERE documents_fts MATCH ? ORDER BY bm25, rowid LIMIT ? OFFSET ?
                    """)
                return try GRDB.Row.fetchAll(statement, arguments: [expression, limit, offset]).map {
                    Row(rowid: $0[0], score: Ranking.score(level: level, bm25: $0[1]), positions: $0[2] ?? "")
                }
            }
            let statement = try db.cachedStatement(sql: """
                SELECT rowid, matched_clauses(documents_fts, ?) AS matched, \(ranking.bm25) AS bm25,
                    match_positions(documents_fts)
                FROM documents_fts WHERE documents_fts MATCH ? ORDER BY matched DESC, bm25, rowid LIMIT ? OFFSET ?
                """)
            let map = phraseClauses.map(String.init).joined(separator: ",")
            return try GRDB.Row.fetchAll(statement, arguments: [map, expression, limit, offset]).map {
                Row(rowid: $0[0], score: Ranking.looseScore(matched: $0[1], of: clauseCount, bm25: $0[2]), positions: $0[3] ?? "")
            }
        }
    }

    let tiers: [Tier]
    private let clauses: [SearchQuery.Clause]
    private let excluded: [SearchQuery.Term]

    /// Nil when no clause matches any document.
    init?(_ query: SearchQuery, _ db: Database, counts: ClauseCounts) throws {
        var counted: [(clause: SearchQuery.Clause, documents: Int)] = []
        for clause in query.clauses {
            let documents = try counts.documents(matching: clause.expression, db)
            if documents > 0 { counted.append((clause, documents)) }
        }
        guard !counted.isEmpty else { return nil }
        let clauses = counted.enumerated()
            .sorted { ($0.element.documents, $0.offset) < ($1.element.documents, $1.offset) }
            .map(\.element.clause)
        self.clauses = clauses
        excluded = query.excluded
        let n = clauses.count
        var tiers: [Tier] = (0..<n).map { k in
            let kept = Array(clauses[..<(n - k)])
            let dropped = k > 0 ? [clauses[n - k]] : []
            return Self.tier(all: kept, without: query.excluded, alsoWithout: dropped, level: n - k, clauseCount: n)
        }
        if n > 1 {
            tiers.append(Self.tier(
                any: Array(clauses[1...]), without: query.excluded, alsoWithout: [clauses[0]], clauseCount: n))
        }
        self.tiers = tiers
    }

    /// Documents containing any clause and no exclusion: every tier together.
    func total(_ db: Database, counts: ClauseCounts) throws -> Int {
        try counts.documents(matching: SearchQuery.expression(any: clauses, without: excluded), db)
    }

    private static func tier(
        all kept: [SearchQuery.Clause], without excluded: [SearchQuery.Term], alsoWithout dropped: [SearchQuery.Clause],
        level: Int, clauseCount: Int
    ) -> Tier {
        let (expression, clauses, lengths) = build(kept, joiner: " AND ", excluded, dropped)
        return Tier(expression: expression, level: level, clauseCount: clauseCount, phraseClauses: clauses, phraseLengths: lengths)
    }

    private static func tier(
        any kept: [SearchQuery.Clause], without excluded: [SearchQuery.Term], alsoWithout dropped: [SearchQuery.Clause],
        clauseCount: Int
    ) -> Tier {
        let (expression, clauses, lengths) = build(kept, joiner: " OR ", excluded, dropped)
        return Tier(expression: expression, level: nil, clauseCount: clauseCount, phraseClauses: clauses, phraseLengths: lengths)
    }

    /// The expression `(kept…) NOT (excluded… OR dropped…)` and its phrases, in FTS5's order.
    private static func build(
        _ kept: [SearchQuery.Clause], joiner: String, _ excluded: [SearchQuery.Term], _ dropped: [SearchQuery.Clause]
    ) -> (String, [Int], [Int]) {
        var expression = kept.map(\.expression).joined(separator: joiner)
        if kept.count > 1 { expression = "(" + expression + ")" }
        let exclusions = excluded.map(\.expression) + dropped.map(\.expression)
        if !exclusions.isEmpty { expression += " NOT (" + exclusions.joined(separator: " OR ") + ")" }
        var clauses: [Int] = [], lengths: [Int] = []
        for (number, clause) in kept.enumerated() {
            for term in clause.alternatives {
                clauses.append(number)
                lengths.append(max(1, term.terms.count))
            }
        }
        for term in excluded + dropped.flatMap(\.alternatives) {
            clauses.append(-1)
            lengths.append(max(1, term.terms.count))
        }
        return (expression, clauses, lengths)
    }
}

/// How many documents an expression matches, remembered per read connection
/// until something is committed.
///
/// Planning counts every clause, and words recur from query to query (the
/// vocabulary is Zipfian), so most counts are found here. `PRAGMA
/// data_version` tells a connection whether another one committed since it
/// last looked, which empties that connection's memory: a word ingested a
/// moment ago is never planned as absent.
final class ClauseCounts: @unchecked Sendable {
    private let lock = NSLock()
    private var byConnection: [ObjectIdentifier: (version: Int, counts: [String: Int])] = [:]
    /// Counts kept per connection at most.
    static let capacity = 20_000

    func documents(matching expression: String, _ db: Database) throws -> Int {
        let connection = ObjectIdentifier(db)
        let version = try Int.fetchOne(db.cachedStatement(sql: "PRAGMA data_version")) ?? 0
        lock.lock()
        if byConnection[connection]?.version != version { byConnection[connection] = (version, [:]) }
        let known = byConnection[connection]?.counts[expression]
        lock.unlock()
        if let known { return known }
        let count = try Int.fetchOne(
            db.cachedStatement(sql: "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH ?"),
            arguments: [expression]) ?? 0
        lock.lock()
        if byConnection[connection]!.counts.count >= Self.capacity { byConnection[connection]!.counts.removeAll() }
        byConnection[connection]!.counts[expression] = count
        lock.unlock()
        return count
    }
}
