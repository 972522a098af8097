import CICUShim

/// Splits UTF-8 text into words and numbers with ICU's word-break rules.
///
/// ICU knows where French words end: it keeps `aujourd'hui`, `l’Élysée` and
/// `3,5` whole and splits `États-Unis` at the hyphen. Spaces, punctuation,
/// symbols and emoji are not words and are not reported, save `@`, which ICU
/// keeps in words for e-mail addresses (``CompoundStage`` splits there).
/// Not thread-safe: each analyzer owns one.
public final class WordSegmenter {
    /// A word found by the segmenter: its byte range and whether it is a number.
    public struct Word: Equatable, Sendable {
        public var start: Int
        public var end: Int
        public var isNumber: Bool
    }

    private let handle: OpaquePointer

    public init(locale: String = "fr") {
        guard let handle = fouille_segmenter_create(locale) else {
            fatalError("ICU could not create a word break iterator for locale \(locale)")
        }
        self.handle = handle
    }

    deinit { fouille_segmenter_destroy(handle) }

    /// Calls `body` with each word of `text`, in order.
    ///
    /// Runs of text between ASCII spaces are segmented apart: no word-break
    /// rule joins across a space. A run of plain ASCII letters, digits and
    /// punctuation, most of French text, takes ``ASCIIWordRules`` (the same
    /// rules, without ICU's per-character machinery); any other run goes to ICU.
    /// - Parameter text: UTF-8 bytes; ICU reads them in place while this runs.
    public func forEachWord(in text: UnsafeBufferPointer<UInt8>, _ body: (Word) -> Void) {
        forEachWord(in: text, while: { body($0); return true })
    }

    /// Calls `body` with each word of `text` until it returns false; returns
    /// false when stopped early.
    @discardableResult
    public func forEachWord(in text: UnsafeBufferPointer<UInt8>, while body: (Word) -> Bool) -> Bool {
        var i = 0
        let n = text.count
        while i < n {
            while i < n, ASCIIWordRules.isSpace(text[i]) { i += 1 }
            let start = i
            var needsICU = false
            while i < n, !ASCIIWordRules.isSpace(text[i]) {
                needsICU = needsICU || ASCIIWordRules.needsICU(text[i])
                i += 1
            }
            guard i > start else { break }
            let finished = needsICU
                ? forEachICUWord(in: text, start..<i, while: body)
                : ASCIIWordRules.forEachWord(in: text, start..<i, body)
            guard finished else { return false }
        }
        return true
    }

    /// ICU's segmentation of `range`, reported with offsets into the whole text.
    public func forEachICUWord(in text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ body: (Word) -> Void) {
        forEachICUWord(in: text, range, while: { body($0); return true })
    }

    @discardableResult
    func forEachICUWord(in text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, while body: (Word) -> Bool) -> Bool {
        guard let base = text.baseAddress, !range.isEmpty else { return true }
        let ok = (base + range.lowerBound).withMemoryRebound(to: CChar.self, capacity: range.count) {
            fouille_segmenter_set_text(handle, $0, Int32(clamping: range.count)) == 0
        }
        guard ok else { return true }
        var start: Int32 = 0, end: Int32 = 0, kind: Int32 = 0
        while fouille_segmenter_next(handle, &start, &end, &kind) == 1 {
            guard Int(kind) != Int(FOUILLE_SEGMENT_NONE) else { continue }
            let word = Word(
                start: range.lowerBound + Int(start), end: range.lowerBound + Int(end),
                isNumber: Int(kind) == Int(FOUILLE_SEGMENT_NUMBER))
            guard body(word) else { return false }
        }
        return true
    }
}

/// Unicode's word-break rules (UAX #29) as ICU applies them, for runs of
/// ASCII without spaces, `@` or `_`:
///
/// - letters and digits join (`abc123`, `2024`);
/// - `'` and `.` join two letters (`aujourd'hui`, `e.g`) or two digits (`3.14`);
/// - `,` and `;` join two digits (`3,5`);
/// - anything else separates, and is not a word.
///
/// A word is a number when it ends with a digit, as ICU's rule status says.
/// `WordSegmenterTests` checks these against ICU on random text.
enum ASCIIWordRules {
    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }
    @inline(__always) static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    /// Bytes the rules here do not cover: non-ASCII, and ICU's special `@` and `_`.
    @inline(__always) static func needsICU(_ b: UInt8) -> Bool { b >= 0x80 || b == 0x40 || b == 0x5F }

    static func forEachWord(in text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ body: (WordSegmenter.Word) -> Bool) -> Bool {
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            guard isLetter(text[i]) || isDigit(text[i]) else {
                i += 1
                continue
            }
            let start = i
            i += 1
            while i < end {
                let b = text[i]
                if isLetter(b) || isDigit(b) {
                    i += 1
                    continue
                }
                guard i + 1 < end else { break }
                let previous = text[i - 1], next = text[i + 1]
                let joinsLetters = (b == 0x27 || b == 0x2E) && isLetter(previous) && isLetter(next)
                let joinsDigits = (b == 0x27 || b == 0x2E || b == 0x2C || b == 0x3B) && isDigit(previous) && isDigit(next)
                guard joinsLetters || joinsDigits else { break }
                i += 2
            }
            guard body(WordSegmenter.Word(start: start, end: i, isNumber: isDigit(text[i - 1]))) else { return false }
        }
        return true
    }
}
