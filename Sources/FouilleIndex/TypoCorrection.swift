import FouilleAnalysis
import GRDB

/// A query word matched, as well, as a word of the index a few edits away.
public struct Correction: Sendable, Equatable {
    /// The word as typed, folded (`fihciers`).
    public var typed: String
    /// The nearest word of the index found in more documents (`fichiers`), folded.
    public var word: String

    /// Corrections as `SEARCH` reports them after `corrected=`:
    /// `fihciers:fichiers,…` (folded words are letters only: `:` and `,`
    /// cannot occur in them).
    public static func listed(_ corrections: [Correction]) -> String {
        corrections.map { "\($0.typed):\($0.word)" }.joined(separator: ",")
    }
}

/// When and how far query words are corrected.
///
/// A word of the query found in ``fewDocuments`` documents or fewer is also
/// matched as the words of the index within one edit of it (words of
/// ``oneEditFrom`` letters or more) or two (``twoEditsFrom`` or more), as
/// Meilisearch does; an edit is a letter added, removed, replaced, or two
/// neighbours swapped. A correction must be found in more documents than
/// the typed word: `coree` is not corrected into a rarer `corel`. Words in
/// `"phrases"`, prefixes, field-less or not, and excluded words are never
/// corrected. The exact word ranks above its corrections: see ``Ranking``.
public struct TypoTolerance: Sendable, Equatable {
    public var oneEditFrom: Int
    public var twoEditsFrom: Int
    public var fewDocuments: Int
    /// Corrections kept per word, nearest and most frequent first.
    public var maximumCorrections: Int

    public init(oneEditFrom: Int = 5, twoEditsFrom: Int = 9, fewDocuments: Int = 2, maximumCorrections: Int = 3) {
        self.oneEditFrom = oneEditFrom
        self.twoEditsFrom = twoEditsFrom
        self.fewDocuments = fewDocuments
        self.maximumCorrections = maximumCorrections
    }

    public static let `default` = TypoTolerance()

    /// Edits allowed for a folded word of `letters` letters.
    func edits(letters: Int) -> Int {
        letters >= twoEditsFrom ? 2 : letters >= oneEditFrom ? 1 : 0
    }
}

extension SearchIndex {
    /// `query` with corrections added to its rare words, and what they are.
    func corrected(
        _ query: SearchQuery, _ tolerance: TypoTolerance?, analyzer: FrenchAnalyzer, _ db: Database
    ) throws -> (SearchQuery, [Correction]) {
        guard let tolerance else { return (query, []) }
        var query = query
        var corrections: [Correction] = []
        for index in query.clauses.indices {
            let clause = query.clauses[index]
            guard clause.alternatives.count == 1, let typed = clause.alternatives.first,
                typed.kind == .word, typed.terms.count == 1, !typed.isCorrection
            else { continue }
            // Counted first: the plan counts every clause anyway (the count is
            // remembered), and only rare words are worth folding.
            let documents = try clauseCounts.documents(matching: clause.expression, db)
            guard documents <= tolerance.fewDocuments,
                let folded = analyzer.tokens(typed.text, mode: .prefix).first?.text, Lexicon.accepts(folded)
            else { continue }
            let edits = tolerance.edits(letters: folded.unicodeScalars.count)
            guard edits > 0 else { continue }
            let found = try nearestTerms(
                to: folded, edits: edits, otherThan: typed.terms[0], moreFrequentThan: documents,
                keeping: tolerance.maximumCorrections, db)
            guard let best = found.first else { continue }
            query.clauses[index].alternatives += found.map { SearchQuery.Term.correction($0.term, field: typed.field) }
            corrections.append(Correction(typed: folded, word: best.word))
        }
        return (query, corrections)
    }

    /// The terms of the words near `word`: nearest first, then found in
    /// most documents; each spelled by its nearest word.
    private func nearestTerms(
        to word: String, edits: Int, otherThan typedTerm: String, moreFrequentThan documents: Int, keeping limit: Int,
        _ db: Database
    ) throws -> [(word: String, term: String)] {
        let key = "\(word)\u{0}\(edits)\u{0}\(typedTerm)\u{0}\(documents)\u{0}\(limit)"
        return try clauseCounts.corrections(key, db) {
            try findNearestTerms(
                to: word, edits: edits, otherThan: typedTerm, moreFrequentThan: documents, keeping: limit, db)
        }
    }

    private func findNearestTerms(
        to word: String, edits: Int, otherThan typedTerm: String, moreFrequentThan documents: Int, keeping limit: Int,
        _ db: Database
    ) throws -> [(word: String, term: String)] {
        let neighbours = try lexicon.neighbours(of: word, maximumEdits: edits, db).prefix(32)
        guard !neighbours.isEmpty else { return [] }
        let lookup = try db.cachedStatement(sql: "SELECT term FROM words WHERE word = ?")
        var seen: Set<String> = [typedTerm]
        var found: [(word: String, term: String, edits: Int, documents: Int)] = []
        for neighbour in neighbours {
            guard let term = try String.fetchOne(lookup, arguments: [neighbour.word]), seen.insert(term).inserted
            else { continue }
            let count = try clauseCounts.documents(
                matching: SearchQuery.Term.correction(term, field: nil).expression, db)
            if count > documents { found.append((neighbour.word, term, neighbour.edits, count)) }
        }
        return found.sorted { ($0.edits, -$0.documents) < ($1.edits, -$1.documents) }
            .prefix(limit).map { ($0.word, $0.term) }
    }
}
