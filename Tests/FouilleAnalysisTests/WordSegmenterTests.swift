import FouilleAnalysis
import FouilleTestSupport
import XCTest

final class WordSegmenterTests: XCTestCase {
    /// A word as the segmenter reports it, cut out of the text it came from.
    private struct Segment: Equatable, CustomStringConvertible {
        var surface: String
        var isNumber: Bool
        var description: String { isNumber ? "#\(surface)" : surface }
    }

    private func words(_ text: String, segmenter: WordSegmenter = WordSegmenter()) -> [WordSegmenter.Word] {
        var text = text
        var words: [WordSegmenter.Word] = []
        text.withUTF8 { bytes in segmenter.forEachWord(in: bytes) { words.append($0) } }
        return words
    }

    private func segments(_ text: String, segmenter: WordSegmenter = WordSegmenter()) -> [Segment] {
        let bytes = Array(text.utf8)
        return words(text, segmenter: segmenter).map {
            Segment(surface: String(decoding: bytes[$0.start..<$0.end], as: UTF8.self), isNumber: $0.isNumber)
        }
    }

    private func assertSegments(
        _ text: String, _ expected: [String], numbers: Set<String> = [],
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let want = expected.map { Segment(surface: $0, isNumber: numbers.contains($0)) }
        XCTAssertEqual(segments(text), want, "segmenting \(text)", file: file, line: line)
    }

    // MARK: Words and numbers

    func testSentencesSplitIntoWordsWithoutPunctuation() {
        assertSegments(
            "Le gouvernement a présenté, mercredi, son projet de loi.",
            ["Le", "gouvernement", "a", "présenté", "mercredi", "son", "projet", "de", "loi"])
        assertSegments(
            "« Nous ne céderons pas ! », a lancé la ministre ; fin de la séance ?",
            ["Nous", "ne", "céderons", "pas", "a", "lancé", "la", "ministre", "fin", "de", "la", "séance"])
        assertSegments(
            "Grève (suite) : trains, métros [et] bus… perturbés.",
            ["Grève", "suite", "trains", "métros", "et", "bus", "perturbés"])
    }

    func testNumbersAreWordsMarkedAsNumbers() {
        assertSegments(
            "Le déficit atteint 3,5 % du PIB en 2024.",
            ["Le", "déficit", "atteint", "3,5", "du", "PIB", "en", "2024"],
            numbers: ["3,5", "2024"])
        assertSegments("Bilan : 12 morts et 48 blessés.", ["Bilan", "12", "morts", "et", "48", "blessés"], numbers: ["12", "48"])
        // Full-width digits are digits too.
        assertSegments("２０２４", ["２０２４"], numbers: ["２０２４"])
    }

    /// ICU keeps an apostrophe between letters inside the word: elision and
    /// compounds are later stages' work. It splits at hyphens.
    func testApostrophesStayInsideWordsHyphensSplit() {
        assertSegments("l’Ukraine, l'Ukraine, lʼUkraine", ["l’Ukraine", "l'Ukraine", "lʼUkraine"])
        assertSegments("Qu'il vienne aujourd'hui", ["Qu'il", "vienne", "aujourd'hui"])
        assertSegments(
            "Les États-Unis, Kim Jong-un et la Nouvelle-Calédonie",
            ["Les", "États", "Unis", "Kim", "Jong", "un", "et", "la", "Nouvelle", "Calédonie"])
    }

    func testPunctuationSymbolsAndEmojiAreNotWords() {
        let noise = [
            ".", ",", ";", ":", "!", "?", "…", "«", "»", "“", "”", "(", ")", "[", "]", "-", "–", "—",
            "'", "’", "/", "\\", "&", "#", "*", "%", "‰", "€", "$", "£", "+", "=", "<", ">", "§",
            "©", "®", "™", "°", "←", "♥", "✓", "😀", "👍🏽", "🇫🇷", "👨‍👩‍👧", "❤️",
        ]
        for piece in noise {
            XCTAssertEqual(segments(piece), [], "\(piece) is not a word")
        }
        assertSegments(noise.joined(separator: " "), [])
        assertSegments("Victoire 🎉 des Bleus 🇫🇷 !!! 👏👏", ["Victoire", "des", "Bleus"])
    }

    /// ICU's rules (not UAX #29) count `@` as a letter, to keep e-mail
    /// addresses whole; ``CompoundStage`` splits there.
    func testICUKeepsAtSignsInWords() {
        assertSegments("@ @Elysee presse@elysee.fr", ["@", "@Elysee", "presse@elysee.fr"])
    }

    func testEmptyAndBlankTextHaveNoWords() {
        assertSegments("", [])
        assertSegments(" \t\n\r\u{00A0}\u{202F} ", [])
    }

    // MARK: Offsets

