import FouilleAnalysis
import XCTest

final class CompoundStageTests: XCTestCase {
    private func parts(
        _ word: String, before: String = "", after: String = "", stage: CompoundStage = CompoundStage()
    ) -> [(surface: String, range: Range<Int>)] {
        stage.parts(word, before: before, after: after)
    }

    private func assertSplits(
        _ word: String, _ expected: [String], stage: CompoundStage = CompoundStage(),
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(parts(word, stage: stage).map(\.surface), expected, word, file: file, line: line)
        let before = "À Dublin, "
        let inContext = parts(word, before: before, after: " joue ce soir.", stage: stage)
        XCTAssertEqual(inContext.map(\.surface), expected, "\(word) in context", file: file, line: line)
        let wordRange = before.utf8.count..<before.utf8.count + word.utf8.count
        for part in inContext {
            XCTAssertTrue(wordRange.contains(part.range.lowerBound), "\(part) inside \(word)", file: file, line: line)
            XCTAssertLessThanOrEqual(part.range.upperBound, wordRange.upperBound, file: file, line: line)
        }
    }

    // MARK: Splitting

    func testApostropheCompoundsSplitIntoParts() {
        let table: [(String, [String])] = [
            ("O'Neill", ["O", "Neill"]),
            ("O’Connor", ["O", "Connor"]),
            ("OʼBrien", ["O", "Brien"]),
            ("entr'ouvert", ["entr", "ouvert"]),
            ("entr’ouverte", ["entr", "ouverte"]),
            ("rock'n'roll", ["rock", "n", "roll"]),
        ]
        for (word, expected) in table { assertSplits(word, expected) }
    }

    func testPartsAreConsecutiveAndSkipTheApostrophe() {
        let found = parts("O’Neill", before: "Hier, ")
        // "Hier, " is 6 bytes, the typographic apostrophe 3.
        XCTAssertEqual(found.map(\.range), [6..<7, 10..<15])
    }

    /// ICU keeps `@` inside words (for e-mail addresses): split there, as UAX #29
    /// and Lucene's StandardTokenizer do, so a handle finds the name.
    func testAtSignSplitsLikeAnApostrophe() {
        let table: [(String, [String])] = [
            ("@Elysee", ["Elysee"]),
            ("@MinistereArmees", ["MinistereArmees"]),
            ("presse@elysee.fr", ["presse", "elysee.fr"]),
            ("x@", ["x"]),
            ("@", []),
            ("@@", []),
            ("l’@AFP", ["l", "AFP"]),
        ]
        for (word, expected) in table { assertSplits(word, expected) }
    }

    /// Apostrophes at either end or side by side leave no empty part.
    func testNoEmptyParts() {
        assertSplits("aʼʼb", ["a", "b"])
        assertSplits("ʼa", ["a"])
        assertSplits("aʼ", ["a"])
        assertSplits("ʼʼ", [])
        assertSplits("'", [])
    }

    // MARK: Words kept whole

    /// French writes these with an apostrophe as one word, in any case and
    /// with any of the three apostrophes.
    func testLexicalizedWordsStayWhole() {
        for word in CompoundStage.frenchLexicalized {
            assertSplits(word, [word])
            assertSplits(word.uppercased(), [word.uppercased()])
            let typographic = word.replacingOccurrences(of: "'", with: "\u{2019}")
            assertSplits(typographic, [typographic])
            let modifier = word.replacingOccurrences(of: "'", with: "\u{02BC}")
            assertSplits(modifier, [modifier])
        }
        assertSplits("Aujourd’hui", ["Aujourd’hui"])
        assertSplits("Presqu'Île", ["Presqu'Île"])
    }

    func testWordsWithoutApostropheStayWhole() {
        for word in ["Ukraine", "Élysée", "coopération", "2024", "3,5", "a"] {
            assertSplits(word, [word])
        }
    }

    /// Hyphens are ICU's business: the stage never splits at one.
    func testHyphensAreLeftToTheSegmenter() {
        assertSplits("Jong-un", ["Jong-un"])
    }

    // MARK: Configuration and control

    func testCustomLexicalizedWords() {
        let stage = CompoundStage(lexicalized: ["o'neill"])
        assertSplits("O’Neill", ["O’Neill"], stage: stage)
        assertSplits("aujourd'hui", ["aujourd", "hui"], stage: stage)
    }

    func testStopsWhenEmitReturnsFalse() {
        var text = "rock'n'roll"
        var seen: [Range<Int>] = []
        let finished = text.withUTF8 { bytes in
            CompoundStage().apply(bytes, 0..<bytes.count) { seen.append($0); return seen.count < 2 }
        }
        XCTAssertFalse(finished)
        XCTAssertEqual(seen, [0..<4, 5..<6])
    }

    func testStopsOnTheLastPartToo() {
        var text = "O'Neill"
        let finished = text.withUTF8 { bytes in
            CompoundStage().apply(bytes, 0..<bytes.count) { $0.lowerBound == 0 }
        }
        XCTAssertFalse(finished)
    }
}
