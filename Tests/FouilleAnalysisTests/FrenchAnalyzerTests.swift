import FouilleAnalysis
import FouilleTestSupport
import XCTest

final class FrenchAnalyzerTests: XCTestCase {
    /// A news paragraph with most of what the chain handles: elision with all
    /// three apostrophes, hyphenated compounds, ligatures, numbers, emoji.
    private static let paragraph = """
        Paris, le 14 mars 2024 — L’Élysée a confirmé jeudi que le chef de l’État s’envolerait \
        pour Séoul afin d’évoquer, avec la Corée du Sud, une coopération face à Kim Jong-un. \
        Aujourd’hui, les États-Unis et l'Union européenne promettent 3,5 milliards d’euros à \
        lʼUkraine ; « c’est une œuvre de longue haleine », a résumé un conseiller qu’on \
        interrogeait jusqu’à tard dans la soirée. En Nouvelle-Calédonie, où l’été austral \
        s’achève, les élus sont restés prudents : « Nous sommes à un tournant », ont-ils \
        estimé. 🇫🇷 À Berlin, sur la Friedrichstraße, le cœur n’y était plus ; ﬁn de partie \
        pour O’Neill ? Les avions de la COMPAGNIE ont atterri à l’heure, Ｐａｒｉｓ 👍🏽.
        """

    private func assertAnalyzesTo(
        _ text: String, _ expected: [String], mode: AnalysisMode = .document,
        analyzer: FrenchAnalyzer = FrenchAnalyzer(), file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(analyzer.terms(text, mode: mode), expected, text, file: file, line: line)
    }

    /// Each token with the text its offsets cut out of `text`.
    private func surfaces(_ text: String, mode: AnalysisMode = .document, analyzer: FrenchAnalyzer = FrenchAnalyzer())
        -> [(term: String, surface: String)]
    {
        let bytes = Array(text.utf8)
        return analyzer.tokens(text, mode: mode).map {
            ($0.text, String(decoding: bytes[$0.start..<$0.end], as: UTF8.self))
        }
    }

    private func assertSurfaces(
        _ text: String, _ expected: [(String, String)], mode: AnalysisMode = .document,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let found = surfaces(text, mode: mode)
        XCTAssertEqual(found.map(\.term), expected.map(\.0), text, file: file, line: line)
        XCTAssertEqual(found.map(\.surface), expected.map(\.1), text, file: file, line: line)
    }

    // MARK: 1. Segmentation

    func testWordsAndNumbersAreTermsPunctuationIsNot() {
        assertAnalyzesTo(
            "Grève : 12 lignes fermées, 3,5 % de trains en moins… Reprise le 2 juin ?",
            ["grev", "12", "lign", "ferme", "3,5", "train", "moin", "repris", "2", "juin"])
        assertAnalyzesTo("« ! » … — 😀 👍🏽 🇫🇷 € % + & @ # ©", [])
        assertAnalyzesTo("", [])
    }

    /// ICU keeps `@` in words; a handle or an address must still find its words.
    func testAtSignIsNotATerm() {
        let analyzer = FrenchAnalyzer()
        XCTAssertEqual(analyzer.terms("@"), [])
        XCTAssertEqual(analyzer.terms("@Elysee"), analyzer.terms("Élysée"))
        assertAnalyzesTo("Écrire à presse@elysee.fr", ["ecrir", "press", "elysee.fr"])
        assertSurfaces("selon @Elysee", [("selon", "selon"), ("elyse", "Elysee")])
    }

    func testOffsetsAreUTF8ByteOffsets() {
        let tokens = FrenchAnalyzer().tokens("« Séoul » 😀 Noël")
        // « and ë are two bytes, 😀 four.
        XCTAssertEqual(tokens, [Token("seoul", start: 3, end: 9), Token("noel", start: 18, end: 23)])
    }

    func testNumbersAreFoldedButNotStemmedOrStopped() {
        assertAnalyzesTo("En 2024, 3,5 millions ; ２０２４", ["2024", "3,5", "million", "2024"])
        assertAnalyzesTo("le 1er mai", ["1er", "mai"])
    }

    // MARK: 2. Elision

