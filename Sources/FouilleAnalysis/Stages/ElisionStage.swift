/// Drops an elided article or pronoun from the front of a word:
/// `l’Ukraine` → `Ukraine`, `Qu'il` → `il`, `jusqu'à` → `à`.
///
/// ICU keeps these as one word, so elision is its own stage after
/// segmentation. The kept range starts after the apostrophe, so a snippet
/// highlights `l’[Ukraine]`. Words like `aujourd'hui` have no elided
/// prefix and pass whole. The list is Lucene's French `DEFAULT_ARTICLES`.
public struct ElisionStage: SpanStage, Sendable {
    /// Elided forms, lower-case ASCII, without their apostrophe.
    public static let frenchArticles: [String] = [
        "l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "quoiqu", "lorsqu", "puisqu",
    ]

    private let articles: [[UInt8]]
    private let longestArticle: Int

    public init(articles: [String] = ElisionStage.frenchArticles) {
        self.articles = articles.map { Array($0.utf8) }
        longestArticle = self.articles.map(\.count).max() ?? 0
    }

    public func apply(
        _ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ emit: (Range<Int>) -> Bool
    ) -> Bool {
        // Most words hold no apostrophe near their start: say so in one pass.
        let window = range.lowerBound..<min(range.upperBound, range.lowerBound + longestArticle + 1)
        guard window.contains(where: { text[$0] == 0x27 || text[$0] == 0xE2 || text[$0] == 0xCA }) else {
            return emit(range)
        }
        for article in articles where range.count > article.count + 1 {
            let apostrophe = range.lowerBound + article.count
            guard matchesIgnoringASCIICase(text, at: range.lowerBound, article) else { continue }
            let length = Apostrophe.length(in: text, at: apostrophe, end: range.upperBound)
            if length > 0, apostrophe + length < range.upperBound {
                return emit(apostrophe + length..<range.upperBound)
            }
        }
        return emit(range)
    }

    private func matchesIgnoringASCIICase(
        _ text: UnsafeBufferPointer<UInt8>, at start: Int, _ word: [UInt8]
    ) -> Bool {
        for (k, letter) in word.enumerated() where text[start + k] | 0x20 != letter {
            return false
        }
        return true
    }
}
