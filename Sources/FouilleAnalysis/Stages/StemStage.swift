import CSnowball

/// Reduces a folded word to its Snowball stem, so that `activités`, `activite`
/// and `activité` meet at `activit`. Numbers pass unchanged.
///
/// The adapter (this stage) is kept apart from the algorithm
/// (``SnowballStemmer``), as Lucene keeps FrenchLightStemFilter apart from
/// FrenchLightStemmer.
public final class StemStage: TermStage {
    private let stemmer: SnowballStemmer

    public init(language: String = "french") {
        stemmer = SnowballStemmer(language: language)
    }

    public func apply(_ term: String) -> String? {
        if let first = term.utf8.first, first >= 0x30 && first <= 0x39 { return term }
        return stemmer.stem(term)
    }
}

/// A Snowball stemmer from libstemmer, for UTF-8 words.
/// Not thread-safe (libstemmer keeps state per stemmer): one per analyzer.
public final class SnowballStemmer {
    private let handle: OpaquePointer

    public init(language: String) {
        guard let handle = sb_stemmer_new(language, "UTF_8") else {
            fatalError("libstemmer has no stemmer for \(language)")
        }
        self.handle = handle
    }

    deinit { sb_stemmer_delete(handle) }

    public func stem(_ word: String) -> String {
        var word = word
        return word.withUTF8 { bytes -> String in
            guard let base = bytes.baseAddress,
                let stemmed = sb_stemmer_stem(handle, base, Int32(bytes.count))
            else { return String(decoding: bytes, as: UTF8.self) }
            let length = Int(sb_stemmer_length(handle))
            return String(decoding: UnsafeBufferPointer(start: stemmed, count: length), as: UTF8.self)
        }
    }
}
