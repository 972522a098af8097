/// How matches are ordered.
///
/// A short query (fewer than ``softFromClauses`` clauses) is ranked in tiers
/// (see `QueryPlan`): a stricter tier always ranks first, so `corée du nord`
/// lists the documents with both words before those with one. A longer
/// query is ranked softly, by score alone: typed as a sentence or a
/// description, its document often lacks one of its words while some long
/// document has them all (see docs/RELEVANCE.md).
///
/// The score, in `tier_rank()` (CFTS5Match.c): BM25 with field weights (a
/// word in the title counts ten times a word in the body, in the lead five
/// times) and length normalisation b 0.9, times a proximity factor, up to 3,
/// for query words standing together in the text.
///
/// A word corrected for a typo (see ``TypoTolerance``) counts less than the
/// word typed: its matches weigh half in the score, and within a tier a
/// document holding a clause only through a correction ranks below every
/// document holding the words as typed.
///
/// The reported score: its integer part is the tier (the strictest tier of a
/// query with n clauses is n(n+1)/2, the loosest 1; 1 for every document of
/// a query ranked softly), its fraction the score squashed into [0, 1).
/// Higher is better, and scores fall with rank.
public struct Ranking: Sendable, Equatable {
    public var titleWeight: Double
    public var leadWeight: Double
    public var bodyWeight: Double
    /// Queries with at least this many clauses (words, phrases or OR groups
    /// found in some document) are ranked by score alone, without tiers.
    /// 4: ranking 3-clause queries softly too scored better on the
    /// development set, but a user typing three words expects documents with
    /// all three first.
    public var softFromClauses: Int
    /// A query ranked softly scores only the documents holding one of its
    /// rarest clauses, the fewest of them that give at least this many
    /// candidates (and a page); nil scores every document with any clause.
    /// A document holding none of them shares only common words with the
    /// query: scoring the thousands of those is most of the cost of a long
    /// query, and one of them rarely reaches the first page.
    public var softCandidates: Int?
    /// Corrections of rare words; nil corrects nothing.
    public var typoTolerance: TypoTolerance?

    public init(
        titleWeight: Double = 10, leadWeight: Double = 5, bodyWeight: Double = 1, softFromClauses: Int = 4,
        softCandidates: Int? = 200, typoTolerance: TypoTolerance? = .default
    ) {
        self.titleWeight = titleWeight
        self.leadWeight = leadWeight
        self.bodyWeight = bodyWeight
        self.softFromClauses = softFromClauses
        self.softCandidates = softCandidates
        self.typoTolerance = typoTolerance
    }

    public static let `default` = Ranking()

    /// The SQL for FTS5's `bm25()` with these weights (lower is better).
    var bm25: String { "bm25(documents_fts, \(titleWeight), \(leadWeight), \(bodyWeight))" }

    /// The SQL for `tier_rank()` (tier, then the score), taking the phrase
    /// map, the clause count, whether to rank softly (1, no tiers) or not
    /// (0), and the rows wanted (offset + limit) as its four parameters.
    var tierRank: String { "tier_rank(documents_fts, ?, ?, ?, ?, \(titleWeight), \(leadWeight), \(bodyWeight))" }

    /// `tier_rank()`'s number (tier × 10⁶ + corrected clauses × 10⁴ − score)
    /// back into its parts.
    static func split(_ rank: Double) -> (tier: Int, typos: Int, bm25: Double) {
        let tier = Int((rank / 1e6).rounded(.up))
        let rest = rank - Double(tier) * 1e6
        let typos = max(0, Int((rest / 1e4).rounded(.up)))
        return (tier, typos, rest - Double(typos) * 1e4)
    }

    /// The score of a document of the tier at `level` with this BM25, with
    /// `typos` of the query's `corrected` clauses matched only by a correction:
    /// fewer of those rank higher within a tier, so they take the upper part
    /// of the fraction.
    static func score(level: Int, bm25: Double, typos: Int = 0, corrected: Int = 0) -> Double {
        guard corrected > 0 else { return Double(level) + squashed(bm25) }
        let band = Double(corrected - min(typos, corrected))
        return Double(level) + (band + squashed(bm25)) / Double(corrected + 1)
    }

    private static func squashed(_ bm25: Double) -> Double {
        let relevance = max(0, -bm25)
        return relevance / (1 + relevance)
    }
}
