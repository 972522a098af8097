import FouilleAnalysis
import FouilleTestSupport
import XCTest

final class FoldingStageTests: XCTestCase {
    private let folding = FoldingStage()

    private func assertFolds(
        _ table: [(String, String)], file: StaticString = #filePath, line: UInt = #line
    ) {
        for (word, expected) in table {
            XCTAssertEqual(folding.apply(word), expected, word, file: file, line: line)
        }
    }

    // MARK: The spellings a French reader sees as one

    func testAccentsAndCase() {
        assertFolds([
            ("Corée", "coree"),
            ("ÉTAT", "etat"),
            ("État", "etat"),
            ("élève", "eleve"),
            ("Noël", "noel"),
            ("naïve", "naive"),
            ("ÇA", "ca"),
            ("garçon", "garcon"),
            ("Où", "ou"),
            ("hôpital", "hopital"),
            ("Île-de-France", "ile-de-france"),
            ("SÉOUL", "seoul"),
        ])
    }

    /// Text from the web mixes composed and decomposed accents.
    func testDecomposedAccentsFoldLikeComposedOnes() {
        assertFolds([
            ("Core\u{301}e", "coree"),
            ("E\u{301}TAT", "etat"),
            ("No\u{308}el", "noel"),
        ])
        XCTAssertEqual(folding.apply("Core\u{301}e"), folding.apply("Corée"))
    }

    func testLigaturesAndSpecialLetters() {
        assertFolds([
            ("œuvre", "oeuvre"),
            ("Œuvre", "oeuvre"),
            ("cœur", "coeur"),
            ("SŒUR", "soeur"),
            ("Straße", "strasse"),
            ("STRASSE", "strasse"),
            ("ﬁn", "fin"),
            ("ﬂeur", "fleur"),
            ("eﬀet", "effet"),
            ("Lætitia", "laetitia"),
            ("Ørsted", "orsted"),
            ("Łódź", "lodz"),
            ("Þór", "thor"),
        ])
    }

    /// NFKC: full-width and compatibility forms fold to plain ASCII.
    func testCompatibilityForms() {
        assertFolds([
            ("Ｐａｒｉｓ", "paris"),
            ("ＰＡＲＩＳ", "paris"),
            ("２０２４", "2024"),
            ("m²", "m2"),
        ])
    }

    /// Apostrophes go, so `aujourd'hui` is one term however it was typed.
    func testApostrophesAreDropped() {
        assertFolds([
            ("aujourd'hui", "aujourdhui"),
            ("aujourd’hui", "aujourdhui"),
            ("Aujourdʼhui", "aujourdhui"),
            ("presqu'île", "presquile"),
            ("PRESQU’ÎLE", "presquile"),
        ])
    }

    func testNumbersAndHyphensAreKept() {
        assertFolds([
            ("3,5", "3,5"),
            ("2024", "2024"),
            ("COVID-19", "covid-19"),
            ("10h30", "10h30"),
        ])
    }

    /// A word of combining marks only folds to nothing; the analyzer drops it.
    func testMarksOnlyFoldToEmpty() {
        XCTAssertEqual(folding.apply(""), "")
        XCTAssertEqual(folding.apply("\u{301}\u{308}"), "")
    }

    func testFoldingIsIdempotent() {
        for word in ["Corée", "ŒUVRE", "Straße", "ﬁn", "Ｐａｒｉｓ", "aujourd’hui", "Łódź", "Þór"] {
            let once = folding.apply(word)
            XCTAssertEqual(once.flatMap(folding.apply), once, word)
        }
    }

    // MARK: The ASCII fast path

    /// Pure ASCII words skip ICU. A soft hyphen (U+00AD, removed by NFKC case
    /// folding) or a combining grapheme joiner (U+034F, a mark) forces the ICU
    /// path without changing the word, so both paths must agree.
    func testASCIIFastPathAgreesWithICUPath() {
        let words = [
            "Paris", "ETAT", "Etat", "aujourd'hui", "O'Neill", "COVID-19", "Jean-Marc", "3,5",
            "AbCdEfGhIjKlMnOpQrStUvWxYz", "0123456789", "x", "'", "",
        ]
        for word in words {
            let ascii = folding.apply(word)
            XCTAssertEqual(folding.apply(word + "\u{AD}"), ascii, "\(word) + soft hyphen")
            XCTAssertEqual(folding.apply("\u{AD}" + word), ascii, "soft hyphen + \(word)")
            XCTAssertEqual(folding.apply(word + "\u{34F}"), ascii, "\(word) + CGJ")
        }
    }

    func testASCIIAndAccentedSpellingsMeet() {
        let pairs: [(String, String)] = [
            ("Coree", "Corée"), ("ETAT", "ÉTAT"), ("oeuvre", "œuvre"), ("coeur", "cœur"),
            ("strasse", "Straße"), ("fin", "ﬁn"), ("paris", "Ｐａｒｉｓ"), ("evenements", "Événements"),
        ]
        for (ascii, accented) in pairs {
            XCTAssertEqual(folding.apply(ascii), folding.apply(accented), "\(ascii) / \(accented)")
        }
    }

    /// Every printable ASCII character, alone and in seeded random words: the
    /// fast path must give what ICU gives.
    func testASCIIFastPathAgreesWithICUPathOnRandomWords() {
        let printable = (0x20...0x7E).map { Character(Unicode.Scalar(UInt8($0))) }
        for c in printable {
            XCTAssertEqual(folding.apply(String(c)), folding.apply(String(c) + "\u{AD}"), "\(c)")
        }
        var random = SplitMix64(seed: 0x0F0E)
        for _ in 0..<2_000 {
            let length = Int.random(in: 1...24, using: &random)
            let word = String((0..<length).map { _ in printable.randomElement(using: &random)! })
            let middle = word.index(word.startIndex, offsetBy: length / 2)
            let forced = String(word[..<middle]) + "\u{AD}" + String(word[middle...])
            XCTAssertEqual(folding.apply(word), folding.apply(forced), word)
        }
    }

    func testASCIIFastPathLowerCasesAndDropsApostrophesOnly() {
        XCTAssertEqual(folding.apply("O'NEILL"), "oneill")
        XCTAssertEqual(folding.apply("A-Z_a-z 0-9!"), "a-z_a-z 0-9!")
    }

    /// Long words take the heap buffers of the ICU shim.
    func testLongWordsFold() {
        let word = String(repeating: "Éé", count: 200)
        XCTAssertEqual(folding.apply(word), String(repeating: "e", count: 400))
        let ligatures = String(repeating: "Œ", count: 300)
        XCTAssertEqual(folding.apply(ligatures), String(repeating: "oe", count: 300))
    }
}
