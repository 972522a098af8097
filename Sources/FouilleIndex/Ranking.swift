/// How matches are ordered.
///
/// Within one tier (documents matching the same number of the query's
/// clauses), SQLite's BM25 with field weights: a word in the title counts
/// ten times a word in the body, in the lead five times. These are the
/// starting weights of the design; they are the single place to tune them.
///
/// Across tiers (see `QueryPlan`), a stricter tier always ranks first. The
/// reported score says both: its integer part is the tier (the strictest
/// tier of a query with n clauses is n(n+1)/2, the loosest 1), its fraction
/// BM25 squashed into [0, 1). Higher is better, and scores fall with rank.
public struct Ranking: Sendable, Equatable {
    public var titleWeight: Double
    public var leadWeight: Double
    public var bodyWeight: Double

    public init(titleWeight: Double = 10, leadWeight: Double = 5, bodyWeight: Double = 1) {
        self.titleWeight = titleWeight
        self.leadWeight = leadWeight
        self.bodyWeight = bodyWeight
    }

    public static let `default` = Ranking()

    /// The SQL for FTS5's `bm25()` with these weights (lower is better).
    var bm25: String { "bm25(documents_fts, \(titleWeight), \(leadWeight), \(bodyWeight))" }

    /// The SQL for `tier_rank()` (tier, then the same BM25), taking the phrase
    /// map and the clause count as its two parameters.
    var tierRank: String { "tier_rank(documents_fts, ?, ?, \(titleWeight), \(leadWeight), \(bodyWeight))" }

    /// `tier_rank()`'s number back into the tier and the BM25.
    static func split(_ rank: Double) -> (tier: Int, bm25: Double) {
        let tier = Int((rank / 1e6).rounded(.up))
        return (tier, rank - Double(tier) * 1e6)
    }

    /// The score of a document of the tier at `level` with this BM25.
    static func score(level: Int, bm25: Double) -> Double {
        Double(level) + squashed(bm25)
    }

    private static func squashed(_ bm25: Double) -> Double {
        let relevance = max(0, -bm25)
        return relevance / (1 + relevance)
    }
}
