import FouilleAnalysis
import XCTest

final class StemStageTests: XCTestCase {
    private let folding = FoldingStage()

    /// Stemming runs on folded words, so fold first, as the analyzer does.
    private func stem(_ word: String, with stage: StemStage) -> String? {
        folding.apply(word).flatMap(stage.apply)
    }

    /// Forms of one word, accented or not, singular or plural, meet at one stem.
    func testFormsMeetAtOneStem() {
        let stage = StemStage()
        let families: [(stem: String, forms: [String])] = [
            ("even", ["evenement", "evenements", "Événement", "Événements", "événement"]),
            ("activit", ["activite", "activites", "activité", "activités", "Activités"]),
            ("core", ["coree", "Corée", "CORÉE"]),
            ("cooper", ["cooperer", "coopérer", "coopération", "cooperations"]),
            ("gouvern", ["gouvernement", "gouvernements", "gouverner"]),
            ("elect", ["élection", "élections"]),
            ("ukrain", ["Ukraine", "ukraine"]),
        ]
        for family in families {
            for form in family.forms {
                XCTAssertEqual(stem(form, with: stage), family.stem, form)
            }
        }
    }

    func testStemsOfKeptHomonyms() {
        let stage = StemStage()
        let table: [(String, String)] = [
            ("avions", "avion"), ("sommes", "somm"), ("son", "son"), ("est", "est"), ("ete", "ete"),
        ]
        for (word, expected) in table {
            XCTAssertEqual(stage.apply(word), expected, word)
        }
    }

    /// Numbers pass unchanged, even when they end like a French suffix.
    func testNumbersPassUnchanged() {
        let stage = StemStage()
        for number in ["2024", "3,5", "1er", "10h30", "2e", "1ers", "0"] {
            XCTAssertEqual(stage.apply(number), number)
        }
    }

    /// libstemmer keeps state per stemmer: one word must not leak into the next.
    func testStemmerIsReusable() {
        let stemmer = SnowballStemmer(language: "french")
        let words = ["evenements", "a", "anticonstitutionnellement", "", "coopération", "evenements"]
        let first = words.map(stemmer.stem)
        let second = words.map(stemmer.stem)
        XCTAssertEqual(first, second)
        XCTAssertEqual(first.first, first.last)
        XCTAssertEqual(stemmer.stem(""), "")
    }

    func testShortWordsAreUntouched() {
        let stage = StemStage()
        for word in ["a", "de", "ue", "ok"] {
            XCTAssertEqual(stage.apply(word), word)
        }
    }

    func testOtherLanguage() {
        let english = StemStage(language: "english")
        XCTAssertEqual(english.apply("running"), "run")
        XCTAssertEqual(english.apply("2024"), "2024")
    }
}
