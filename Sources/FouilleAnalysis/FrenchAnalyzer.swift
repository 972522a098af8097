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

    private let segmenter = WordSegmenter(locale: "fr")
    private let spanStages: [any SpanStage] = [ElisionStage(), CompoundStage()]
    private let termStages: [any TermStage]
    private let numberStages: [any TermStage] = [FoldingStage()]
    private let prefixStages: [any TermStage] = [FoldingStage()]
    private var cache: TermCache

    /// - Parameter cacheCapacity: distinct spellings remembered (word → term).
    public init(cacheCapacity: Int = 50_000, stopWords: StopWordStage = .french) {
        termStages = [FoldingStage(), stopWords, StemStage(language: "french")]
        cache = TermCache(capacity: cacheCapacity)
    }

    /// Calls `body` with each term of `text` and the byte range it came from.
    /// Stops early, returning false, when `body` returns false.
    @discardableResult
    public func analyze(
        _ text: UnsafeBufferPointer<UInt8>, mode: AnalysisMode = .document,
        _ body: (Token) -> Bool
    ) -> Bool {
        var keepGoing = true
        segmenter.forEachWord(in: text) { word in
            guard keepGoing, word.end - word.start <= Self.maximumWordLength else { return }
            keepGoing = split(text, word.start..<word.end, stage: 0) { range in
                let surface = String(decoding: UnsafeBufferPointer(rebasing: text[range]), as: UTF8.self)
                guard let term = self.term(for: surface, isNumber: word.isNumber, mode: mode) else {
                    return true
                }
                return body(Token(term, start: range.lowerBound, end: range.upperBound))
            }
        }
        return keepGoing
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

    private func split(
        _ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, stage: Int,
        _ emit: (Range<Int>) -> Bool
    ) -> Bool {
        guard stage < spanStages.count else { return emit(range) }
        return spanStages[stage].apply(text, range) { part in
            split(text, part, stage: stage + 1, emit)
        }
    }

    private func term(for surface: String, isNumber: Bool, mode: AnalysisMode) -> String? {
        switch mode {
        case .prefix:
            return Self.run(prefixStages, surface)
        case .document, .query:
            if isNumber { return Self.run(numberStages, surface) }
            return cache.term(for: surface) { Self.run(termStages, $0) }
        }
    }

    private static func run(_ stages: [any TermStage], _ word: String) -> String? {
        var term = word
        for stage in stages {
            guard let next = stage.apply(term), !next.isEmpty else { return nil }
            term = next
        }
        return term
    }
}
