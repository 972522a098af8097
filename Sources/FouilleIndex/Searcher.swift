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
    /// Documents matching the query (all tiers; see ``SearchIndex/search(_:limit:offset:ranking:)``).
    public var total: Int
    public var hits: [SearchHit]

    public static let empty = SearchResults(total: 0, hits: [])
}

extension SearchIndex {
    /// Runs a query typed by a person.
    ///
    /// Documents are ranked first by how many of the query's clauses (words,
    /// phrases, OR groups) they contain, then by BM25: documents containing
    /// every word come first, then those containing most of them, so a whole
    /// sentence typed into a search box still finds its document. `total`
    /// counts every document containing at least one clause.
    ///
    /// Clauses found in no document are dropped before anything runs (a typo
    /// must not empty the strict tier). When the documents containing every
    /// clause fill the page, only they are ranked: the cheap strict query
    /// answers, and the looser one, which scores every partial match, is
    /// not run. Both orders agree, so paging is stable across the switch.
    ///
    /// Snippets are computed for the hits returned only. The whole query runs
    /// on one read snapshot.
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
        guard let plan = try QueryPlan(query, db) else { return .empty }
        let total = try plan.count(plan.looseExpression, db)
        let strict = try plan.clauseCount == 1 || offset + limit <= plan.count(plan.strictExpression, db)
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT rowid, matched_clauses(documents_fts, ?) AS matched, \(ranking.bm25) AS bm25
                FROM documents_fts WHERE documents_fts MATCH ?
                ORDER BY matched DESC, bm25, rowid LIMIT ? OFFSET ?
                """,
            arguments: [plan.phraseClauses, strict ? plan.strictExpression : plan.looseExpression, limit, offset])
        var hits: [SearchHit] = []
        guard let analyzer else {
            for row in rows {
                let id = try String.fetchOne(db, sql: "SELECT id FROM documents WHERE rowid = ?", arguments: [row[0] as Int64])
                hits.append(SearchHit(
                    rank: offset + hits.count + 1, score: Ranking.score(matched: row[1], bm25: row[2]),
                    id: id ?? "", title: "", snippet: Snippet(marked: "")))
            }
            return SearchResults(total: total, hits: hits)
        }
        let snippets = SnippetBuilder(phraseClauses: plan.phraseNumbers, phraseLengths: plan.phraseLengths, analyzer: analyzer)
        for row in rows {
            let rowid: Int64 = row[0]
            guard let document = try Row.fetchOne(
                db,
                sql: """
                    SELECT d.id, d.title, d.lead, d.body, match_positions(documents_fts)
                    FROM documents_fts JOIN documents d ON d.rowid = documents_fts.rowid
                    WHERE documents_fts MATCH ? AND documents_fts.rowid = ?
                    """,
                arguments: [plan.looseExpression, rowid])
            else { continue }
            hits.append(SearchHit(
                rank: offset + hits.count + 1, score: Ranking.score(matched: row[1], bm25: row[2]),
                id: document[0], title: Snippet.oneLine(document[1]),
                snippet: snippets.snippet(
                    title: document[1], lead: document[2], body: document[3],
                    positions: SnippetBuilder.positions(document[4] ?? ""))))
        }
        return SearchResults(total: total, hits: hits)
    }

    /// The number of documents `text` matches, as `total` of ``search(_:limit:offset:ranking:timeLimit:)``.
    public func count(_ text: String, timeLimit: Duration? = nil) throws -> Int {
        guard let query = queryParsers.withParser({ $0.parse(text) }) else { return 0 }
        return try read(timeLimit: timeLimit) { db in
            guard let plan = try QueryPlan(query, db) else { return 0 }
            return try plan.count(plan.looseExpression, db)
        }
    }

    /// The FTS5 expression a query text becomes, or nil when nothing in it is searchable.
    public func expression(for text: String) -> String? {
        queryParsers.withParser { $0.parse(text) }?.expression
    }
}

/// A query made ready to run against one snapshot of the index.
struct QueryPlan {
    /// Clauses that occur somewhere in the index.
    let clauseCount: Int
    /// Every clause, none of the excluded terms.
    let strictExpression: String
    /// Any clause, none of the excluded terms.
    let looseExpression: String
    /// For `matched_clauses()`: the clause of each phrase of the expressions, in order.
    let phraseClauses: String
    let phraseNumbers: [Int]
    /// Tokens each phrase spans, in the same order.
    let phraseLengths: [Int]

    /// Nil when no clause matches any document.
    init?(_ query: SearchQuery, _ db: Database) throws {
        var clauses: [SearchQuery.Clause] = []
        for clause in query.clauses where try Self.occurs(clause, db) {
            clauses.append(clause)
        }
        guard !clauses.isEmpty else { return nil }
        clauseCount = clauses.count
        strictExpression = SearchQuery.expression(all: clauses, without: query.excluded)
        looseExpression = SearchQuery.expression(any: clauses, without: query.excluded)
        var phrases: [Int] = []
        for (number, clause) in clauses.enumerated() {
            phrases += Array(repeating: number, count: clause.alternatives.count)
        }
        phrases += Array(repeating: -1, count: query.excluded.count)
        phraseNumbers = phrases
        phraseLengths = clauses.flatMap { $0.alternatives.map { max(1, $0.terms.count) } }
            + query.excluded.map { max(1, $0.terms.count) }
        phraseClauses = phrases.map(String.init).joined(separator: ",")
    }

    func count(_ expression: String, _ db: Database) throws -> Int {
        try Int.fetchOne(
            db, sql: "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH ?", arguments: [expression]) ?? 0
    }

    /// Whether any alternative of the clause could match: each of its words
    /// is in FTS5's vocabulary (a prefix: some word starts with it).
    static func occurs(_ clause: SearchQuery.Clause, _ db: Database) throws -> Bool {
        for term in clause.alternatives {
            var present = true
            for (position, word) in term.terms.enumerated() where present {
                let isPrefix = term.kind == .prefix && position == term.terms.count - 1
                present = try Bool.fetchOne(
                    db,
                    sql: isPrefix
                        ? "SELECT 1 FROM documents_vocab WHERE term >= ? AND term < ? LIMIT 1"
                        : "SELECT 1 FROM documents_vocab WHERE term = ? AND ? IS NOT NULL",
                    arguments: [word, word + "\u{10FFFF}"]) ?? false
            }
            if present { return true }
        }
        return false
    }
}
