@testable import FouilleIngest
import XCTest

final class TextDecoderTests: XCTestCase {
    static let article = "L’été à Besançon : l’œuvre de Noël coûte 12 € — « Ça ira », dit l’élève.\nDeuxième ligne."

    /// Windows-1252 bytes of ``article``.
    static let article1252: [UInt8] = {
        var bytes: [UInt8] = []
        for scalar in article.unicodeScalars {
            switch scalar {
            case "€": bytes.append(0x80)
            case "’": bytes.append(0x92)
            case "œ": bytes.append(0x9C)
            case "—": bytes.append(0x97)
            default:
                precondition(scalar.value < 0x100, "not in Windows-1252: \(scalar)")
                bytes.append(UInt8(scalar.value))
            }
        }
        return bytes
    }()

    func decodedText(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> (String, String?)? {
        switch TextDecoder.decode(bytes) {
        case .text(let text, let warning): return (text, warning)
        case .binary(let reason):
            XCTFail("decoded as binary: \(reason)", file: file, line: line)
            return nil
        }
    }

    func binaryReason(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> String? {
        switch TextDecoder.decode(bytes) {
        case .binary(let reason): return reason
        case .text(let text, _):
            XCTFail("decoded as text: \(text.prefix(40).debugDescription)", file: file, line: line)
            return nil
        }
    }

    // MARK: - UTF-8

    func testUTF8IsReadAsIsWithoutWarning() {
        XCTAssertEqual(TextDecoder.decode(Array(Self.article.utf8)), .text(Self.article, warning: nil))
    }

    func testASCIIIsUTF8() {
        XCTAssertEqual(TextDecoder.decode(Array("Paris, 14 juillet\r\n\tDefile".utf8)),
                       .text("Paris, 14 juillet\r\n\tDefile", warning: nil))
    }

    func testUTF8ByteOrderMarkIsDropped() {
        let outcome = TextDecoder.decode([0xEF, 0xBB, 0xBF] + Array(Self.article.utf8))
        XCTAssertEqual(outcome, .text(Self.article, warning: nil))
        if case .text(let text, _) = outcome { XCTAssertFalse(text.unicodeScalars.first == "\u{FEFF}") }
    }

    func testEmptyAndBOMOnly() {
        XCTAssertEqual(TextDecoder.decode([]), .text("", warning: nil))
        XCTAssertEqual(TextDecoder.decode([0xEF, 0xBB, 0xBF]), .text("", warning: nil))
    }

    func testFourByteSequencesAndEmojiAreValid() {
        let text = "Le 🇫🇷 drapeau et 𝄞 la clef de sol"
        XCTAssertEqual(TextDecoder.decode(Array(text.utf8)), .text(text, warning: nil))
    }

    // MARK: - UTF-16

    static func utf16(_ text: String, littleEndian: Bool) -> [UInt8] {
        text.utf16.flatMap { unit -> [UInt8] in
            let low = UInt8(unit & 0xFF), high = UInt8(unit >> 8)
            return littleEndian ? [low, high] : [high, low]
        }
    }

    func testUTF16LittleEndianIsTranscodedWithAWarning() {
        let text = Self.article + " 😀"
        guard let (decoded, warning) = decodedText([0xFF, 0xFE] + Self.utf16(text, littleEndian: true)) else { return }
        XCTAssertEqual(decoded, text)
        XCTAssertNotNil(warning)
        XCTAssertTrue(warning?.contains("UTF-16") == true)
        XCTAssertTrue(warning?.contains("little-endian") == true)
    }

    func testUTF16BigEndianIsTranscodedWithAWarning() {
        let text = Self.article + " 😀"
        guard let (decoded, warning) = decodedText([0xFE, 0xFF] + Self.utf16(text, littleEndian: false)) else { return }
        XCTAssertEqual(decoded, text)
        XCTAssertTrue(warning?.contains("UTF-16") == true)
        XCTAssertTrue(warning?.contains("big-endian") == true)
    }

    func testUTF16WithAnOddTrailingByte() {
        guard let (decoded, _) = decodedText([0xFF, 0xFE] + Self.utf16("Fin", littleEndian: true) + [0x41]) else { return }
        XCTAssertEqual(decoded, "Fin")
    }

    // MARK: - 8-bit encodings

    func testWindows1252IsTranscodedWithAWarning() {
        XCTAssertEqual(Array(Self.article1252.prefix(2)), [0x4C, 0x92])
        XCTAssertTrue(Self.article1252.contains(0xE9))  // é
        XCTAssertTrue(Self.article1252.contains(0x9C))  // œ
        XCTAssertTrue(Self.article1252.contains(0x80))  // €
        guard let (decoded, warning) = decodedText(Self.article1252) else { return }
        XCTAssertEqual(decoded, Self.article)
        XCTAssertTrue(warning?.contains("Windows-1252") == true, warning ?? "no warning")
    }

    func testLatin1IsTranscodedWithAWarning() {
        // "Noël à Besançon, où l'élève a mangé." in ISO-8859-1.
        let bytes: [UInt8] = Array("No".utf8) + [0xEB] + Array("l ".utf8) + [0xE0] + Array(" Besan".utf8) + [0xE7]
            + Array("on, o".utf8) + [0xF9] + Array(" l'".utf8) + [0xE9, 0x6C, 0xE8] + Array("ve a mang".utf8) + [0xE9, 0x2E]
        guard let (decoded, warning) = decodedText(bytes) else { return }
        XCTAssertEqual(decoded, "Noël à Besançon, où l'élève a mangé.")
        XCTAssertNotNil(warning)
    }

    func testSingleLatin1ByteAtTheEnd() {
        guard let (decoded, warning) = decodedText(Array("caf".utf8) + [0xE9]) else { return }
        XCTAssertEqual(decoded, "café")
        XCTAssertNotNil(warning)
    }

    func testWindows1252UndefinedBytesReadAsLatin1Controls() {
        XCTAssertEqual(TextDecoder.windows1252([0x41, 0x81, 0x8D, 0x8F, 0x90, 0x9D, 0x42]), "A\u{81}\u{8D}\u{8F}\u{90}\u{9D}B")
        XCTAssertEqual(TextDecoder.windows1252([0x80, 0x85, 0x96, 0x97, 0x99, 0x9F, 0xFF]), "€…–—™Ÿÿ")
    }

    // MARK: - Damaged UTF-8

    func testValidUTF8WithBadBytesGetsReplacementCharactersAndACountingWarning() {
        let bytes = Array("Un café ".utf8) + [0xFF] + Array(" et une crème ".utf8) + [0xC0, 0xAF] + Array(" brûlée".utf8)
        guard let (decoded, warning) = decodedText(bytes) else { return }
        XCTAssertEqual(decoded, "Un café \u{FFFD} et une crème \u{FFFD}\u{FFFD} brûlée")
        XCTAssertEqual(warning, "invalid UTF-8: 3 bad byte sequence(s) replaced by U+FFFD")
    }

    /// The warning counts the replacement characters the text really holds,
    /// also for sequences cut short (one U+FFFD per maximal bad subpart).
    func testWarningCountMatchesReplacementCharacters() {
        let cases: [[UInt8]] = [
            [0xE2, 0x82],  // € cut after two bytes
            [0xF0, 0x9F, 0x98],  // 😀 cut after three bytes
            [0xE2, 0x82, 0xE2, 0x82, 0xAC],  // a cut € then a whole one
            [0xC3],  // é cut, at the very end
            [0xED, 0xA0, 0x80],  // a UTF-16 surrogate encoded as UTF-8
            [0xF4, 0x90, 0x80, 0x80],  // past U+10FFFF
            [0xE0, 0x80, 0x80],  // overlong
            [0x80, 0x80, 0xBF],  // stray continuation bytes
        ]
        for bad in cases {
            let bytes = Array("Le prix : ".utf8) + bad + Array(" après la hausse.".utf8)
            guard let (decoded, warning) = decodedText(bytes) else { continue }
            let replacements = decoded.unicodeScalars.filter { $0 == "\u{FFFD}" }.count
            XCTAssertGreaterThan(replacements, 0)
            XCTAssertEqual(
                warning, "invalid UTF-8: \(replacements) bad byte sequence(s) replaced by U+FFFD",
                "bytes \(bad.map { String($0, radix: 16) })")
        }
    }

    /// The scan agrees with the standard library's decoder on random bytes:
    /// one bad sequence per U+FFFD, one valid sequence per non-ASCII scalar.
    func testUTF8ScanAgreesWithTheStandardDecoder() {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        // Bytes around the boundaries of UTF-8's byte classes; no 0xEF, so
        // that no valid U+FFFD is in the input.
        let alphabet: [UInt8] = [0x41, 0x20, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xC3,
                                 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFE, 0xFF]
        for _ in 0..<2000 {
            let bytes = (0..<Int(next() % 24)).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] }
            let decoded = String(decoding: bytes, as: UTF8.self).unicodeScalars
            let scan = UTF8Scan(bytes)
            XCTAssertEqual(scan.invalid, decoded.filter { $0 == "\u{FFFD}" }.count, "\(bytes.map { String($0, radix: 16) })")
            XCTAssertEqual(scan.validMultibyte, decoded.filter { $0.value >= 0x80 && $0 != "\u{FFFD}" }.count,
                           "\(bytes.map { String($0, radix: 16) })")
        }
    }

