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
    /// - Parameter text: UTF-8 bytes; ICU reads them in place while this runs.
    public func forEachWord(in text: UnsafeBufferPointer<UInt8>, _ body: (Word) -> Void) {
        guard let base = text.baseAddress, !text.isEmpty else { return }
        let ok = base.withMemoryRebound(to: CChar.self, capacity: text.count) {
            fouille_segmenter_set_text(handle, $0, Int32(clamping: text.count)) == 0
        }
        guard ok else { return }
        var start: Int32 = 0, end: Int32 = 0, kind: Int32 = 0
        while fouille_segmenter_next(handle, &start, &end, &kind) == 1 {
            switch Int(kind) {
            case Int(FOUILLE_SEGMENT_NONE):
                continue
            case Int(FOUILLE_SEGMENT_NUMBER):
                body(Word(start: Int(start), end: Int(end), isNumber: true))
            default:
                body(Word(start: Int(start), end: Int(end), isNumber: false))
            }
        }
    }
}
