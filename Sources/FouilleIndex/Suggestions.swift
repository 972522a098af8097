import FouilleAnalysis
import GRDB

/// A completion of a partial word: a word of the index, as written in a document.
public struct Suggestion: Sendable, Equatable {
    /// A real spelling from the documents (`coopération`), never a stem.
    public var word: String
    /// Documents containing the word's term.
    public var documents: Int
}

extension SearchIndex {
    /// Completions of the last word of `prefix`, most frequent first.
    ///
    /// The prefix is folded as a prefix query is (`Coopé` → `coope`) and
    /// looked up in FTS5's vocabulary, which holds stems. A stem is not a
    /// word to show, so each is spelled the way one of its documents writes
    /// it (in lower case when a document has it so): the documents are
    /// analysed again until a token with that stem turns up.
    public func suggestions(for prefix: String, limit: Int = 10, timeLimit: Duration? = nil) throws -> [Suggestion] {
        guard limit > 0 else { return [] }
        return try queryParsers.withParser { parser in
            guard let stem = parser.analyzer.tokens(prefix, mode: .prefix).last?.text else { return [] }
            return try read(timeLimit: timeLimit) { db in
                let candidates = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT term, doc FROM documents_vocab WHERE term >= ? AND term < ?
                        ORDER BY doc DESC, term LIMIT ?
                        """,
                    arguments: [stem, stem + "\u{10FFFF}", limit * 2])
                var suggestions: [Suggestion] = []
                var shown = Set<String>()
                for row in candidates where suggestions.count < limit {
                    let term: String = row[0]
                    guard let word = try Self.spelling(of: term, db, parser.analyzer),
                        shown.insert(word.lowercased()).inserted
                    else { continue }
                    suggestions.append(Suggestion(word: word, documents: row[1]))
                }
                return suggestions
            }
        }
    }

    /// How the documents write the words whose term is `term`.
    private static func spelling(of term: String, _ db: Database, _ analyzer: FrenchAnalyzer) throws -> String? {
        let expression = "\"" + term.replacingQuotes(with: "\"\"") + "\" *"
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT d.title, d.lead, substr(d.body, 1, 20000) FROM documents_fts
                JOIN documents d ON d.rowid = documents_fts.rowid
                WHERE documents_fts MATCH ? LIMIT 3
                """,
            arguments: [expression])
        var fallback: String?
        for row in rows {
            for column in 0..<3 {
                let text: String = row[column]
                let utf8 = Array(text.utf8)
                for token in analyzer.tokens(text) where token.text == term {
                    let written = String(decoding: utf8[token.start..<token.end], as: UTF8.self)
                    if written == written.lowercased() { return written }
                    fallback = fallback ?? written
                }
            }
        }
        return fallback
    }
}
