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
        for tier in plan.tiers() where hits.count < limit {
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
/// With clauses c0 (rarest) … cn-1 (most frequent), the first tier holds the
/// documents containing every clause; each next one gives up the most
/// frequent clause still required, so documents containing all the rarer
/// ones come next. When even c0 alone is exhausted, the same goes on among
/// the documents without c0, from c1, and so on. Every tier is disjoint from
/// the ones before it (each excludes the clause just given up), so paging
/// walks one list, and every tier is an AND of clauses: cheap to rank, never
/// an OR over everything sharing a common word with the query, unless the
/// page is still not full by then. Clauses found in no document are dropped
/// first, so a typo does not empty the results.
struct QueryPlan {
    struct Tier {
        let expression: String
        /// The score's integer part: tiers after this one, plus one.
        let level: Int
        /// For snippets: the clause of each phrase of the expression, in
        /// order (-1 for exclusions), and its length in tokens.
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
            let statement = try db.cachedStatement(sql: """
                SELECT rowid, \(ranking.bm25) AS bm25, match_positions(documents_fts) FROM documents_fts
                WHERE documents_fts MATCH ? ORDER BY bm25, rowid LIMIT ? OFFSET ?
                """)
            return try GRDB.Row.fetchAll(statement, arguments: [expression, limit, offset]).map {
                Row(rowid: $0[0], score: Ranking.score(level: level, bm25: $0[1]), positions: $0[2] ?? "")
            }
        }
    }

    /// Clauses that take part, the rarest ones: a long query's most frequent
    /// words say little, and n clauses make n(n+1)/2 tiers (Meilisearch
    /// likewise reads ten words of a query).
    static let maximumClauses = 10

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
        clauses = Array(counted.enumerated()
            .sorted { ($0.element.documents, $0.offset) < ($1.element.documents, $1.offset) }
            .map(\.element.clause)
            .prefix(Self.maximumClauses))
        excluded = query.excluded
    }

    /// The tiers, strictest first, made as they are needed.
    func tiers() -> some Sequence<Tier> {
        let n = clauses.count
        let count = n * (n + 1) / 2
        var made = 0
        var skipped = 0, dropped = 0  // rarest clauses given up; most frequent ones given up after them
        return AnySequence {
            AnyIterator { () -> Tier? in
                guard skipped < n else { return nil }
                let remaining = Array(clauses[skipped...])
                let kept = Array(remaining[..<(remaining.count - dropped)])
                let without = Array(clauses[..<skipped]) + (dropped > 0 ? [remaining[remaining.count - dropped]] : [])
                let tier = Self.tier(kept, without: without, excluded: excluded, level: count - made)
                made += 1
                dropped += 1
                if dropped == remaining.count {
                    skipped += 1
                    dropped = 0
                }
                return tier
            }
        }
    }

    /// Documents containing any clause and no exclusion: every tier together.
    func total(_ db: Database, counts: ClauseCounts) throws -> Int {
        try counts.documents(matching: SearchQuery.expression(any: clauses, without: excluded), db)
    }

    /// `(kept…) NOT (excluded… OR without…)`, and its phrases in FTS5's order.
    private static func tier(
        _ kept: [SearchQuery.Clause], without: [SearchQuery.Clause], excluded: [SearchQuery.Term], level: Int
    ) -> Tier {
        var expression = kept.map(\.expression).joined(separator: " AND ")
        if kept.count > 1 { expression = "(" + expression + ")" }
        let exclusions = excluded.map(\.expression) + without.map(\.expression)
        if !exclusions.isEmpty { expression += " NOT (" + exclusions.joined(separator: " OR ") + ")" }
        var clauses: [Int] = [], lengths: [Int] = []
        for (number, clause) in kept.enumerated() {
            for term in clause.alternatives {
                clauses.append(number)
                lengths.append(max(1, term.terms.count))
            }
        }
        for term in excluded + without.flatMap(\.alternatives) {
            clauses.append(-1)
            lengths.append(max(1, term.terms.count))
        }
        return Tier(expression: expression, level: level, phraseClauses: clauses, phraseLengths: lengths)
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
