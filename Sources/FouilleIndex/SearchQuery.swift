/// A query read from user text, guaranteed to make a valid FTS5 expression.
///
/// Built only by ``QueryParser``, which drops everything that would not
/// search anything, so a `SearchQuery` always has at least one clause; text
/// with no searchable word gives no query at all (and no results), never an
/// error. Raw user text never reaches MATCH: every piece of it is quoted.
public struct SearchQuery: Sendable, Equatable {
    /// The columns a term can be restricted to (`title:corée`).
    public enum Field: String, CaseIterable, Sendable {
        case title, lead, body
    }

    /// One thing the user typed: a word, an `"exact phrase"` or a `prefix*`.
    public struct Term: Sendable, Equatable {
        public enum Kind: Sendable, Equatable { case word, phrase, prefix }

        /// The text as typed; FTS5 analyses it with the same chain as documents.
        public var text: String
        public var kind: Kind
        public var field: Field?
        /// Its analysed terms, for query planning.
        public var terms: [String]
        /// A term of the index put in by typo correction, not typed: `text`
        /// is the term behind ``FrenchTokenizer/rawTermMarker``.
        public var isCorrection = false

        public init(text: String, kind: Kind, field: Field?, terms: [String]) {
            self.text = text
            self.kind = kind
            self.field = field
            self.terms = terms
        }

        /// The term of the index `term`, as an alternative to a misspelt word.
        static func correction(_ term: String, field: Field?) -> Term {
            var correction = Term(
                text: String(Character(FrenchTokenizer.rawTermMarker)) + term, kind: .word, field: field, terms: [term])
            correction.isCorrection = true
            return correction
        }

        /// The FTS5 form: the text quoted (a word that analyses to several
        /// terms, like `États-Unis`, becomes a phrase), `*` for a prefix,
        /// `column :` for a field.
        public var expression: String {
            let quoted = "\"" + text.replacingQuotes(with: "\"\"") + "\""
            let term = kind == .prefix ? quoted + " *" : quoted
            return field.map { "\($0.rawValue) : \(term)" } ?? term
        }
    }

    /// Terms joined by `OR`; most clauses hold one term.
    public struct Clause: Sendable, Equatable {
        public var alternatives: [Term]

        public var expression: String {
            alternatives.count == 1
                ? alternatives[0].expression
                : "(" + alternatives.map(\.expression).joined(separator: " OR ") + ")"
        }
    }

    /// Every clause should match; the searcher relaxes this for natural-language queries.
    public var clauses: [Clause]
    /// No result may match these (`-excluded`).
    public var excluded: [Term]

    /// The strict FTS5 expression: all clauses, none of the excluded terms.
    public var expression: String { Self.expression(all: clauses, without: excluded) }

    static func expression(all clauses: [Clause], without excluded: [Term]) -> String {
        joined(clauses, by: " AND ", without: excluded)
    }

    static func expression(any clauses: [Clause], without excluded: [Term]) -> String {
        joined(clauses, by: " OR ", without: excluded)
    }

    private static func joined(_ clauses: [Clause], by separator: String, without excluded: [Term]) -> String {
        var expression = clauses.map(\.expression).joined(separator: separator)
        if clauses.count > 1 { expression = "(" + expression + ")" }
        if !excluded.isEmpty {
            expression += " NOT (" + excluded.map(\.expression).joined(separator: " OR ") + ")"
        }
        return expression
    }
}

extension String {
    /// Each `"` replaced; the string itself when it holds none (the usual
    /// case). Scalar by scalar: a `"` followed by a combining mark is one
    /// Character, which a Character search (`replacingOccurrences`) misses,
    /// leaving a bare quote in an FTS5 expression (a syntax error).
    func replacingQuotes(with replacement: String) -> String {
        guard utf8.contains(0x22) else { return self }
        var result = String.UnicodeScalarView()
        for scalar in unicodeScalars {
            if scalar == "\"" { result.append(contentsOf: replacement.unicodeScalars) } else { result.append(scalar) }
        }
        return String(result)
    }
}