    func testElisionTable() {
        let table: [(String, [String])] = [
            ("l’Ukraine", ["ukrain"]),
            ("L'Ukraine", ["ukrain"]),
            ("lʼUkraine", ["ukrain"]),
            ("L’UKRAINE", ["ukrain"]),
            ("d’Alger", ["alger"]),
            ("s’envolerait", ["envol"]),
            ("n’y était plus", ["plus"]),
            ("Qu’il parte", ["part"]),
            ("jusqu’à Séoul", ["seoul"]),
            ("lorsqu'Emmanuel Macron", ["emmanuel", "macron"]),
            ("puisqu’aujourd’hui", ["aujourdhui"]),
            ("quoiqu'en disent", ["disent"]),
        ]
        for (text, expected) in table { assertAnalyzesTo(text, expected) }
    }

    /// In prefix mode nothing is stopped, so what elision keeps is visible.
    func testElisionKeepsThePronoun() {
        assertAnalyzesTo("Qu'il", ["il"], mode: .prefix)
        assertAnalyzesTo("QU’ELLE", ["elle"], mode: .prefix)
        assertAnalyzesTo("jusqu'à", ["a"], mode: .prefix)
    }

    func testAujourdhuiStaysWhole() {
        for spelling in ["aujourd'hui", "aujourd’hui", "Aujourdʼhui", "AUJOURD'HUI", "d’aujourd’hui", "jusqu'aujourd'hui"] {
            assertAnalyzesTo(spelling, ["aujourdhui"])
            assertAnalyzesTo(spelling, ["aujourdhui"], mode: .prefix)
        }
        assertAnalyzesTo("presqu’île", ["presquil"])
        assertAnalyzesTo("quelqu'un", ["quelquun"])
    }

    func testApostropheCompoundsSplit() {
        assertAnalyzesTo("O’Neill", ["o", "neil"])
        assertAnalyzesTo("entr'ouvert", ["entr", "ouvert"])
    }

    // MARK: 3. Folding

    func testFoldingTable() {
        let table: [(String, String)] = [
            ("Corée", "coree"), ("ÉTAT", "etat"), ("œuvre", "oeuvre"), ("cœur", "coeur"),
            ("Straße", "strasse"), ("ﬁn", "fin"), ("Ｐａｒｉｓ", "paris"),
        ]
        for (word, expected) in table {
            assertAnalyzesTo(word, [expected], mode: .prefix)
        }
    }

    // MARK: 4. Hyphenated compounds

    /// The parts are consecutive tokens, so the phrase `"etats unis"` matches.
    func testHyphenatedCompoundsGiveConsecutiveParts() {
        let analyzer = FrenchAnalyzer()
        XCTAssertEqual(analyzer.terms("États-Unis"), analyzer.terms("etats unis"))
        XCTAssertEqual(analyzer.terms("États-Unis"), ["etat", "unis"])
        XCTAssertEqual(analyzer.terms("Nouvelle-Calédonie"), analyzer.terms("nouvelle caledonie"))
        XCTAssertEqual(analyzer.terms("Nouvelle-Calédonie"), ["nouvel", "caledon"])
        XCTAssertEqual(analyzer.terms("Kim Jong-un", mode: .prefix), ["kim", "jong", "un"])
        // `un` is also the article: dropped, on both sides alike.
        XCTAssertEqual(analyzer.terms("Kim Jong-un"), ["kim", "jong"])
        XCTAssertEqual(analyzer.terms("Kim Jong-un"), analyzer.terms("kim jong un"))
    }

    func testHyphenatedCompoundOffsets() {
        assertSurfaces("les États-Unis", [("etat", "États"), ("unis", "Unis")])
        assertSurfaces("Kim Jong-un", [("kim", "Kim"), ("jong", "Jong"), ("un", "un")], mode: .prefix)
        let tokens = FrenchAnalyzer().tokens("États-Unis")
        // É is two bytes: "États" is 0..<6, the hyphen 6, "Unis" 7..<11.
        XCTAssertEqual(tokens.map(\.start), [0, 7])
        XCTAssertEqual(tokens.map(\.end), [6, 11])
    }

    // MARK: 5. Stop words

    func testStopWordsAreDropped() {
        assertAnalyzesTo(
            "Le président de la République et les ministres du gouvernement qui sont à Paris",
            ["president", "republ", "ministr", "gouvern", "paris"])
        assertAnalyzesTo("LE, LA, LES, DE, DU, OÙ, À, QUI", [])
    }