    /// The offsets are UTF-8 byte offsets, not character or UTF-16 offsets.
    func testOffsetsAreUTF8ByteOffsets() {
        let text = "« Élysée » : Noël à Séoul"
        let found = words(text).map { [$0.start, $0.end] }
        // « is 2 bytes, É and é 2 each, ë 2, à 2.
        XCTAssertEqual(found, [[3, 11], [17, 22], [23, 25], [26, 32]])
        let bytes = Array(text.utf8)
        let surfaces = words(text).map { String(decoding: bytes[$0.start..<$0.end], as: UTF8.self) }
        XCTAssertEqual(surfaces, ["Élysée", "Noël", "à", "Séoul"])
    }

    func testOffsetsAfterEmojiAndSupplementaryCharacters() throws {
        let text = "🇫🇷 𝔐 Paris"
        let paris = try XCTUnwrap(words(text).last)
        XCTAssertEqual(paris.start, text.utf8.count - 5)
        XCTAssertEqual(paris.end, text.utf8.count)
    }

    func testWordsAreOrderedDisjointAndInsideTheText() {
        let text = """
            Mardi 5 novembre, à 18 h 30, la préfecture a levé l’alerte orange : \
            les crues de l’Yonne ont reculé de 1,20 m en vingt-quatre heures.
            """
        var previousEnd = 0
        for word in words(text) {
            XCTAssertGreaterThanOrEqual(word.start, previousEnd)
            XCTAssertLessThan(word.start, word.end)
            XCTAssertLessThanOrEqual(word.end, text.utf8.count)
            previousEnd = word.end
        }
    }

    // MARK: Reuse

    /// One segmenter serves text after text: each call starts afresh.
    func testSegmenterIsReusableAcrossTexts() {
        let segmenter = WordSegmenter()
        XCTAssertEqual(segments("Premier texte assez long", segmenter: segmenter).map(\.surface), ["Premier", "texte", "assez", "long"])
        XCTAssertEqual(segments("Court", segmenter: segmenter).map(\.surface), ["Court"])
        XCTAssertEqual(segments("", segmenter: segmenter), [])
        XCTAssertEqual(segments("à nouveau", segmenter: segmenter).map(\.surface), ["à", "nouveau"])
    }

    func testBytesThatAreNotUTF8DoNotCrash() {
        let segmenter = WordSegmenter()
        let bytes: [UInt8] = [0x41, 0xFF, 0xC3, 0x20, 0xE2, 0x80, 0x62, 0xED, 0xA0, 0x80, 0x20, 0x6F, 0x6B]
        var found: [WordSegmenter.Word] = []
        bytes.withUnsafeBufferPointer { buffer in segmenter.forEachWord(in: buffer) { found.append($0) } }
        for word in found {
            XCTAssertTrue(0 <= word.start && word.start < word.end && word.end <= bytes.count, "\(word)")
        }
        XCTAssertEqual(found.last.map { Array(bytes[$0.start..<$0.end]) }, Array("ok".utf8))
    }

    // MARK: The ASCII fast path

    /// Plain ASCII runs skip ICU; on them the fast rules must give exactly
    /// ICU's words, offsets and number flags. Random text over the characters
    /// the rules treat specially, against ICU over the whole text.
    func testASCIIRulesAgreeWithICU() {
        let segmenter = WordSegmenter()
        let alphabet = Array("aZé9 0.,;'’:-_@!?\"()\t\nxy12")
        var generator = SplitMix64(seed: 2025)
        for _ in 0..<5000 {
            let length = Int.random(in: 0...24, using: &generator)
            let text = String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
            var bytes = Array(text.utf8)
            var fast: [WordSegmenter.Word] = []
            var icu: [WordSegmenter.Word] = []
            bytes.withUnsafeMutableBufferPointer { buffer in
                let text = UnsafeBufferPointer(buffer)
                segmenter.forEachWord(in: text) { fast.append($0) }
                segmenter.forEachICUWord(in: text, 0..<text.count) { icu.append($0) }
            }
            XCTAssertEqual(fast, icu, "text: \(text.debugDescription)")
        }
    }

    func testASCIIRulesOnFrenchExamples() {
        for text in ["l'homme a:b e.g. 3,5 3.14 abc123 123abc 1'000 a;b 1;2 x.1", "U.S.A. It's 9:30 a.m. don't 3,5,6 1.2.3"] {
            XCTAssertEqual(segments(text).map(\.surface), icuSegments(text).map(\.0), text)
            XCTAssertEqual(segments(text).map(\.isNumber), icuSegments(text).map(\.1), text)
        }
    }

    private func icuSegments(_ text: String) -> [(String, Bool)] {
        let segmenter = WordSegmenter()
        let bytes = Array(text.utf8)
        var words: [(String, Bool)] = []
        bytes.withUnsafeBufferPointer { buffer in
            segmenter.forEachICUWord(in: buffer, 0..<buffer.count) {
                words.append((String(decoding: bytes[$0.start..<$0.end], as: UTF8.self), $0.isNumber))
            }
        }
        return words
    }
}
