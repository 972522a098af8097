/// Drops words too common to tell documents apart (`le`, `de`, `qui`), at
/// index and query time alike, so phrases line up on both sides.
///
/// Words are compared folded (the stage runs after folding), so the list is
/// written folded too: `à` is `a`, `été` would be `ete`.
public struct StopWordStage: TermStage, Sendable {
    public let words: Set<String>

    public init(words: Set<String>) {
        let folding = FoldingStage()
        self.words = Set(words.compactMap { folding.apply($0) })
    }

    public func apply(_ term: String) -> String? {
        words.contains(term) ? nil : term
    }

    /// Snowball's French stop list (snowballstem.org, `french/stop.txt`, BSD
    /// licence) without the forms that are also content words in news, as
    /// Lucene's French list does: `été` (summer), `est` (east),
    /// `avions` (planes), `son` (sound), `sommes` (sums), `as` (ace), `fus`.
    /// Folding merges some pairs the list cannot keep apart: `fût` (cask) is
    /// `fut`, `étés` (summers) is `êtes`, `où` is `ou`, `maïs` is `mais`; the
    /// function word wins.
    public static let french = StopWordStage(words: [
        // Articles, pronouns, prepositions and conjunctions.
        "au", "aux", "avec", "ce", "ces", "dans", "de", "des", "du", "elle", "en", "et", "eux",
        "il", "ils", "je", "la", "le", "les", "leur", "lui", "ma", "mais", "me", "même", "mes",
        "moi", "mon", "ne", "nos", "notre", "nous", "on", "ou", "où", "par", "pas", "pour", "qu",
        "que", "qui", "sa", "se", "ses", "sur", "ta", "te", "tes", "toi", "ton", "tu", "un",
        "une", "vos", "votre", "vous",
        // Single letters left by elision.
        "c", "d", "j", "l", "à", "m", "n", "s", "t", "y",
        // Être, without été, est, sommes, fus, fût.
        "étée", "étées", "étant", "étante", "étants", "étantes", "suis", "es", "êtes",
        "sont", "serai", "seras", "sera", "serons", "serez", "seront", "serais", "serait",
        "serions", "seriez", "seraient", "étais", "était", "étions", "étiez", "étaient",
        "fut", "fûmes", "fûtes", "furent", "sois", "soit", "soyons", "soyez", "soient",
        "fusse", "fusses", "fussions", "fussiez", "fussent",
        // Avoir, without avions and as.
        "ayant", "ayante", "ayantes", "ayants", "eu", "eue", "eues", "eus", "ai", "avons",
        "avez", "ont", "aurai", "auras", "aura", "aurons", "aurez", "auront", "aurais",
        "aurait", "aurions", "auriez", "auraient", "avais", "avait", "aviez", "avaient",
        "eut", "eûmes", "eûtes", "eurent", "aie", "aies", "ait", "ayons", "ayez", "aient",
        "eusse", "eusses", "eût", "eussions", "eussiez", "eussent", "a",
    ])

    /// The homonyms deliberately left out of ``french``: content words in news.
    public static let frenchHomonymsKept: [String] = [
        "été", "est", "avions", "son", "sommes", "as", "fus",
    ]
}
