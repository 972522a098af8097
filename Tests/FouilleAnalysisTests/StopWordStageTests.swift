import FouilleAnalysis
import XCTest

final class StopWordStageTests: XCTestCase {
    private let stage = StopWordStage.french
    private let folding = FoldingStage()

    /// The stage runs after folding: feed it what folding gives.
    private func passes(_ word: String) -> Bool {
        guard let folded = folding.apply(word) else { return false }
        return stage.apply(folded) != nil
    }

    func testFunctionWordsAreDropped() {
        let dropped = [
            "le", "la", "les", "de", "du", "des", "un", "une", "et", "ou", "où", "à", "au", "aux",
            "qui", "que", "qu", "dans", "par", "pour", "sur", "avec", "ce", "ces", "il", "elle",
            "ils", "nous", "vous", "on", "se", "ne", "pas", "mais", "même", "leur", "lui", "y",
        ]
        for word in dropped {
            XCTAssertFalse(passes(word), "\(word) is a stop word")
        }
    }

    /// What elision leaves behind when an article stands alone (`l’` at the end
    /// of a line, say) is dropped too.
    func testSingleLettersLeftByElisionAreDropped() {
        for letter in ["c", "d", "j", "l", "m", "n", "s", "t"] {
            XCTAssertNil(stage.apply(letter), letter)
        }
    }

    func testFormsOfEtreAndAvoirAreDropped() {
        for word in ["suis", "sont", "sera", "était", "étaient", "soit", "fut", "ai", "a", "ont", "avait", "aura", "eu"] {
            XCTAssertFalse(passes(word), "\(word) is a stop word")
        }
    }

    /// `été` (summer), `est` (east), `avions` (planes), `son` (sound),
    /// `sommes` (sums) are content words in news: kept.
    func testHomonymsAreKept() {
        for word in ["été", "Été", "est", "avions", "son", "sommes", "as", "fus"] {
            XCTAssertTrue(passes(word), "\(word) must be kept")
        }
        for word in StopWordStage.frenchHomonymsKept {
            XCTAssertTrue(passes(word), "\(word) must be kept")
        }
    }

    /// Folding merges `étés` (summers) with `êtes` (are): the function word wins.
    func testFoldingMergesSomeHomonymsWithFunctionWords() {
        for (content, function) in [("étés", "êtes"), ("fût", "fut"), ("maïs", "mais")] {
            XCTAssertEqual(folding.apply(content), folding.apply(function))
            XCTAssertFalse(passes(content), "\(content) folds like \(function)")
        }
    }

    func testContentWordsAreKept() {
        for word in ["ukraine", "coree", "gouvernement", "president", "paris", "2024", "greve"] {
            XCTAssertEqual(stage.apply(word), word)
        }
    }

    /// The list is stored folded, since the terms it meets are folded.
    func testListIsStoredFolded() {
        for word in stage.words {
            XCTAssertEqual(folding.apply(word), word, "\(word) must be stored folded")
        }
        XCTAssertTrue(stage.words.contains("meme"))
        XCTAssertTrue(stage.words.contains("a"))
        XCTAssertFalse(stage.words.contains("même"))
        XCTAssertFalse(stage.words.contains("à"))
    }

    func testHomonymsAreNotInTheList() {
        for word in StopWordStage.frenchHomonymsKept {
            XCTAssertFalse(stage.words.contains(folding.apply(word)!), word)
        }
    }

    func testCustomListIsFoldedToo() {
        let custom = StopWordStage(words: ["Été", "ÇA", "Œuvre"])
        XCTAssertEqual(custom.words, ["ete", "ca", "oeuvre"])
        XCTAssertNil(custom.apply("ete"))
        XCTAssertEqual(custom.apply("le"), "le")
    }

    func testEmptyListKeepsEverything() {
        let none = StopWordStage(words: [])
        for word in ["le", "la", "de", "qui"] {
            XCTAssertEqual(none.apply(word), word)
        }
    }
}
