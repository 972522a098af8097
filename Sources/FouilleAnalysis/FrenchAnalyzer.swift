/// The French analysis chain, run identically at index and query time:
///
/// 1. ``WordSegmenter``: ICU word breaks; words and numbers, no punctuation.
/// 2. ``ElisionStage``: `l’Ukraine` → `Ukraine`.
/// 3. ``CompoundStage``: `O’Neill` → `O`, `Neill`; `@Elysee` → `Elysee` (ICU splits hyphens).
/// 4. ``FoldingStage``: `Corée` → `coree`, `œuvre` → `oeuvre`.
/// 5. ``StopWordStage``: drops `le`, `de`, `qui`…
/// 6. ``StemStage``: Snowball French, `evenements` → `even`.
///
/// A prefix (`coop*`) takes the short chain: segmentation, elision, compounds
/// and folding, no stop words and no stemming, as Lucene's `normalize` does.
///
/// Not thread-safe: ICU's iterator, libstemmer and the cache hold state.
/// Give each thread (each SQLite connection) its own analyzer.
public final class FrenchAnalyzer {
    /// Words longer than this (in UTF-8 bytes) are not indexed: no French word
    /// comes close, and a 50 MB line without spaces must not become one term.
    public static let maximumWordLength = 128

    // The stages, in chain order. Held as concrete types, not a list of
    // protocol values: every word passes through them, and a dynamic call per
    // stage per word shows up in profiles.
    private let segmenter = WordSegmenter(locale: "fr")
    private let elision = ElisionStage()
    private let compounds = CompoundStage()
    private let folding = FoldingStage()
    private let stopWords: StopWordStage
    private let stemming = StemStage(language: "french")
    private var cache: TermCache

    /// Told each word this analyzer stems for the first time (or again,
    /// once its cache has forgotten it), folded and before stemming, with its
    /// term: what a vocabulary of real words, for typo correction, is made of.
    /// Stop words, numbers and prefixes are not: they are never stemmed.
    public var onNewWord: ((_ word: String, _ term: String) -> Void)?

    /// - Parameter cacheCapacity: distinct spellings remembered (word → term).
    public init(cacheCapacity: Int = 50_000, stopWords: StopWordStage = .french) {
        self.stopWords = stopWords
        cache = TermCache(capacity: cacheCapacity)
    }

    /// Calls `body` with each term of `text` and the byte range it came from.
    /// Stops early, returning false, when `body` returns false.
    @discardableResult
    public func analyze(
        _ text: UnsafeBufferPointer<UInt8>, mode: AnalysisMode = .document,
        _ body: (Token) -> Bool
    ) -> Bool {
        forEachSurface(text) { range, isNumber in
            guard let term = term(for: UnsafeBufferPointer(rebasing: text[range]), isNumber: isNumber, mode: mode) else {
                return true
            }
            return body(Token(term, start: range.lowerBound, end: range.upperBound))
        }
    }