    func testUTF8WithBOMAndBadBytes() {
        guard let (decoded, warning) = decodedText([0xEF, 0xBB, 0xBF] + Array("Été ".utf8) + [0xFE]) else { return }
        XCTAssertEqual(decoded, "Été \u{FFFD}")
        XCTAssertEqual(warning, "invalid UTF-8: 1 bad byte sequence(s) replaced by U+FFFD")
    }

    func testUTF8ScanCounts() {
        let scan = UTF8Scan(Array("é€😀".utf8) + [0xFF, 0x41])
        XCTAssertEqual(scan.validMultibyte, 3)
        XCTAssertEqual(scan.invalid, 1)
    }

    // MARK: - Binary

    func testNULBytesMeanBinary() {
        let reason = binaryReason(Array("Titre\nChapeau".utf8) + [0x00] + Array("corps".utf8))
        XCTAssertTrue(reason?.contains("NUL") == true, reason ?? "")
    }

    func testNULAfterAUTF8BOMIsBinary() {
        XCTAssertNotNil(binaryReason([0xEF, 0xBB, 0xBF, 0x00, 0x41]))
    }

    func testManyControlBytesMeanBinary() {
        // A PNG-like header followed by control-heavy data, no NUL.
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x1A]
        for i in 0..<300 { bytes.append(i % 3 == 0 ? UInt8(1 + i % 8) : 0x41) }
        let reason = binaryReason(bytes)
        XCTAssertTrue(reason?.contains("control") == true, reason ?? "")
    }

    func testAFewControlBytesAndLayoutCharactersAreText() {
        // Tabs, CR, LF and form feeds are layout; one escape byte in a long text is noise.
        let text = String(repeating: "Le conseil municipal\tvote\r\n\u{0C}", count: 20) + "\u{1B}fin"
        XCTAssertEqual(TextDecoder.decode(Array(text.utf8)), .text(text, warning: nil))
        XCTAssertNil(TextDecoder.binaryReason(Array(text.utf8)))
    }

    func testOnlyTheFirst8KiBAreSampledForControlBytes() {
        let bytes = Array(String(repeating: "a", count: 8192).utf8) + [UInt8](repeating: 0x01, count: 4000)
        XCTAssertNil(TextDecoder.binaryReason(bytes))
    }
}
