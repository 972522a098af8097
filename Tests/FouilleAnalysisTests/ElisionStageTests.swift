import FouilleAnalysis
import XCTest

final class ElisionStageTests: XCTestCase {
    private func parts(
        _ word: String, before: String = "", after: String = "", stage: ElisionStage = ElisionStage()
    ) -> [(surface: String, range: Range<Int>)] {
        stage.parts(word, before: before, after: after)
    }

    private func assertElides(
        _ word: String, _ expected: String, stage: ElisionStage = ElisionStage(),
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let bare = parts(word, stage: stage)
        XCTAssertEqual(bare.map(\.surface), [expected], word, file: file, line: line)
        // The same word inside a sentence: the range is absolute, and the
        // kept part always ends where the word ends.
        let before = "Selon l’AFP, "
        let inContext = parts(word, before: before, after: " a déclaré.", stage: stage)
        XCTAssertEqual(inContext.map(\.surface), [expected], "\(word) in context", file: file, line: line)
        let wordEnd = before.utf8.count + word.utf8.count
        XCTAssertEqual(inContext.first?.range.upperBound, wordEnd, word, file: file, line: line)
        XCTAssertEqual(inContext.first?.range.count, expected.utf8.count, word, file: file, line: line)
    }

    // MARK: Elided articles and pronouns

    func testEveryFrenchArticleIsDropped() {
        let table: [(String, String)] = [
            ("l'Ukraine", "Ukraine"),
            ("d'Alger", "Alger"),
            ("j'accuse", "accuse"),
            ("m'a", "a"),
            ("n'était", "était"),
            ("s'envolera", "envolera"),
            ("t'appelle", "appelle"),
            ("c'est", "est"),
            ("qu'il", "il"),
            ("jusqu'à", "à"),
            ("lorsqu'elle", "elle"),
            ("puisqu'on", "on"),
            ("quoiqu'il", "il"),
        ]
        for (word, expected) in table { assertElides(word, expected) }
    }

    /// French is typed with three apostrophes: ASCII, typographic U+2019 and
    /// the modifier letter U+02BC.
    func testAllThreeApostrophes() {
        for apostrophe in ["'", "\u{2019}", "\u{02BC}"] {
            assertElides("l\(apostrophe)Ukraine", "Ukraine")
            assertElides("jusqu\(apostrophe)au", "au")
            assertElides("d\(apostrophe)Élysée", "Élysée")
        }
    }

    func testArticlesMatchInAnyCase() {
        assertElides("L’Ukraine", "Ukraine")
        assertElides("Qu'il", "il")
        assertElides("QU’IL", "IL")
        assertElides("JUSQU'À", "À")
        assertElides("Lorsqu’Emmanuel", "Emmanuel")
        assertElides("PuisQu'elle", "elle")
        assertElides("D’Artagnan", "Artagnan")
    }

    /// The kept range starts after the apostrophe, so it cuts the text to the
    /// word as written, accents included.
    func testRangeCutsTheWordAsWritten() {
        let found = parts("l’Élysée", before: "Hier, ", after: " a réagi")
        XCTAssertEqual(found.map(\.surface), ["Élysée"])
        // "Hier, " is 6 bytes, "l’" 1 + 3 bytes, "Élysée" 8 bytes.
        XCTAssertEqual(found.map(\.range), [10..<18])
    }

    // MARK: Words left whole

    func testWordsWithoutElidedPrefixPassWhole() {
        let whole = [
            "aujourd'hui", "aujourd’hui", "presqu'île", "quelqu'un", "prud’hommes", "entr'ouvert",
            "O'Neill", "Ukraine", "lUkraine", "la", "l", "qu", "jusqu", "Élysée", "2024",
        ]
        for word in whole { assertElides(word, word) }
    }

    /// The article must start the word: a letter before it is part of another word.
    func testArticleMustStartTheWord() {
        assertElides("al'Ukraine", "al'Ukraine")
        assertElides("xqu'il", "xqu'il")
        // `jusqu` is not `j` followed by an apostrophe.
        assertElides("jusque", "jusque")
    }

    /// An apostrophe with nothing after it leaves nothing to keep: the word passes.
    func testNothingAfterTheApostropheKeepsTheWord() {
        assertElides("l'", "l'")
        assertElides("l’", "l’")
        assertElides("qu’", "qu’")
        assertElides("lʼ", "lʼ")
    }

    /// Only the first elision goes: what remains is for the compound stage.
    func testOnlyOneArticleIsDropped() {
        assertElides("qu’aujourd’hui", "aujourd’hui")
        assertElides("d’entr’ouvert", "entr’ouvert")
        assertElides("l'l'a", "l'a")
    }

    // MARK: Configuration and control

    func testCustomArticles() {
        let italian = ElisionStage(articles: ["dell", "all", "l"])
        assertElides("dell'Italia", "Italia", stage: italian)
        assertElides("all’estero", "estero", stage: italian)
        assertElides("d'Alger", "d'Alger", stage: italian)
    }

    func testStopsWhenEmitReturnsFalse() {
        var text = "l’Ukraine"
        var calls = 0
        let finished = text.withUTF8 { bytes in
            ElisionStage().apply(bytes, 0..<bytes.count) { _ in calls += 1; return false }
        }
        XCTAssertFalse(finished)
        XCTAssertEqual(calls, 1)
    }

    func testDefaultListIsLucenes() {
        XCTAssertEqual(
            Set(ElisionStage.frenchArticles),
            ["l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "quoiqu", "lorsqu", "puisqu"])
    }
}