    func testHomonymsAreKept() {
        let table: [(String, [String])] = [
            ("L’été a été chaud", ["ete", "ete", "chaud"]),
            ("le vent d’est", ["vent", "est"]),
            ("Nous avions commandé deux avions", ["avion", "command", "deux", "avion"]),
            ("le son de son violon", ["son", "son", "violon"]),
            ("Nous sommes d’accord sur les sommes versées", ["somm", "accord", "somm", "verse"]),
        ]
        for (text, expected) in table { assertAnalyzesTo(text, expected) }
    }

    // MARK: 6. Stemming after folding

    func testSpellingsMeetAtOneTerm() {
        let analyzer = FrenchAnalyzer()
        let pairs: [(String, String)] = [
            ("evenement", "Événements"), ("activite", "activités"), ("coree", "Corée"),
            ("cooperer", "coopération"), ("etat", "ÉTATS"), ("oeuvre", "Œuvres"),
        ]
        for (plain, written) in pairs {
            let term = analyzer.terms(plain)
            XCTAssertEqual(term.count, 1, plain)
            XCTAssertEqual(analyzer.terms(written), term, "\(plain) / \(written)")
        }
        XCTAssertEqual(analyzer.terms("Événements"), ["even"])
        XCTAssertEqual(analyzer.terms("coopération"), ["cooper"])
    }

    func testQueryModeIsDocumentMode() {
        let analyzer = FrenchAnalyzer()
        XCTAssertEqual(analyzer.tokens(Self.paragraph, mode: .query), analyzer.tokens(Self.paragraph))
    }

    /// A prefix (`coopér*`) is folded only: stemming `coopér` or dropping `les`
    /// would miss the words it starts.
    func testPrefixModeFoldsOnly() {
        let table: [(String, [String])] = [
            ("Coopér", ["cooper"]),
            ("Événem", ["evenem"]),
            ("activités", ["activites"]),
            ("Les", ["les"]),
            ("de", ["de"]),
            ("l’Ukr", ["ukr"]),
            ("Corée du Nord", ["coree", "du", "nord"]),
            ("États-Un", ["etats", "un"]),
            ("2024", ["2024"]),
        ]
        for (text, expected) in table { assertAnalyzesTo(text, expected, mode: .prefix) }
    }

    func testPrefixOfTheParagraphHasEveryWord() {
        let analyzer = FrenchAnalyzer()
        let document = analyzer.tokens(Self.paragraph)
        let prefix = analyzer.tokens(Self.paragraph, mode: .prefix)
        XCTAssertGreaterThan(prefix.count, document.count)
        // Every document token is there, at the same place.
        let prefixRanges = Set(prefix.map { [$0.start, $0.end] })
        for token in document {
            XCTAssertTrue(prefixRanges.contains([token.start, token.end]), "\(token)")
        }
    }

    // MARK: 7. Offsets cut the word as written

    func testOffsetsCutTheWordAsWritten() {
        assertSurfaces(
            "Hier, l’Élysée a reçu la Corée.",
            [("hi", "Hier"), ("elyse", "Élysée"), ("recu", "reçu"), ("core", "Corée")])
        assertSurfaces(
            "Qu’aujourd’hui l'Union et O’Neill",
            [("aujourdhui", "aujourd’hui"), ("union", "Union"), ("o", "O"), ("neil", "Neill")])
    }

    /// Every token of the paragraph: its offsets cut a whole word as written,
    /// which analysed alone gives the same term.
    func testEveryTokenOfTheParagraphCutsItsWord() {
        let analyzer = FrenchAnalyzer()
        let bytes = Array(Self.paragraph.utf8)
        for mode in [AnalysisMode.document, .prefix] {
            let tokens = analyzer.tokens(Self.paragraph, mode: mode)
            XCTAssertGreaterThan(tokens.count, 50)
            for token in tokens {
                let cut = Array(bytes[token.start..<token.end])
                guard let surface = String(validating: cut, as: UTF8.self) else {
                    XCTFail("\(token) does not cut at character boundaries")
                    continue
                }
                let first = surface.unicodeScalars.first!, last = surface.unicodeScalars.last!
                XCTAssertTrue(first.properties.isAlphabetic || first.properties.numericType != nil, "\(token): \(surface)")
                XCTAssertTrue(last.properties.isAlphabetic || last.properties.numericType != nil, "\(token): \(surface)")
                XCTAssertEqual(analyzer.tokens(surface, mode: mode), [Token(token.text, start: 0, end: cut.count)], surface)
            }
        }
        let found = surfaces(Self.paragraph)
        for (term, surface) in [
            ("elyse", "Élysée"), ("etat", "État"), ("core", "Corée"), ("ukrain", "Ukraine"),
            ("aujourdhui", "Aujourd’hui"), ("oeuvr", "œuvre"), ("friedrichstr", "Friedrichstraße"),
            ("coeur", "cœur"), ("fin", "ﬁn"), ("paris", "Ｐａｒｉｓ"), ("3,5", "3,5"), ("neil", "Neill"),
        ] {
            XCTAssertTrue(found.contains { $0 == (term, surface) }, "\(term) from \(surface)")
        }
    }

