/// A stage that narrows or splits the byte range of a word, before its
/// spelling is normalised: elision, compounds. Ranges only ever shrink.
public protocol SpanStage {
    /// Calls `emit` with each part of `range` that remains a word; returns
    /// false as soon as `emit` does.
    func apply(
        _ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ emit: (Range<Int>) -> Bool
    ) -> Bool
}

/// A stage that rewrites the term of one word, or drops it (nil): folding,
/// stop words, stemming. A pure function of the term, so its results can be cached.
public protocol TermStage {
    func apply(_ term: String) -> String?
}

/// The apostrophes French text is typed with: ASCII `'`, typographic `’`
/// (U+2019) and the modifier letter `ʼ` (U+02BC).
enum Apostrophe {
    /// The length in bytes of the apostrophe starting at `i`, or 0 when there is none.
    static func length(in text: UnsafeBufferPointer<UInt8>, at i: Int, end: Int) -> Int {
        let b = text[i]
        if b == 0x27 { return 1 }
        if b == 0xE2, i + 2 < end, text[i + 1] == 0x80, text[i + 2] == 0x99 { return 3 }
        if b == 0xCA, i + 1 < end, text[i + 1] == 0xBC { return 2 }
        return 0
    }
}
