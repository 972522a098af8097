import FouilleAnalysis
import Foundation

/// Reads what a person types into a search box; never a syntax error.
///
/// - words, in any case, with or without accents or elided articles;
/// - `"exact phrase"` (an unbalanced quote is ignored);
/// - `-excluded` or `NOT excluded`;
/// - `prefix*` (folded, not stemmed: `coop*` finds `coopération`);
/// - `a OR b` (upper case; binds the two terms around it; `AND` is implicit);
/// - `title:`, `lead:`, `body:` before a word, phrase or prefix.
///
/// Anything else (parentheses, `NEAR(`, stray `*`, `-` or `:`, emoji) is read
/// as plain text, and plain text that analyses to no term (stop words,
/// punctuation) is dropped. Past ``maximumTerms`` terms the rest is ignored.
public final class QueryParser {
    /// Queries longer than this (in characters) are cut: no search box sends more.
    public static let maximumLength = 4096
    /// Terms kept, required and excluded alike.
    public static let maximumTerms = 32

    let analyzer: FrenchAnalyzer

    public init(analyzer: FrenchAnalyzer = FrenchAnalyzer(cacheCapacity: 4096)) {
        self.analyzer = analyzer
    }

    /// The query for `text`, or nil when nothing in it is searchable.
    public func parse(_ text: String) -> SearchQuery? {
        var clauses: [SearchQuery.Clause] = []
        var excluded: [SearchQuery.Term] = []
        var joinNext = false
        // Alternatives count too: `a OR b OR c …` is as many terms as words.
        var termCount = 0
        for piece in Lexer.pieces(of: String(text.prefix(Self.maximumLength))) {
            if termCount >= Self.maximumTerms { break }
            switch piece {
            case .or:
                joinNext = !clauses.isEmpty
            case .term(let raw, let kind, let field, let negated):
                let terms = analyse(raw, kind: kind, field: field)
                guard !terms.isEmpty else { continue }
                termCount += terms.count
                if negated {
                    excluded.append(contentsOf: terms)
                    joinNext = false
                } else if joinNext, let last = clauses.indices.last, terms.count == 1 {
                    clauses[last].alternatives.append(terms[0])
                    joinNext = false
                } else {
                    clauses.append(contentsOf: terms.map { SearchQuery.Clause(alternatives: [$0]) })
                    joinNext = false
                }
            }
        }
        guard !clauses.isEmpty else { return nil }
        return SearchQuery(clauses: clauses, excluded: excluded)
    }

    /// The searchable terms of one piece. A prefix that analyses to several
    /// words (`États-Un*`) becomes the leading words plus a one-word prefix,
    /// since FTS5 would not stem the leading words of a prefix phrase.
    private func analyse(_ raw: String, kind: SearchQuery.Term.Kind, field: SearchQuery.Field?) -> [SearchQuery.Term] {
        // Control characters, and the marker of corrections' raw terms (see FrenchTokenizer).
        func isControl(_ scalar: Unicode.Scalar) -> Bool {
            scalar.value < 0x20 || scalar.value == 0x7F || scalar == FrenchTokenizer.rawTermMarker
        }
        let clean = raw.unicodeScalars.contains(where: isControl)
            ? String(String.UnicodeScalarView(raw.unicodeScalars.map { isControl($0) ? " " : $0 })) : raw
        if kind == .prefix {
            let tokens = analyzer.tokens(clean, mode: .prefix)
            guard let last = tokens.last else { return [] }
            let utf8 = Array(clean.utf8)
            let lastText = String(decoding: utf8[last.start..<last.end], as: UTF8.self)
            var result = analyse(String(decoding: utf8[..<last.start], as: UTF8.self), kind: .phrase, field: field)
            result.append(SearchQuery.Term(text: lastText, kind: .prefix, field: field, terms: [last.text]))
            return result
        }
        let terms = analyzer.terms(clean, mode: .query)
        guard !terms.isEmpty else { return [] }
        return [SearchQuery.Term(text: clean, kind: terms.count > 1 ? .phrase : kind, field: field, terms: terms)]
    }
}

/// Splits query text into pieces: terms with their decorations, and `OR`.
enum Lexer {
    enum Piece: Equatable {
        case term(String, SearchQuery.Term.Kind, SearchQuery.Field?, negated: Bool)
        case or
    }

    static func pieces(of text: String) -> [Piece] {
        // Scalars, not Characters: cutting the query into grapheme clusters
        // was half of parsing it, and what the lexer looks for is one scalar
        // each. (A Character is whitespace when its first scalar is.)
        let chars = Array(text.unicodeScalars)
        func string(_ range: Range<Int>) -> String { String(String.UnicodeScalarView(chars[range])) }
        var pieces: [Piece] = []
        var i = 0
        var negateNext = false
        func isSpace(_ c: Unicode.Scalar) -> Bool { c.properties.isWhitespace || c == "(" || c == ")" }

        while i < chars.count {
            while i < chars.count, isSpace(chars[i]) { i += 1 }
            guard i < chars.count else { break }
            var negated = negateNext
            negateNext = false
            if chars[i] == "-", i + 1 < chars.count, !isSpace(chars[i + 1]) {
                negated = true
                i += 1
            }
            var field: SearchQuery.Field?
            if let colon = chars[i...].prefix(6).firstIndex(of: ":"), colon + 1 < chars.count, !isSpace(chars[colon + 1]),
                let named = SearchQuery.Field(rawValue: string(i..<colon).lowercased())
            {
                field = named
                i = colon + 1
            }
            if chars[i] == "\"" {
                guard let close = chars[(i + 1)...].firstIndex(of: "\"") else {
                    i += 1  // An unbalanced quote: the rest is plain text.
                    continue
                }
                pieces.append(.term(string((i + 1)..<close), .phrase, field, negated: negated))
                i = close + 1
                continue
            }
            var end = i
            while end < chars.count, !isSpace(chars[end]), !(chars[end] == "\"" && end > i) { end += 1 }
            var word = string(i..<end).replacingQuotes(with: " ")
            i = end
            if field == nil, !negated {
                if word == "OR" { pieces.append(.or); continue }
                if word == "AND" { continue }
                if word == "NOT" { negateNext = true; continue }
            }
            var kind = SearchQuery.Term.Kind.word
            if word.hasSuffix("*") {
                while word.hasSuffix("*") { word.removeLast() }
                kind = .prefix
            }
            if !word.isEmpty { pieces.append(.term(word, kind, field, negated: negated)) }
        }
        return pieces
    }
}