    func testParagraphTerms() {
        assertAnalyzesTo(
            "Aujourd’hui, les États-Unis et l'Union européenne promettent 3,5 milliards d’euros à lʼUkraine.",
            ["aujourdhui", "etat", "unis", "union", "europeen", "promettent", "3,5", "milliard", "euros", "ukrain"])
    }

    // MARK: 8. The cache

    func testSameTextTwiceGivesSameTokens() {
        let analyzer = FrenchAnalyzer()
        let first = analyzer.tokens(Self.paragraph)
        XCTAssertEqual(analyzer.tokens(Self.paragraph), first)
        XCTAssertEqual(analyzer.tokens(Self.paragraph), first)
    }

    /// A cache so small it turns over at every word answers as a large one.
    func testTinyCacheGivesTheSameResults() {
        let large = FrenchAnalyzer()
        for capacity in [0, 1, 2, 3, 16] {
            let small = FrenchAnalyzer(cacheCapacity: capacity)
            for _ in 0..<3 {
                XCTAssertEqual(small.tokens(Self.paragraph), large.tokens(Self.paragraph), "capacity \(capacity)")
            }
        }
    }

    /// Prefix mode bypasses the cache: it must neither read nor spoil it.
    func testModesDoNotShareCachedTerms() {
        let analyzer = FrenchAnalyzer()
        XCTAssertEqual(analyzer.terms("les événements"), ["even"])
        XCTAssertEqual(analyzer.terms("les événements", mode: .prefix), ["les", "evenements"])
        XCTAssertEqual(analyzer.terms("les événements"), ["even"])
    }

    // MARK: 9. Robustness

    func testOverlongWordsAreDropped() {
        let limit = FrenchAnalyzer.maximumWordLength
        let analyzer = FrenchAnalyzer()
        let fits = String(repeating: "a", count: limit)
        let tooLong = String(repeating: "a", count: limit + 1)
        XCTAssertEqual(analyzer.tokens("avant \(fits) après").count, 3)
        XCTAssertEqual(analyzer.terms("avant \(tooLong) après"), ["avant", "apre"])
        // The limit is in bytes: é is two.
        XCTAssertEqual(analyzer.terms(String(repeating: "é", count: limit / 2)).count, 1)
        XCTAssertEqual(analyzer.terms(String(repeating: "é", count: limit / 2 + 1)), [])
        XCTAssertEqual(analyzer.terms(String(repeating: "7", count: limit + 1)), [])
        XCTAssertEqual(analyzer.terms(String(repeating: "x", count: 1_000_000)), [])
    }

    func testBodyReturningFalseStopsAnalysis() {
        let analyzer = FrenchAnalyzer()
        var text = Self.paragraph
        var calls = 0
        let finished = text.withUTF8 { bytes in
            analyzer.analyze(bytes) { _ in calls += 1; return calls < 3 }
        }
        XCTAssertFalse(finished)
        XCTAssertEqual(calls, 3)
    }

    /// Stopping in the middle of a compound stops there.
    func testBodyReturningFalseInsideACompound() {
        let analyzer = FrenchAnalyzer()
        var text = "O’Neill et Kim"
        var seen: [String] = []
        let finished = text.withUTF8 { bytes in
            analyzer.analyze(bytes) { seen.append($0.text); return false }
        }
        XCTAssertFalse(finished)
        XCTAssertEqual(seen, ["o"])
    }

    func testBodyReturningTrueFinishes() {
        let analyzer = FrenchAnalyzer()
        var text = Self.paragraph
        var seen: [Token] = []
        let finished = text.withUTF8 { bytes in
            analyzer.analyze(bytes) { seen.append($0); return true }
        }
        XCTAssertTrue(finished)
        XCTAssertEqual(seen, analyzer.tokens(Self.paragraph))
        var empty = ""
        XCTAssertTrue(empty.withUTF8 { analyzer.analyze($0) { _ in XCTFail("no token"); return false } })
    }