    /// The first stages only: each word of `text` as segmented, elided and
    /// split, before its spelling is normalised. For callers that look for
    /// particular words and can skip most without stemming them (snippets);
    /// ``term(ofSurface:isNumber:)`` finishes the chain for the ones they keep.
    @discardableResult
    public func forEachSurface(_ text: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>, _ isNumber: Bool) -> Bool) -> Bool {
        segmenter.forEachWord(in: text, while: { word in
            guard word.end - word.start <= Self.maximumWordLength else { return true }
            return split(text, word.start..<word.end) { body($0, word.isNumber) }
        })
    }

    /// The byte ranges of the words `analyze` would emit as terms, without
    /// stemming them: only folding and the stop list decide. The n-th range
    /// is the n-th token FTS5 indexed, which is what snippets need to turn
    /// FTS5's token offsets back into text.
    @discardableResult
    public func forEachIndexedWord(_ text: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Bool) -> Bool {
        forEachSurface(text) { range, isNumber in
            guard isNumber || !isStopWord(UnsafeBufferPointer(rebasing: text[range])) else { return true }
            return body(range)
        }
    }

    /// Short ASCII stop words packed into integers, lower-case: most words
    /// are told apart from stop words without making a string.
    private lazy var packedStopWords: Set<UInt64> = Set(stopWords.words.compactMap { Self.pack(Array($0.utf8)) })
    private lazy var longestStopWord = stopWords.words.map(\.utf8.count).max() ?? 0

    private func isStopWord(_ surface: UnsafeBufferPointer<UInt8>) -> Bool {
        if surface.count <= 8, let packed = Self.pack(surface) { return packedStopWords.contains(packed) }
        if surface.allSatisfy({ $0 < 0x80 && $0 != 0x27 }), surface.count > longestStopWord { return false }
        if let folded = Self.foldLatin1(surface) {
            if folded.count > longestStopWord { return false }
            if let packed = Self.pack(folded) { return packedStopWords.contains(packed) }
        }
        let folded = folding.apply(String(decoding: surface, as: UTF8.self)) ?? ""
        return folded.isEmpty || stopWords.apply(folded) == nil
    }

    /// `surface` folded as ``FoldingStage`` would, when it is ASCII letters and
    /// the accented Latin-1 letters of French (`é` → `e`, `œ` → `oe`); nil
    /// for anything else, which takes the full folding.
    static func foldLatin1(_ surface: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(surface.count)
        var i = 0
        while i < surface.count {
            let byte = surface[i]
            if byte < 0x80 {
                guard byte != 0x27 else { return nil }
                out.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
                i += 1
                continue
            }
            guard i + 1 < surface.count else { return nil }
            let next = surface[i + 1]
            if byte == 0xC5, next == 0x92 || next == 0x93 {
                out += [0x6F, 0x65]  // Œ œ
            } else if byte == 0xC3, next >= 0x80, next <= 0xBF {
                let base = latin1Base[Int(next - 0x80)]
                guard base != 0 else { return nil }
                out.append(base)
                if next == 0x86 || next == 0xA6 { out.append(0x65) }  // Æ æ → ae
            } else {
                return nil
            }
            i += 2
        }
        return out
    }

    /// U+00C0…U+00FF: the ASCII letter each folds to, 0 where folding is not
    /// a plain letter (×, ÷, ß, Ð, Þ, Ø…).
    private static let latin1Base: [UInt8] = Array("aaaaaaaceeeeiiii\0nooooo\0\0uuuuy\0\0aaaaaaaceeeeiiii\0nooooo\0\0uuuuy\0y".utf8)

    /// Up to 8 ASCII letters and digits, lower-cased, in one integer; nil otherwise.
    private static func pack<C: Collection>(_ bytes: C) -> UInt64? where C.Element == UInt8 {
        guard bytes.count <= 8 else { return nil }
        var packed: UInt64 = 0
        for b in bytes {
            guard b < 0x80, b != 0x27 else { return nil }
            packed = packed << 8 | UInt64(b >= 0x41 && b <= 0x5A ? b | 0x20 : b)
        }
        return packed
    }

    /// The document term of one surface word from ``forEachSurface(_:_:)``.
    public func term(ofSurface surface: UnsafeBufferPointer<UInt8>, isNumber: Bool) -> String? {
        term(for: surface, isNumber: isNumber, mode: .document)
    }

    /// The terms of `text`, for tests and for callers outside SQLite.
    public func tokens(_ text: String, mode: AnalysisMode = .document) -> [Token] {
        var tokens: [Token] = []
        var text = text
        text.withUTF8 { bytes in
            _ = analyze(bytes, mode: mode) { tokens.append($0); return true }
        }
        return tokens
    }

    /// The terms of `text`, without their offsets.
    public func terms(_ text: String, mode: AnalysisMode = .document) -> [String] {
        tokens(text, mode: mode).map(\.text)
    }

    /// Elision, then compounds: the ranges of a word that remain words.
    private func split(_ text: UnsafeBufferPointer<UInt8>, _ word: Range<Int>, _ emit: (Range<Int>) -> Bool) -> Bool {
        elision.apply(text, word) { rest in compounds.apply(text, rest, emit) }
    }

    private func term(for surface: UnsafeBufferPointer<UInt8>, isNumber: Bool, mode: AnalysisMode) -> String? {
        switch mode {
        case .prefix:
            return nonEmpty(folding.apply(String(decoding: surface, as: UTF8.self)))
        case .document, .query:
            if isNumber { return nonEmpty(folding.apply(String(decoding: surface, as: UTF8.self))) }
            return cache.term(for: surface) { word in
                guard let folded = nonEmpty(folding.apply(word)), let kept = stopWords.apply(folded) else { return nil }
                let term = nonEmpty(stemming.apply(kept))
                if let onNewWord, let term { onNewWord(kept, term) }
                return term
            }
        }
    }

    private func nonEmpty(_ term: String?) -> String? {
        guard let term, !term.isEmpty else { return nil }
        return term
    }
}
