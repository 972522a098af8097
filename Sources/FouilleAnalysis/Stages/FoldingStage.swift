import CICUShim

/// Folds a word to the spelling every form of it shares: NFKC case folding,
/// diacritics removed, Latin ligatures expanded, apostrophes dropped.
/// `Corée` → `coree`, `ÉTAT` → `etat`, `œuvre` → `oeuvre`, `Straße` → `strasse`,
/// `ﬁn` → `fin`, `Ｐａｒｉｓ` → `paris`, `aujourd'hui` → `aujourdhui`.
///
/// It runs before stemming (Snowball's French stemmer then sees `evenements`
/// and `événements` alike). Pure ASCII words, most of any French text, are
/// lower-cased byte by byte without calling ICU.
public struct FoldingStage: TermStage, Sendable {
    public init() {}

    public func apply(_ term: String) -> String? {
        var term = term
        return term.withUTF8(fold)
    }

    func fold(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        if bytes.allSatisfy({ $0 < 0x80 }) {
            return String(unsafeUninitializedCapacity: bytes.count) { out in
                var n = 0
                for b in bytes where b != 0x27 {
                    out[n] = (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b
                    n += 1
                }
                return n
            }
        }
        return withICUFold(bytes).filter { $0 != "'" && $0 != "\u{2019}" && $0 != "\u{02BC}" }
    }

    private func withICUFold(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var capacity = bytes.count * 3 + 16
        while true {
            var needed: Int32 = 0
            let result = String(unsafeUninitializedCapacity: capacity) { out in
                let n = bytes.withMemoryRebound(to: CChar.self) { src in
                    out.withMemoryRebound(to: CChar.self) { dst in
                        fouille_fold(src.baseAddress, Int32(src.count), dst.baseAddress, Int32(dst.count))
                    }
                }
                needed = n
                return n >= 0 && Int(n) <= capacity ? Int(n) : 0
            }
            if needed < 0 { return String(decoding: bytes, as: UTF8.self).lowercased() }
            if Int(needed) <= capacity { return result }
            capacity = Int(needed)
        }
    }
}