    /// Seeded random text, from scalars French text is made of and those it is
    /// not: no crash, tokens inside the text, in order, never empty.
    func testRandomTextIsAnalysedSafely() {
        let pieces: [[Unicode.Scalar]] = Self.randomPieces
        var random = SplitMix64(seed: 0xF0_0111)
        let analyzers = [FrenchAnalyzer(), FrenchAnalyzer(cacheCapacity: 4)]
        var total = 0
        for iteration in 0..<3_000 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...40, using: &random) {
                scalars.append(contentsOf: pieces.randomElement(using: &random)!)
            }
            let text = String(scalars)
            let mode = [AnalysisMode.document, .query, .prefix][iteration % 3]
            let tokens = analyzers[iteration % 2].tokens(text, mode: mode)
            assertWellFormed(tokens, in: Array(text.utf8), "iteration \(iteration): \(text.debugDescription)")
            total += tokens.count
        }
        XCTAssertGreaterThan(total, 5_000, "the generator must give the chain real words")
    }

    /// Raw bytes that are not UTF-8 at all, through `analyze` directly.
    func testRandomBytesAreAnalysedSafely() {
        var random = SplitMix64(seed: 0xB17E5)
        let analyzer = FrenchAnalyzer()
        var total = 0
        let interesting: [UInt8] = [0x27, 0x20, 0x2D, 0x6C, 0x71, 0x75, 0xE2, 0x80, 0x99, 0xCA, 0xBC, 0xC3, 0xA9, 0xFF, 0xED, 0xA0, 0x00]
        for iteration in 0..<2_000 {
            let bytes = (0..<Int.random(in: 0...64, using: &random)).map { _ -> UInt8 in
                Bool.random(using: &random) ? interesting.randomElement(using: &random)! : UInt8.random(in: 0...255, using: &random)
            }
            var tokens: [Token] = []
            let finished = bytes.withUnsafeBufferPointer { buffer in
                analyzer.analyze(buffer, mode: iteration % 2 == 0 ? .document : .prefix) { tokens.append($0); return true }
            }
            XCTAssertTrue(finished)
            assertWellFormed(tokens, in: bytes, "bytes \(bytes)")
            total += tokens.count
        }
        XCTAssertGreaterThan(total, 5_000, "the generator must give the chain real words")
    }

    private func assertWellFormed(
        _ tokens: [Token], in bytes: [UInt8], _ message: @autoclosure () -> String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        var previousStart = -1
        for token in tokens {
            guard 0 <= token.start, token.start < token.end, token.end <= bytes.count,
                token.start > previousStart, !token.text.isEmpty,
                token.end - token.start <= FrenchAnalyzer.maximumWordLength
            else {
                XCTFail("\(token) in \(tokens): \(message())", file: file, line: line)
                return
            }
            previousStart = token.start
        }
    }

    private static let randomPieces: [[Unicode.Scalar]] = {
        var pieces: [[Unicode.Scalar]] = []
        let strings = [
            "a", "e", "l", "q", "u", "Z", "0", "7", " ", " ", "\n", ",", ".", "!", "?", "«", "»",
            "é", "è", "à", "ç", "ô", "Ê", "É", "œ", "Œ", "æ", "ß", "ﬁ", "Ｐ", "İ", "ŉ", "ﷺ",
            "'", "\u{2019}", "\u{02BC}", "-", "\u{2010}", "\u{2013}", "\u{2014}",
            "l'", "L’", "qu'", "jusqu’", "d'", "aujourd'hui", "presqu’île", "O'", "États-Unis", "3,5",
            "😀", "🇫🇷", "👍🏽", "👨‍👩‍👧", "❤️",
            "\u{0}", "\u{1}", "\t", "\r", "\u{7F}", "\u{85}", "\u{2028}",
            "\u{301}", "\u{308}", "\u{327}", "\u{34F}", "\u{20DD}",
            "\u{FFFD}", "\u{FEFF}", "\u{200B}", "\u{200D}", "\u{AD}", "\u{E000}", "\u{1D400}", "東", "京", "カ", "ا", "ש",
        ]
        for string in strings { pieces.append(Array(string.unicodeScalars)) }
        // Noncharacters: valid scalars that a string literal refuses.
        for code: UInt32 in [0xFFFE, 0xFFFF, 0xFDD0, 0x1FFFF, 0x10FFFF] {
            pieces.append([Unicode.Scalar(code)!])
        }
        return pieces
    }()
}
