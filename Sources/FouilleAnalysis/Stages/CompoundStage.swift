/// Splits words that ICU kept whole around an apostrophe into their parts:
/// `O’Neill` → `O`, `Neill`; `entr'ouvert` → `entr`, `ouvert`. Likewise at
/// `@`, which ICU counts as a letter (for e-mail addresses) though UAX #29
/// does not: `@Elysee` → `Elysee`, a lone `@` → nothing.
///
/// Hyphenated compounds (`États-Unis`, `Kim Jong-un`) need no help: ICU already
/// splits them, and their parts come out as consecutive tokens, so the phrase
/// `"états unis"` matches. Words that French writes with an apostrophe as one
/// word (`aujourd'hui`, `presqu'île`) stay whole; folding drops their apostrophe.
public struct CompoundStage: SpanStage, Sendable {
    /// Words kept whole, lower case, with ASCII apostrophes.
    public static let frenchLexicalized: Set<String> = [
        "aujourd'hui", "quelqu'un", "quelqu'une", "presqu'île", "presqu'îles",
        "prud'homme", "prud'hommes", "prud'homal", "prud'homale", "prud'homaux", "prud'homie",
        "entr'acte", "entr'actes", "grand'mère", "grand'mères", "grand'rue",
    ]

    private let lexicalized: Set<String>

    public init(lexicalized: Set<String> = CompoundStage.frenchLexicalized) {
        self.lexicalized = lexicalized
    }

    public func apply(
        _ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ emit: (Range<Int>) -> Bool
    ) -> Bool {
        var separators: [(at: Int, length: Int)] = []
        var i = range.lowerBound
        while i < range.upperBound {
            let length = text[i] == 0x40 ? 1 : Apostrophe.length(in: text, at: i, end: range.upperBound)
            if length > 0 {
                separators.append((i, length))
                i += length
            } else {
                i += 1
            }
        }
        if separators.isEmpty || isLexicalized(text, range) { return emit(range) }
        var partStart = range.lowerBound
        for separator in separators {
            if separator.at > partStart, !emit(partStart..<separator.at) { return false }
            partStart = separator.at + separator.length
        }
        return partStart < range.upperBound ? emit(partStart..<range.upperBound) : true
    }

    private func isLexicalized(_ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        let word = String(decoding: UnsafeBufferPointer(rebasing: text[range]), as: UTF8.self)
            .lowercased()
        return lexicalized.contains(String(word.map { $0 == "\u{2019}" || $0 == "\u{02BC}" ? "'" : $0 }))
    }
}
