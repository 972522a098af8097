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
    /// Documents containing every clause rank first. When fewer than
    /// `offset + limit` do, the query is relaxed one clause at a time, the most
    /// frequent clause dropped first (it says the least about what is wanted),
    /// so a whole sentence typed into a search box still finds its document.
    /// Clauses that match no document at all are dropped before anything runs.
    /// Each tier is ranked by BM25 and scored by ``Ranking``; `total` counts
    /// every document of every tier. The query runs on one read snapshot.
    ///
    /// Snippets are computed for the hits returned only.
    public func search(_ text: String, limit: Int = 10, offset: Int = 0, ranking: Ranking = .default) throws -> SearchResults {
        guard let query = queryParsers.withParser({ $0.parse(text) }) else { return .empty }
        return try read { db in
            guard let plan = try QueryPlan(query, db) else { return .empty }
            let total = try plan.count(db)
            var hits: [SearchHit] = []
            var skip = max(0, offset)
            var want = max(0, limit)
            for tier in plan.tiers where want > 0 && hits.count + skip < total + 1 {
                if skip > 0 {
                    let count = try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH ?",
                        arguments: [tier.expression]) ?? 0
                    if count <= skip {
                        skip -= count
                        continue
                    }
                }
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT rowid, \(ranking.bm25) AS bm25 FROM documents_fts
                        WHERE documents_fts MATCH ? ORDER BY bm25 LIMIT ? OFFSET ?
                        """,
                    arguments: [tier.expression, want, skip])
                skip = 0
                for row in rows {
                    let rowid: Int64 = row[0]
                    var hit = try Snippet.hit(db, rowid: rowid, highlighting: plan.highlightExpression)
                    hit.rank = max(0, offset) + hits.count + 1
                    hit.score = Ranking.score(matched: tier.matchedClauses, bm25: row[1])
                    hits.append(hit)
                }
                want -= rows.count
            }
            return SearchResults(total: total, hits: hits)
        }
    }

    /// The number of documents `text` matches, as `total` of ``search(_:limit:offset:ranking:)``.
    public func count(_ text: String) throws -> Int {
        guard let query = queryParsers.withParser({ $0.parse(text) }) else { return 0 }
        return try read { db in try QueryPlan(query, db)?.count(db) ?? 0 }
    }

    /// The FTS5 expression a query text becomes, or nil when nothing in it is searchable.
    public func expression(for text: String) -> String? {
        queryParsers.withParser { $0.parse(text) }?.expression
    }
}

/// The order in which a query's clauses are given up, and the tiers that follow.
struct QueryPlan {
    struct Tier {
        /// Documents of this tier and of no stricter one.
        var expression: String
        var matchedClauses: Int
    }

    let tiers: [Tier]
    /// All documents of all tiers.
    let loosestExpression: String
    /// Every positive term, so that snippets mark all the words found.
    let highlightExpression: String

    /// Nil when no clause matches any document.
    init?(_ query: SearchQuery, _ db: Database) throws {
        var frequencies: [Int] = []
        for clause in query.clauses {
            frequencies.append(try Self.documentFrequency(of: clause, db))
        }
        // Rarest first; a clause found nowhere cannot help any document.
        let clauses = zip(query.clauses, frequencies)
            .filter { $0.1 > 0 }
            .enumerated()
            .sorted { ($0.element.1, $0.offset) < ($1.element.1, $1.offset) }
            .map(\.element.0)
        guard !clauses.isEmpty else { return nil }
        let n = clauses.count
        tiers = (0..<n).map { k in
            Tier(
                expression: SearchQuery.expression(
                    all: Array(clauses[0..<(n - k)]), without: query.excluded,
                    alsoWithout: k > 0 ? clauses[n - k] : nil),
                matchedClauses: n - k)
        }
        loosestExpression = SearchQuery.expression(all: [clauses[0]], without: query.excluded)
        highlightExpression = clauses.map(\.expression).joined(separator: " OR ")
    }

    func count(_ db: Database) throws -> Int {
        try Int.fetchOne(
            db, sql: "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH ?",
            arguments: [loosestExpression]) ?? 0
    }

    /// An estimate from FTS5's vocabulary, good enough to order clauses: a
    /// phrase is as rare as its rarest word, an OR as common as its parts
    /// together. Exact for single words, which most queries are.
    static func documentFrequency(of clause: SearchQuery.Clause, _ db: Database) throws -> Int {
        var total = 0
        for term in clause.alternatives {
            switch term.kind {
            case .prefix:
                let prefix = term.terms.last ?? ""
                let found = try Int.fetchOne(
                    db, sql: "SELECT doc FROM documents_vocab WHERE term >= ? AND term < ? LIMIT 1",
                    arguments: [prefix, prefix + "\u{10FFFF}"])
                // Unknown breadth: plan it as common, so it is given up first.
                total += found == nil ? 0 : Int(Int32.max)
            case .word, .phrase:
                var rarest = Int.max
                for word in term.terms {
                    let documents = try Int.fetchOne(
                        db, sql: "SELECT doc FROM documents_vocab WHERE term = ?", arguments: [word]) ?? 0
                    rarest = min(rarest, documents)
                }
                total += rarest == Int.max ? 0 : rarest
            }
        }
        return total
    }
}
