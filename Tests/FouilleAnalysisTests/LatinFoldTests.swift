@testable import FouilleAnalysis
import FouilleTestSupport
import XCTest

/// The stop-word check folds accented Latin-1 words without building
/// strings; it must agree with the folding stage wherever it answers.
final class LatinFoldTests: XCTestCase {
    private let folding = FoldingStage()

    private func fastFold(_ word: String) -> String? {
        var word = word
        return word.withUTF8 { FrenchAnalyzer.foldLatin1($0) }.map { String(decoding: $0, as: UTF8.self) }
    }

    func testEveryLatin1LetterFoldsAsTheFoldingStageDoes() {
        var answered = 0
        for value in 0xC0...0xFF {
            let word = "x" + String(UnicodeScalar(UInt8(value))) + "Y"
            guard let fast = fastFold(word) else { continue }
            answered += 1
            XCTAssertEqual(fast, folding.apply(word), word)
        }
        XCTAssertGreaterThanOrEqual(answered, 50, "most Latin-1 letters take the fast path")
        XCTAssertEqual(fastFold("Œuvre"), "oeuvre")
        XCTAssertEqual(fastFold("cœur"), folding.apply("cœur"))
        XCTAssertEqual(fastFold("Ægée"), folding.apply("Ægée"))
    }

    func testOtherScriptsAndApostrophesTakeTheFullFolding() {
        XCTAssertNil(fastFold("aujourd'hui"))
        XCTAssertNil(fastFold("Straße"))
        XCTAssertNil(fastFold("Ελλάδα"))
        XCTAssertNil(fastFold("e\u{301}te"), "a combining accent")
    }

    func testRandomFrenchWordsAgree() {
        var random = SplitMix64(seed: 7)
        let letters = Array("abcdeéèêëàâîïôöùûüçœæÉÈÀÇŒABCXYZ")
        for _ in 0..<5_000 {
            let word = String((0..<Int.random(in: 1...10, using: &random)).map { _ in letters.randomElement(using: &random)! })
            if let fast = fastFold(word) { XCTAssertEqual(fast, folding.apply(word), word) }
        }
    }

    /// The words a snippet counts (``FrenchAnalyzer/forEachIndexedWord(_:_:)``)
    /// are exactly those the analysis indexes.
    func testIndexedWordsAreTheAnalysedOnes() {
        let analyzer = FrenchAnalyzer()
        let text = "Où étaient-ils à Noël ? Là où la Corée a été le cœur des événements, ÉTAIENT-ILS là ?"
        var copy = text
        let surfaces = copy.withUTF8 { bytes in
            var words: [String] = []
            _ = analyzer.forEachIndexedWord(bytes) { range in
                words.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))
                return true
            }
            return words
        }
        let tokens = analyzer.tokens(text)
        XCTAssertEqual(surfaces.count, tokens.count, "\(surfaces) vs \(tokens)")
        XCTAssertFalse(surfaces.contains("Où") || surfaces.contains("étaient") || surfaces.contains("ÉTAIENT"), "\(surfaces)")
        XCTAssertTrue(surfaces.contains("été") && surfaces.contains("cœur") && surfaces.contains("Corée"), "\(surfaces)")
    }
}
